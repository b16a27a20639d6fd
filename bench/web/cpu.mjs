// CPU seconds of the web suite's contenders, read from Linux's /proc, so a shared machine's
// load (which stretches wall time) can be told apart from the work each side did.
//   browserCpuSeconds(tag)  every live process whose command line holds `tag` (each Chromium
//                           process of one pass carries its profile directory), all threads
//   reapedChildrenCpuSeconds()  this process's children that exited and were waited for
//                           (cutime + cstime): a CLI pass is the difference around it
// Both answer null where /proc is not there.

import { readFileSync, readdirSync } from "node:fs";

/** Clock ticks per second of /proc's times (USER_HZ, 100 on Linux). */
const TICK = 100;

/** utime + stime (own) and cutime + cstime (reaped children) of /proc/<pid>/stat, in seconds. */
function times(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name, which is in parentheses and may hold spaces.
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return { own: (Number(f[11]) + Number(f[12])) / TICK, children: (Number(f[13]) + Number(f[14])) / TICK };
}

export function browserCpuSeconds(tag) {
  let pids;
  try {
    pids = readdirSync("/proc").filter((x) => /^\d+$/.test(x));
  } catch {
    return null;
  }
  let sum = 0;
  for (const pid of pids) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(tag)) sum += times(pid).own;
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return sum;
}

export function reapedChildrenCpuSeconds() {
  try {
    return times("self").children;
  } catch {
    return null;
  }
}
