// `layerlens check`, dive's CI gate, on images built here to be efficient and wasteful (their
// numbers worked out by hand from dive's model in the comments), with every rule at its
// boundary, the `.dive-ci` reader (accepted and refused files, the line named), `--json`, exit
// statuses through the built CLI as a real process, and the shared fixture. Then the one
// vocabulary: one image gives the same efficiency, wasted and reclaimable figures in `layers`
// and `check` text, in their JSON and through formatEfficiency, the function the page calls.
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import "../../src/node.js";
import { main } from "../../src/cli/main.js";
import { LayerFS } from "../../src/fs/merge.js";
import { analyzeWaste, efficiencyPercent } from "../../src/fs/waste.js";
import { openImage } from "../../src/node/open.js";
import { parseSize, type CheckReport } from "../../src/report/ci-rules.js";
import { parseDiveCi } from "../../src/report/dive-ci.js";
import { formatEfficiency } from "../../src/report/efficiency.js";
import type { LayersReport } from "../../src/report/layers.js";
import { resolveImage } from "../../src/sources/image.js";
import { tarOf } from "../fs/helpers/layers.js";
import { fixture, skipFixtures } from "../helpers/fixtures.js";
import { CLI } from "./helpers.js";
import type { TarWriteEntry } from "../../src/fs/tar-write.js";

const work = mkdtempSync(join(tmpdir(), "layerlens-check-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const enc = new TextEncoder();
const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
const bytes = (n: number, fill = 0x61) => new Uint8Array(n).fill(fill);

/** An OCI layout at work/NAME with one image of uncompressed layers, one tar per entry list. */
function layout(name: string, layers: TarWriteEntry[][]): string {
  const dir = join(work, name);
  mkdirSync(join(dir, "blobs/sha256"), { recursive: true });
  const put = (b: Uint8Array) => {
    writeFileSync(join(dir, "blobs/sha256", sha(b)), b);
    return { digest: `sha256:${sha(b)}`, size: b.length };
  };
  const tars = layers.map((entries) => put(tarOf(entries)));
  const config = put(
    enc.encode(JSON.stringify({ architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: tars.map((t) => t.digest) } })),
  );
  const manifest = put(
    enc.encode(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        config: { mediaType: "application/vnd.oci.image.config.v1+json", ...config },
        layers: tars.map((t) => ({ mediaType: "application/vnd.oci.image.layer.v1.tar", ...t })),
      }),
    ),
  );
  writeFileSync(
    join(dir, "index.json"),
    JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: "application/vnd.oci.image.manifest.v1+json", ...manifest }] }),
  );
  writeFileSync(join(dir, "oci-layout"), '{"imageLayoutVersion":"1.0.0"}');
  return `oci:${dir}`;
}

// Efficient: every path stored once. discovered = kept = 1000 + 2000 + 3000: efficiency 1.
const EFFICIENT = layout("efficient", [
  [{ name: "base.bin", data: bytes(1000) }],
  [
    { name: "app", type: "dir" },
    { name: "app/one", data: bytes(2000) },
  ],
  [{ name: "app/two", data: bytes(3000) }],
]);

// Wasteful: a big file added, then overwritten by a small one. Paths: base.bin 1000/1000,
// big.bin cumulative 100000 + 10 with min 10, keep.txt 100/100. discovered 101110, kept 1110,
// wasted 100000 (dive: 100010), user file bytes 100000 + 100 + 10, reclaimable 100000.
const WASTEFUL = layout("wasteful", [
  [{ name: "base.bin", data: bytes(1000) }],
  [
    { name: "big.bin", data: bytes(100000) },
    { name: "keep.txt", data: bytes(100) },
  ],
  [{ name: "big.bin", data: bytes(10, 0x62) }],
]);

// At round numbers: a (100) stored twice, c 100 and d 200 once. discovered 500, kept 400:
// efficiency exactly 0.8; wasted 100; user file bytes 100 + 100 + 200 = 400: user ratio 0.25.
const ROUND = layout("round", [
  [{ name: "a", data: bytes(100) }],
  [
    { name: "a", data: bytes(100, 0x62) },
    { name: "c", data: bytes(100) },
    { name: "d", data: bytes(200) },
  ],
]);

// Growing: a file stored at 1 KiB, then at 100 KiB. dive's model keeps the smallest copy, so it
// wastes the 100 KiB; flattening would save the dead 1 KiB, which is what is reclaimable.
const GROWING = layout("growing", [[{ name: "f", data: bytes(1024) }], [{ name: "f", data: bytes(102400, 0x62) }]]);

// Removed: a big file whited out by the next layer, which adds no bytes of its own. The
// whiteout weighs 0 (dive's file whiteout), so kept 0 of 100000: efficiency 0, and wasted
// bytes stand over 0 user bytes (an infinite user ratio).
const REMOVED = layout("removed", [[{ name: "big.bin", data: bytes(100000) }], [{ name: ".wh.big.bin" }]]);

/** Run the CLI in-process. */
async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await main(argv, { stdout: (t) => void (out += t), stderr: (t) => void (err += t) });
  return { code, out, err };
}

async function checkJson(...argv: string[]): Promise<{ code: number; report: CheckReport }> {
  const r = await cli("check", ...argv, "--json");
  if (r.code === 2) throw new Error(`check ${argv.join(" ")}: ${r.err}`);
  return { code: r.code, report: JSON.parse(r.out) as CheckReport };
}

const statuses = (r: CheckReport) => Object.fromEntries(r.rules.map((x) => [x.rule, x.status]));

/** The built CLI as a real process in `cwd` (for the default ./.dive-ci and real exit codes). */
function cliIn(cwd: string, ...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [CLI, ...argv], { cwd }, (e, out, err) => {
      const code = e ? (e as { code?: number }).code : 0;
      done({ code: typeof code === "number" ? code : -1, out, err });
    });
  });
}

describe("check: the measures", () => {
  it("an efficient image passes dive's default rules", async () => {
    const { code, report } = await checkJson(EFFICIENT);
    expect(code).toBe(0);
    expect(report).toMatchObject({ efficiency: 1, efficiencyPercent: 100, wastedBytes: 0, reclaimableBytes: 0, userFileBytes: 5000 });
    expect(report.userWastedRatio).toBe(0);
    expect(statuses(report)).toEqual({ lowestEfficiency: "PASS", highestWastedBytes: "SKIP", highestUserWastedPercent: "PASS" });
    expect(report.rules.map((r) => [r.rule, r.setting, r.from])).toEqual([
      ["lowestEfficiency", "0.9", "default"],
      ["highestWastedBytes", "disabled", "default"],
      ["highestUserWastedPercent", "0.1", "default"],
    ]);
    expect(report).toMatchObject({ result: "PASS", counts: { total: 3, passed: 2, failed: 0, skipped: 1 }, inefficientFiles: [] });
  });

  it("a file added then overwritten fails: the numbers of dive's model, without its double count", async () => {
    const { code, report } = await checkJson(WASTEFUL, "--highest-wasted-bytes", "20MB");
    expect(code).toBe(1);
    expect(report.efficiency).toBe(1110 / 101110);
    expect(report.efficiencyPercent).toBe(1.09);
    expect(report).toMatchObject({ wastedBytes: 100000, diveReportedWastedBytes: 100010, reclaimableBytes: 100000, userFileBytes: 100110 });
    expect(report.userWastedRatio).toBe(100000 / 100110);
    expect(report.inefficientFiles).toEqual([{ path: "big.bin", count: 2, wastedBytes: 100000 }]);
    expect(statuses(report)).toEqual({ lowestEfficiency: "FAIL", highestWastedBytes: "PASS", highestUserWastedPercent: "FAIL" });
    expect(report).toMatchObject({ result: "FAIL", counts: { total: 3, passed: 1, failed: 2, skipped: 0 } });
  });

  it("wasted and reclaimable differ where a file grows, as src/fs/waste.ts says", async () => {
    const { report } = await checkJson(GROWING);
    expect(report).toMatchObject({ wastedBytes: 102400, diveReportedWastedBytes: 103424, reclaimableBytes: 1024, userFileBytes: 102400 });
    expect(report.efficiency).toBe(1024 / 103424);
  });

  it("a file removed by a layer that adds nothing: efficiency 0, an infinite user share", async () => {
    const { code, report } = await checkJson(REMOVED, "--lowest-efficiency=0");
    expect(code).toBe(1);
    expect(report).toMatchObject({ efficiency: 0, efficiencyPercent: 0, wastedBytes: 100000, userFileBytes: 0, userWastedRatio: null });
    const user = report.rules.find((r) => r.rule === "highestUserWastedPercent")!;
    expect(user).toMatchObject({ status: "FAIL", measured: null, threshold: 0.1 });
    expect(statuses(report).lowestEfficiency).toBe("PASS");
    const text = (await cli("check", REMOVED, "--top=0")).out;
    expect(text).toContain("  efficiency: 0.00 %\n");
    expect(text).toContain("  userWastedPercent: infinite (97.7 KiB wasted, 0 B added above the base layer)\n");
    expect(text).toContain("Inefficient files:\n  (not listed: --top 0)\n");
    expect(text).toContain(
      "  FAIL: highestUserWastedPercent: wasted 100000 B while the layers above the base add 0 B (an infinite share) > threshold 0.1 (dive's default)\n",
    );
  });

  it("each rule at its boundary: equal passes, one step past fails", async () => {
    const cases: [string[], string, "PASS" | "FAIL"][] = [
      [["--lowest-efficiency=0.8"], "lowestEfficiency", "PASS"],
      [["--lowest-efficiency=0.8000001"], "lowestEfficiency", "FAIL"],
      [["--lowest-efficiency=1"], "lowestEfficiency", "FAIL"],
      [["--lowest-efficiency=0"], "lowestEfficiency", "PASS"],
      [["--highest-wasted-bytes=100"], "highestWastedBytes", "PASS"],
      [["--highest-wasted-bytes=99"], "highestWastedBytes", "FAIL"],
      [["--highest-wasted-bytes=0.1kB"], "highestWastedBytes", "PASS"],
      [["--highest-wasted-bytes=0.099KB"], "highestWastedBytes", "FAIL"],
      [["--highest-user-wasted-percent=0.25"], "highestUserWastedPercent", "PASS"],
      [["--highest-user-wasted-percent=0.2499"], "highestUserWastedPercent", "FAIL"],
      // dive's own flag spellings carry over.
      [["--lowestEfficiency", "0.81"], "lowestEfficiency", "FAIL"],
      [["--highestWastedBytes", "100"], "highestWastedBytes", "PASS"],
      [["--highestUserWastedPercent", "0.24"], "highestUserWastedPercent", "FAIL"],
    ];
    for (const [flags, rule, want] of cases) {
      const { code, report } = await checkJson(ROUND, ...flags);
      const r = report.rules.find((x) => x.rule === rule)!;
      expect([flags.join(" "), r.status], flags.join(" ")).toEqual([flags.join(" "), want]);
      expect(r.from).toBe(flags[0].replace(/=.*/, ""));
      // Only this rule moved off the defaults, which ROUND fails (0.8 < 0.9, 0.25 > 0.1).
      expect(code).toBe(report.rules.some((x) => x.status === "FAIL") ? 1 : 0);
    }
    const { report } = await checkJson(
      ROUND,
      "--lowest-efficiency=0.8",
      "--highest-user-wasted-percent=0.25",
      "--highest-wasted-bytes=100",
    );
    expect(report.rules.map((r) => [r.rule, r.measured, r.threshold])).toEqual([
      ["lowestEfficiency", 0.8, 0.8],
      ["highestWastedBytes", 100, 100],
      ["highestUserWastedPercent", 0.25, 0.25],
    ]);
    expect(report.result).toBe("PASS");
  });

  it("the text report names each rule's status, measured value and threshold", async () => {
    const r = await cli("check", ROUND, "--highest-wasted-bytes=99", "--highest-user-wasted-percent=disabled");
    expect(r.code).toBe(1);
    expect(r.out).toContain(`Image ${ROUND}\n`);
    expect(r.out).toContain("  efficiency: 80.00 %\n");
    expect(r.out).toContain("  wastedBytes: 100 bytes (100 B); dive would report 200 B, counting every copy\n");
    expect(r.out).toContain("  userWastedPercent: 25.00 % of 400 B added above the base layer\n");
    expect(r.out).toContain("    2  100 B       /a\n");
    expect(r.out).toContain("  FAIL: lowestEfficiency: efficiency 80.00 % (0.8) < threshold 0.9 (dive's default)\n");
    expect(r.out).toContain("  FAIL: highestWastedBytes: wasted 100 B > threshold 99 = 99 B (--highest-wasted-bytes)\n");
    expect(r.out).toContain("  SKIP: highestUserWastedPercent: rule disabled\n");
    expect(r.out.endsWith("Result: FAIL [Total:3] [Passed:0] [Failed:2] [Skipped:1]\n")).toBe(true);
  });

  it("--json carries what the text says, field for field", async () => {
    const { report } = await checkJson(WASTEFUL);
    expect(Object.keys(report)).toEqual([
      "image",
      "config",
      "efficiency",
      "efficiencyPercent",
      "wastedBytes",
      "diveReportedWastedBytes",
      "reclaimableBytes",
      "userFileBytes",
      "userWastedRatio",
      "inefficientFiles",
      "rules",
      "result",
      "counts",
    ]);
    for (const r of report.rules)
      expect(Object.keys(r).sort()).toEqual(["from", "measured", "message", "rule", "setting", "status", "threshold"]);
    const text = (await cli("check", WASTEFUL)).out;
    for (const r of report.rules) expect(text).toContain(`  ${r.status}: ${r.rule}: ${r.message}\n`);
    expect(text).toContain(`  efficiency: ${report.efficiencyPercent.toFixed(2)} %\n`);
    expect(text).toContain(`  wastedBytes: ${report.wastedBytes} bytes`);
  });
});

describe("check: settings and exit statuses", () => {
  const refused = async (argv: string[], code: string, text: string) => {
    const r = await cli("check", ...argv);
    expect([r.code, r.out]).toEqual([2, ""]);
    expect(r.err).toContain(`layerlens: ${code}: `);
    expect(r.err).toContain(text);
  };

  it("bad settings are refused with status 2 before the image is read", async () => {
    const missing = `oci:${join(work, "no-such-layout")}`;
    await refused([missing, "--lowest-efficiency=1.5"], "USAGE", "--lowest-efficiency: lowestEfficiency takes a ratio between 0 and 1");
    await refused([missing, "--lowest-efficiency=90%"], "USAGE", 'not "90%"');
    await refused([missing, "--highest-user-wasted-percent=-0.1"], "USAGE", "highestUserWastedPercent takes a ratio");
    await refused([missing, "--highest-wasted-bytes=20 parsecs"], "USAGE", "highestWastedBytes takes a size");
    await refused([missing, "--lowest-efficiency=0.5", "--lowestEfficiency=0.6"], "USAGE", "set the same rule");
    await refused([missing, "--ci-config", join(work, "absent.yml")], "NOT_FOUND", "absent.yml: no such file");
    await refused([], "USAGE", "check: name an IMAGE");
  });

  it("an image that cannot be read is trouble (2), not a failed rule (1)", async () => {
    const r = await cli("check", `oci:${join(work, "no-such-layout")}`);
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
  });

  it("reads ./.dive-ci when present, flags override it, --ci-config names another (real process)", async () => {
    const dir = join(work, "cwd-with-dive-ci");
    mkdirSync(dir);
    writeFileSync(
      join(dir, ".dive-ci"),
      [
        "# dive's CI rules",
        "rules:",
        "  # If the efficiency is measured below X%, mark as failed.",
        "  lowestEfficiency: 0.8   # exactly ROUND's",
        "",
        "  highestWastedBytes: '0.1 kB'",
        '  highestUserWastedPercent: "disabled"',
        "",
      ].join("\n"),
    );
    const pass = await cliIn(dir, "check", ROUND, "--json");
    expect(pass.code).toBe(0);
    const report = JSON.parse(pass.out) as CheckReport;
    expect(report.config).toBe(".dive-ci");
    expect(report.rules.map((r) => [r.rule, r.status, r.setting, r.from])).toEqual([
      ["lowestEfficiency", "PASS", "0.8", ".dive-ci:4"],
      ["highestWastedBytes", "PASS", "0.1 kB", ".dive-ci:6"],
      ["highestUserWastedPercent", "SKIP", "disabled", ".dive-ci:7"],
    ]);
    const text = await cliIn(dir, "check", ROUND);
    expect([text.code, text.err]).toEqual([0, ""]);
    expect(text.out).toContain("  Using CI config: .dive-ci\n");
    expect(text.out).toContain("  PASS: lowestEfficiency: efficiency 80.00 % (0.8) >= threshold 0.8 (.dive-ci:4)\n");

    const flagged = await cliIn(dir, "check", ROUND, "--highest-wasted-bytes=99", "--json");
    expect(flagged.code).toBe(1);
    const f = JSON.parse(flagged.out) as CheckReport;
    expect(f.rules[1]).toMatchObject({ status: "FAIL", setting: "99", from: "--highest-wasted-bytes" });
    expect(f.rules[0]).toMatchObject({ status: "PASS", from: ".dive-ci:4" });

    const strict = join(work, "strict.yml");
    writeFileSync(strict, "rules:\n  lowestEfficiency: 0.95\n");
    const named = await cliIn(dir, "check", ROUND, "--ci-config", strict, "--json");
    expect(named.code).toBe(1);
    const n = JSON.parse(named.out) as CheckReport;
    expect(n.config).toBe(strict);
    expect(n.rules.map((r) => [r.status, r.from])).toEqual([
      ["FAIL", `${strict}:2`],
      ["SKIP", "default"],
      ["FAIL", "default"],
    ]);

    // Without a file in the directory: dive's defaults.
    const bare = await cliIn(work, "check", EFFICIENT);
    expect(bare.code).toBe(0);
    expect(bare.out).toContain("  No CI config file: flags and dive's defaults\n");
  });

  it("a malformed .dive-ci is refused with its file and line, status 2 (real process)", async () => {
    const dir = join(work, "cwd-malformed");
    mkdirSync(dir);
    writeFileSync(join(dir, ".dive-ci"), "rules:\n  lowestEfficiency: 0.9\n  highestWastedBytes:\n    nested: 1\n");
    const r = await cliIn(dir, "check", EFFICIENT);
    expect([r.code, r.out]).toEqual([2, ""]);
    expect(r.err).toBe("layerlens: USAGE: .dive-ci:3: highestWastedBytes has no value\n");
    writeFileSync(join(dir, ".dive-ci"), "rules:\n  lowestEfficiency: 1.9\n");
    const range = await cliIn(dir, "check", EFFICIENT);
    expect(range.code).toBe(2);
    expect(range.err).toContain("layerlens: USAGE: .dive-ci:2: lowestEfficiency takes a ratio between 0 and 1");
  });
});

describe("the .dive-ci reader", () => {
  it("reads dive's format: comments, quotes, '---', CRLF, an empty rules mapping", () => {
    const text = [
      "---",
      "# top comment",
      "rules:   # trailing comment",
      "    lowestEfficiency: 0.95",
      '    highestWastedBytes: "20MB" # quoted, with a comment',
      "    highestUserWastedPercent: 'it''s # not a comment'",
    ].join("\r\n");
    expect(parseDiveCi(text, "f")).toEqual({
      lowestEfficiency: { value: "0.95", line: 4 },
      highestWastedBytes: { value: "20MB", line: 5 },
      highestUserWastedPercent: { value: "it's # not a comment", line: 6 },
    });
    expect(parseDiveCi("rules:\n", "f")).toEqual({});
    expect(parseDiveCi("# nothing set\n\n", "f")).toEqual({});
    expect(parseDiveCi('rules:\n  highestWastedBytes: "a \\"q\\" \\\\"\n', "f")).toEqual({
      highestWastedBytes: { value: 'a "q" \\', line: 2 },
    });
  });

  it("refuses everything else, naming the file and the line", () => {
    const table: [string, string][] = [
      ["other: 1\n", 'f:1: unknown key "other"'],
      ["rules:\n  lowestEfficiency: 0.9\nextra: 1\n", 'f:3: unknown key "extra"'],
      ["rules: {lowestEfficiency: 0.9}\n", 'f:1: "rules:" takes its rules on the indented lines below it'],
      ["rules:\n  lowestEficiency: 0.9\n", 'f:2: unknown rule "lowestEficiency"'],
      ["rules:\n  lowestEfficiency: 0.9\n  lowestEfficiency: 0.8\n", "f:3: lowestEfficiency given twice (first on line 2)"],
      ["rules:\n  lowestEfficiency: 0.9\n    highestWastedBytes: 1\n", "f:3: indentation differs"],
      ["rules:\n\tlowestEfficiency: 0.9\n", "f:2: tabs are not YAML indentation"],
      ["  lowestEfficiency: 0.9\n", 'f:1: indented line outside "rules:"'],
      ["rules:\n  lowestEfficiency: [0.9]\n", 'f:2: "[0.9]": only plain or quoted scalars'],
      ["rules:\n  lowestEfficiency: &a 0.9\n", 'f:2: "&a 0.9": only plain or quoted scalars'],
      ["rules:\n  lowestEfficiency: |\n", 'f:2: "|": only plain or quoted scalars'],
      ["rules:\n  lowestEfficiency: a: b\n", 'f:2: "a: b": a nested mapping'],
      ['rules:\n  lowestEfficiency: "0.9\n', "f:2: unterminated double-quoted value"],
      ["rules:\n  lowestEfficiency: '0.9' x\n", "f:2: malformed single-quoted value"],
      ['rules:\n  lowestEfficiency: "\\t"\n', "f:2: malformed double-quoted value"],
      ["rules:\n  - lowestEfficiency: 0.9\n", 'f:2: expected "NAME: VALUE"'],
      ["rules:\nrules:\n", 'f:2: "rules" given twice'],
      ["rules:\n  lowestEfficiency: 0.9\n---\n", "f:3: one YAML document only"],
      ["rules\n", 'f:1: expected "rules:", found "rules"'],
    ];
    for (const [text, message] of table) {
      let thrown: unknown;
      try {
        parseDiveCi(text, "f");
      } catch (e) {
        thrown = e;
      }
      expect(thrown, JSON.stringify(text)).toMatchObject({ code: "USAGE" });
      expect((thrown as Error).message, JSON.stringify(text)).toContain(message);
    }
  });

  it("reads sizes as go-humanize does (dive parses highestWastedBytes with it)", () => {
    const table: [string, number | undefined][] = [
      ["4096", 4096],
      ["20MB", 20_000_000],
      ["20 MB", 20_000_000],
      ["20mb", 20_000_000],
      ["20M", 20_000_000],
      ["20MiB", 20 * 1024 ** 2],
      ["20Mi", 20 * 1024 ** 2],
      ["1.5GiB", 1.5 * 1024 ** 3],
      ["1.5 kB", 1500],
      ["0.0015k", 1],
      ["2B", 2],
      ["1TB", 1e12],
      ["MB", undefined],
      ["20 parsecs", undefined],
      ["-1", undefined],
      ["1e3", undefined],
    ];
    for (const [text, want] of table) expect([text, parseSize(text)]).toEqual([text, want]);
  });
});

describe("one vocabulary: the efficiency, wasted and reclaimable figures", () => {
  it("efficiencyPercent rounds down, exactly, from the integer sums", () => {
    // The float ways: 57/100 floored through the ratio read 56.99; 99999/100000 rounded read 100.00.
    expect(Math.floor((57 / 100) * 10000) / 100).toBe(56.99);
    expect(((99999 / 100000) * 100).toFixed(2)).toBe("100.00");
    expect(efficiencyPercent(57, 100)).toBe(57);
    expect(efficiencyPercent(99999, 100000)).toBe(99.99);
    expect(efficiencyPercent(0, 0)).toBe(100);
    expect(efficiencyPercent(0, 5)).toBe(0);
    expect(efficiencyPercent(2 ** 52, 2 ** 52 + 1)).toBe(99.99);
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 2n ** 53n - 1n }), fc.bigInt({ min: 0n, max: 2n ** 53n - 1n }), (q, p0) => {
        const p = p0 % (q + 1n);
        const hundredths = BigInt(Math.round(efficiencyPercent(Number(p), Number(q)) * 100));
        // hundredths / 10000 <= p / q < (hundredths + 1) / 10000, in integers.
        return hundredths * q <= p * 10000n && p * 10000n < (hundredths + 1n) * q;
      }),
      { numRuns: 2000 },
    );
    expect(formatEfficiency({ efficiencyPercent: 57 })).toBe("57.00 %");
  });

  it.skipIf(skipFixtures())("the fixture image: layers and check text, their JSON and the page's function agree", async () => {
    const spec = `oci:${fixture("layout")}:latest`;
    // What the page does: the library's merged view, analyzeWaste, formatEfficiency.
    const source = await openImage(spec);
    const resolved = await resolveImage(source);
    const image = new LayerFS().image();
    await image.mountBatch(resolved.layers);
    const page = analyzeWaste(image, 10);
    await source.close?.();
    const shown = formatEfficiency(page);
    // The image: just below 1, where rounding to nearest said 100.00 %.
    expect(page.efficiency).toBeLessThan(1);
    expect(page.efficiency).toBeGreaterThan(0.9999);
    expect(shown).toBe("99.99 %");
    expect(page.wastedBytes).toBe(page.discoveredBytes - page.keptBytes);
    expect(page.efficiency).toBe(page.keptBytes / page.discoveredBytes);

    const layersText = await cli("layers", spec);
    const layersJson = JSON.parse((await cli("layers", spec, "--json")).out) as LayersReport;
    const { code, report } = await checkJson(spec);
    const checkText = (await cli("check", spec)).out;
    expect(code).toBe(0);
    expect(layersText.out).toContain(`Efficiency        ${shown}\n`);
    expect(checkText).toContain(`  efficiency: ${shown}\n`);
    for (const w of [layersJson.waste, report]) {
      expect(w.efficiency).toBe(page.efficiency);
      expect(w.efficiencyPercent).toBe(page.efficiencyPercent);
      expect(w.wastedBytes).toBe(page.wastedBytes);
      expect(w.diveReportedWastedBytes).toBe(page.diveReportedWastedBytes);
      expect(w.reclaimableBytes).toBe(page.reclaimableBytes);
      expect(w.userFileBytes).toBe(page.userFileBytes);
    }
    expect(layersJson.waste.topWasted.map((p) => [p.path, p.wastedBytes])).toEqual(
      report.inefficientFiles.map((f) => [f.path, f.wastedBytes]),
    );

    // User file bytes against Python's tarfile: regular-file sizes in every layer but the first.
    const raw = JSON.parse(readFileSync(fixture("expected/latest/layers-raw.json"), "utf8")) as {
      index: number;
      entries: { type: string; size: number }[];
    }[];
    const oracle = raw
      .filter((l) => l.index > 0)
      .reduce((n, l) => n + l.entries.filter((e) => e.type === "0").reduce((m, e) => m + e.size, 0), 0);
    expect(report.userFileBytes).toBe(oracle);

    // Thresholds at the measured values pass; one step past fails.
    const at = await checkJson(
      spec,
      `--lowest-efficiency=${report.efficiency}`,
      `--highest-wasted-bytes=${report.wastedBytes}`,
      `--highest-user-wasted-percent=${report.userWastedRatio}`,
    );
    expect([at.code, at.report.counts]).toEqual([0, { total: 3, passed: 3, failed: 0, skipped: 0 }]);
    const past = await checkJson(spec, `--highest-wasted-bytes=${report.wastedBytes - 1}`, "--lowest-efficiency=1");
    expect(past.code).toBe(1);
    expect(statuses(past.report)).toEqual({ lowestEfficiency: "FAIL", highestWastedBytes: "FAIL", highestUserWastedPercent: "PASS" });
  });
});
