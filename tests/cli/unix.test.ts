// The CLI as a Unix tool: a reader that goes away (`| head`) ends it quietly with the status the
// shell reports for cat(1) and ls(1) in the same pipeline, over REAL pipes; --version, `help
// VERB`, the overview with each verb's summary, usage on stderr; diff's exit statuses as diff(1).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COMMANDS } from "../../src/cli/main.js";
import { fixture, skipFixtures } from "../helpers/fixtures.js";
import { bash, CLI, ROOT, runCommandOnPty, runOnPipes, writeBigLayout } from "./helpers.js";

const tmp = mkdtempSync(join(tmpdir(), "layerlens-unix-"));
const many = `oci:${join(tmp, "many")}:latest`;
beforeAll(() => {
  // 3000 names: `ls -R` and `tar t` print far more than a pipe's 64 KiB buffer holds.
  writeBigLayout(join(tmp, "many"), 8 * 1024 * 1024, 3000);
  writeFileSync(join(tmp, "zeros"), new Uint8Array(8 * 1024 * 1024));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const q = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;
const node = `${q(process.execPath)} ${q(CLI)}`;

/** Run `left | right` in bash; the left command's status, its stderr, and the pipeline's status under pipefail. */
async function pipeline(left: string, right: string): Promise<{ left: number; stderr: string; pipefail: number }> {
  const err = join(tmp, `stderr-${Math.random().toString(36).slice(2)}`);
  const { stdout } = await bash(
    `${left} 2>${q(err)} | ${right} >/dev/null; s=("\${PIPESTATUS[@]}"); set -o pipefail; ${left} 2>/dev/null | ${right} >/dev/null; echo "\${s[0]} $?"`,
  );
  const [l, p] = stdout.trim().split(" ").map(Number);
  return { left: l, stderr: readFileSync(err, "utf8"), pipefail: p };
}

describe("a closed pipe", () => {
  it("cat IMG FILE | head -c 64: quiet, and the status cat(1) gets in the same pipeline", async () => {
    const oracle = await pipeline(`cat ${q(join(tmp, "zeros"))}`, "head -c 64");
    expect(oracle.left).toBe(141); // 128 + SIGPIPE, as the shell reports it
    const r = await pipeline(`${node} cat ${q(many)} big.bin`, "head -c 64");
    expect(r).toEqual({ left: oracle.left, stderr: "", pipefail: oracle.pipefail });
  });

  it("ls -R IMG | head: quiet, the status ls(1) gets", async () => {
    const oracle = await pipeline(`ls -R ${q(ROOT)}/node_modules`, "head -n 2");
    const r = await pipeline(`${node} ls -R ${q(many)}`, "head -n 2");
    expect(r).toEqual({ left: oracle.left, stderr: "", pipefail: oracle.pipefail });
    expect(r.left).toBe(141);
  });

  it("export -o - | tar t | head: quiet when tar goes away", async () => {
    const r = await pipeline(`${node} export ${q(many)} -o -`, "tar t | head -n 3");
    expect(r).toEqual({ left: 141, stderr: "", pipefail: 141 });
  });

  it("on a terminal, the progress line is erased when the pipe closes, and nothing else is printed", async () => {
    const r = await runCommandOnPty([
      "bash",
      "-c",
      `${node} cat ${q(many)} big.bin | head -c 64 >/dev/null; echo "status=\${PIPESTATUS[0]}"`,
    ]);
    const parts = r.terminal.split("\r\x1b[2K");
    expect(parts.length).toBeGreaterThan(1); // progress was drawn
    expect(parts[parts.length - 1]).toBe("status=141\r\n");
  });

  it("with --progress=plain, stderr holds the progress log lines and nothing else when the pipe closes", async () => {
    const r = await pipeline(`${node} cat ${q(many)} big.bin --progress=plain`, "head -c 64");
    expect(r.left).toBe(141);
    expect(r.stderr).not.toMatch(/Error|EPIPE|\n\s+at /);
    expect(
      r.stderr
        .split("\n")
        .filter(Boolean)
        .every((l) => l.startsWith("layerlens: ")),
    ).toBe(true);
  });

  it("output a reader takes whole still exits 0", async () => {
    const r = await pipeline(`${node} ls ${q(many)}`, "cat");
    expect(r).toEqual({ left: 0, stderr: "", pipefail: 0 });
  });
});

describe("version, help, usage", () => {
  it("--version prints package.json's version", async () => {
    const r = await runOnPipes(["--version"]);
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string };
    expect(r).toEqual({ code: 0, stdout: `layerlens ${pkg.version}\n`, stderr: "" });
  });

  it("the overview (--help, help) lists every verb with its one-line summary", async () => {
    const a = await runOnPipes(["--help"]);
    const b = await runOnPipes(["help"]);
    expect(a.code).toBe(0);
    expect(b).toEqual(a);
    for (const [name, load] of Object.entries(COMMANDS)) {
      const { command } = await load();
      expect(a.stdout).toMatch(new RegExp(`^  ${name} +${command.summary.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`, "m"));
    }
  });

  it("help VERB is VERB --help, for every verb", async () => {
    for (const name of Object.keys(COMMANDS)) {
      const viaHelp = await runOnPipes(["help", name]);
      const viaFlag = await runOnPipes([name, "--help"]);
      expect(viaHelp.code, name).toBe(0);
      expect(viaHelp, name).toEqual(viaFlag);
      expect(viaHelp.stdout, name).toContain("usage: layerlens " + name);
    }
    const unknown = await runOnPipes(["help", "frobnicate"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^layerlens: USAGE: unknown command "frobnicate"/);
  });

  it("no arguments: the overview on stderr, nothing on stdout, exit 1 like every usage error", async () => {
    const r = await runOnPipes([]);
    const help = await runOnPipes(["--help"]);
    expect(r).toEqual({ code: 1, stdout: "", stderr: help.stdout });
  });
});

describe.skipIf(skipFixtures())("diff's exit status, as diff(1)", () => {
  const L = `oci:${fixture("layout")}`;
  it("0 when the images are the same, 1 when they differ", async () => {
    const same = await runOnPipes(["diff", `${L}:v6`, `${L}:v6`]);
    expect(same).toEqual({ code: 0, stdout: "0 added, 0 removed, 0 changed\n", stderr: "" });
    const differ = await runOnPipes(["diff", `${L}:v5`, `${L}:v6`, "--json"]);
    expect(differ.code).toBe(1);
    expect(differ.stderr).toBe("");
    expect(JSON.parse(differ.stdout).entries.length).toBeGreaterThan(0);
  });

  it("2 on trouble: a usage error or an image that cannot be read (other verbs: 1)", async () => {
    const usage = await runOnPipes(["diff", `${L}:v6`]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/^layerlens: USAGE: diff: name two images\n/);
    const missing = await runOnPipes(["diff", `${L}:v6`, `${L}:no-such-tag`]);
    expect(missing.code).toBe(2);
    expect(missing.stdout).toBe("");
    expect(missing.stderr).toMatch(/^layerlens: NOT_FOUND: [^\n]+\n$/);
    expect((await runOnPipes(["ls", `${L}:no-such-tag`])).code).toBe(1);
  });

  it("diff(1) itself: 0 same, 1 different, 2 trouble (the convention followed)", async () => {
    const a = join(tmp, "a");
    const b = join(tmp, "b");
    writeFileSync(a, "x\n");
    writeFileSync(b, "y\n");
    const { stdout } = await bash(
      `diff ${q(a)} ${q(a)}; echo -n "$? "; diff ${q(a)} ${q(b)} >/dev/null; echo -n "$? "; diff ${q(a)} ${q(join(tmp, "none"))} 2>/dev/null; echo $?`,
    );
    expect(stdout.trim()).toBe("0 1 2");
  });
});
