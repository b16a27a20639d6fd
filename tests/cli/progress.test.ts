// Progress as a user sees it, on a REAL pseudo-terminal (python3's pty module): while an image
// is read, verified, merged or written, one line shows bytes done / total, the rate and the
// time left, redrawn in place; it is erased before the command prints anything. On pipes
// nothing is drawn, --json draws nothing, --progress=plain writes log lines without "\r".
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatBytes } from "../../src/format.js";
import { runOnPipes, runOnPty, visible, writeBigLayout } from "./helpers.js";

const BIG = 256 * 1024 * 1024;
const tmp = mkdtempSync(join(tmpdir(), "layerlens-progress-"));
const image = `oci:${join(tmp, "layout")}:latest`;
let layerBytes = 0;
beforeAll(() => {
  layerBytes = writeBigLayout(join(tmp, "layout"), BIG, 3000).layerBytes;
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const ERASE = "\r\x1b[2K";
const BYTES = String.raw`\d+(?:\.\d)? (?:B|KiB|MiB|GiB)`;
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The lines drawn (between erases) and what came after the last erase. */
function frames(terminal: string): { frames: string[]; after: string } {
  const parts = terminal.split(ERASE);
  return { frames: parts.slice(1, -1).filter((f) => f !== ""), after: parts[parts.length - 1] };
}

/** A mid-phase frame: "PHASE LABEL  12.0 MiB / 259.1 MiB  4%  120.0 MiB/s  ETA 0:02[  layer 0/1]". */
function midPhase(phase: string, label: string, total: string): RegExp {
  return new RegExp(`^${phase} ${esc(label)}  ${BYTES} / ~?${esc(total)}  \\d{1,3}%  ${BYTES}/s  ETA \\d+:\\d\\d(  layer \\d/1)?$`);
}

describe("on a terminal", () => {
  it("ls -R: reading shows bytes / total, rate and ETA, then merging, and the line is erased before the listing", async () => {
    const r = await runOnPty(["ls", "-R", image]);
    expect(r.status, visible(r.terminal.slice(-2000))).toBe(0);
    const { frames: drawn, after } = frames(r.terminal);
    const total = formatBytes(layerBytes);
    expect(
      drawn.some((f) => midPhase("reading", image, total).test(f)),
      drawn.map(visible).join("\n"),
    ).toBe(true);
    expect(drawn.some((f) => f.startsWith(`merging ${image}`))).toBe(true);
    // the last frame of a phase reports what was done: every byte, the layer count
    expect(drawn).toContain(drawn.find((f) => f.startsWith(`reading ${image}  ${total} / ${total}  100%`) && f.endsWith("layer 1/1")));
    // after the last erase: only the listing, no progress and no carriage return but CRLF's
    expect(after.startsWith("big.bin\r\nd000\r\n"), visible(after.slice(0, 200))).toBe(true);
    expect(after).not.toMatch(/\r(?!\n)/);
    expect(after.split("\r\n").filter((l) => l.endsWith(".txt"))).toHaveLength(3000);
    // nothing before the first frame: the terminal starts with the progress line
    expect(r.terminal.startsWith(ERASE)).toBe(true);
  });

  it("inspect (full mode) shows its verifying phase; --quick reads no layers and shows none", async () => {
    const r = await runOnPty(["inspect", image]);
    expect(r.status).toBe(0);
    const { frames: drawn, after } = frames(r.terminal);
    expect(
      drawn.some((f) => midPhase("verifying", image, formatBytes(layerBytes)).test(f)),
      drawn.map(visible).join("\n"),
    ).toBe(true);
    expect(after.startsWith("Image       ")).toBe(true);
    const quick = await runOnPty(["inspect", image, "--quick"]);
    expect(quick.status).toBe(0);
    expect(quick.terminal.startsWith("Image       ")).toBe(true);
    expect(quick.terminal).not.toContain(ERASE);
  });

  it("export -o FILE shows its writing phase against the estimated tar size, then its summary", async () => {
    const out = join(tmp, "flat.tar");
    const r = await runOnPty(["export", image, "-o", out]);
    expect(r.status).toBe(0);
    const { frames: drawn, after } = frames(r.terminal);
    const writing = drawn.filter((f) => f.startsWith(`writing ${out}  `));
    expect(writing.length).toBeGreaterThan(0);
    expect(
      writing.some((f) => / {2}ETA \d+:\d\d$/.test(f) && f.includes(" / ~")),
      writing.map(visible).join("\n"),
    ).toBe(true);
    // the last frame reports the bytes really written, which the file holds (3001 files, 100
    // directories written twice: export.ts says why)
    const size = statSync(out).size;
    expect(writing[writing.length - 1]).toContain(`${formatBytes(size)} / ${formatBytes(size)}  100%`);
    expect(after).toBe(`wrote ${out}: 3201 entries, ${formatBytes(size)}\r\n`);
  });

  it("cat to a file with stderr on the terminal shows the writing phase of the file's bytes", async () => {
    const out = join(tmp, "big.bin");
    const r = await runOnPty(["cat", image, "big.bin"], { stdoutFile: out });
    expect(r.status).toBe(0);
    expect(statSync(out).size).toBe(BIG);
    const { frames: drawn, after } = frames(r.terminal);
    expect(drawn.some((f) => f.startsWith(`writing big.bin  ${formatBytes(BIG)} / ${formatBytes(BIG)}  100%`))).toBe(true);
    expect(after).toBe("");
  });

  it("--json draws nothing: the terminal receives the JSON alone", async () => {
    const r = await runOnPty(["ls", image, "--json"]);
    expect(r.status).toBe(0);
    expect(r.terminal).not.toContain("\x1b");
    expect(JSON.parse(r.terminal.replace(/\r\n/g, "\n")).map((s: { path: string }) => s.path)).toContain("big.bin");
  });

  it("--progress=none draws nothing", async () => {
    const r = await runOnPty(["ls", image, "--progress=none"]);
    expect(r.status).toBe(0);
    expect(r.terminal).toBe(["big.bin", ...Array.from({ length: 100 }, (_, i) => `d${String(i).padStart(3, "0")}`)].join("\r\n") + "\r\n");
  });
});

describe("on pipes", () => {
  it("nothing on stderr by default", async () => {
    const r = await runOnPipes(["ls", image]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
  });

  it("--progress=plain writes one line per phase step, no carriage returns", async () => {
    const r = await runOnPipes(["layers", image, "--progress=plain"]);
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain("\r");
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines.every((l) => l.startsWith("layerlens: "))).toBe(true);
    const total = formatBytes(layerBytes);
    expect(lines[0]).toBe(`layerlens: reading ${image}  0 B / ${total}  0%  layer 0/1  (started)`);
    expect(lines).toContainEqual(
      expect.stringMatching(
        new RegExp(`^layerlens: reading ${esc(image)}  ${esc(total)} / ${esc(total)}  100%  ${BYTES}/s  ETA 0:00  layer 1/1$`),
      ),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(
        new RegExp(`^layerlens: reading ${esc(image)}  ${esc(total)} / ${esc(total)}  100%  ${BYTES}/s  in \\d+:\\d\\d  layer 1/1$`),
      ),
    );
    expect(lines[lines.length - 1]).toMatch(new RegExp(`^layerlens: merging ${esc(image)}  in \\d+:\\d\\d  layer 1/1$`));
    expect(r.stdout).toContain("Efficiency");
  });

  it("an unknown --progress mode is a usage error", async () => {
    const r = await runOnPipes(["ls", image, "--progress=fancy"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('layerlens: USAGE: --progress takes auto, plain, none, not "fancy"\n');
  });
});
