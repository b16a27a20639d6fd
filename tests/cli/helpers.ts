// What the CLI tests drive: the built CLI as a real process (node dist/cli/main.js), on a real
// pseudo-terminal (pty-run.py, python3's pty module) or on real pipes, and an OCI layout big
// enough for progress to be drawn mid-phase, written to disk in a streaming way.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { closeSync, mkdirSync, openSync, renameSync, writeFileSync, writeSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { TAR_END, tarEntry, tarHeader } from "../../src/fs/tar-write.js";

export const ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));
export const CLI = join(ROOT, "dist/cli/main.js");
const PTY_RUN = join(ROOT, "tests/cli/pty-run.py");

export interface PtyResult {
  status: number;
  /** Everything the terminal received, in order (stdout and stderr interleaved as written). */
  terminal: string;
}

/** Run `node dist/cli/main.js ARGS` with stdin, stdout and stderr on a pseudo-terminal. */
export async function runOnPty(args: string[], opts: { stdoutFile?: string; env?: NodeJS.ProcessEnv } = {}): Promise<PtyResult> {
  return runCommandOnPty([process.execPath, CLI, ...args], opts);
}

/** Run any command on a pseudo-terminal (a shell pipeline: ["bash", "-c", "..."]). */
export async function runCommandOnPty(argv: string[], opts: { stdoutFile?: string; env?: NodeJS.ProcessEnv } = {}): Promise<PtyResult> {
  const extra = opts.stdoutFile ? ["--stdout-file", opts.stdoutFile] : [];
  const { stdout } = await promisify(execFile)("python3", [PTY_RUN, ...extra, ...argv], {
    maxBuffer: 256 * 1024 * 1024,
    env: opts.env ?? process.env,
  });
  const r = JSON.parse(stdout) as { status: number; terminal: string };
  return { status: r.status, terminal: Buffer.from(r.terminal, "base64").toString("latin1") };
}

/** Run the CLI with stdout and stderr on pipes; never rejects, the status is in `code`. */
export async function runOnPipes(args: string[], env?: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [CLI, ...args], { maxBuffer: 512 * 1024 * 1024, env: env ?? process.env }, (err, stdout, stderr) => {
      const code = err ? ((err as { code?: number }).code ?? -1) : 0;
      done({ code: typeof code === "number" ? code : -1, stdout, stderr });
    });
  });
}

/** Run a bash script (pipefail and PIPESTATUS are bash's); resolves to its stdout and stderr. */
export async function bash(script: string): Promise<{ stdout: string; stderr: string }> {
  return promisify(execFile)("bash", ["-c", script], { maxBuffer: 64 * 1024 * 1024 });
}

const sha256 = (b: Uint8Array) => "sha256:" + createHash("sha256").update(b).digest("hex");

/**
 * An OCI layout at `dir` (tag latest) with one uncompressed layer: `bigBytes` bytes of zeros in
 * big.bin, then `smallFiles` small files under d000..d099 (a listing past a pipe's 64 KiB buffer).
 */
export function writeBigLayout(dir: string, bigBytes: number, smallFiles: number): { layerBytes: number } {
  mkdirSync(join(dir, "blobs/sha256"), { recursive: true });
  const tmp = join(dir, "layer.partial");
  const fd = openSync(tmp, "w");
  const hash = createHash("sha256");
  let size = 0;
  const put = (b: Uint8Array) => {
    writeSync(fd, b);
    hash.update(b);
    size += b.length;
  };
  put(tarHeader({ name: "big.bin", size: bigBytes, mode: 0o644 }));
  const zeros = new Uint8Array(1024 * 1024);
  for (let left = bigBytes; left > 0; left -= zeros.length) put(left >= zeros.length ? zeros : zeros.subarray(0, left));
  if (bigBytes % 512) put(new Uint8Array(512 - (bigBytes % 512)));
  for (let i = 0; i < smallFiles; i++) {
    const name = `d${String(i % 100).padStart(3, "0")}/a-file-with-a-rather-long-name-${String(i).padStart(5, "0")}.txt`;
    put(tarEntry({ name, data: new TextEncoder().encode(`file ${i}\n`), mode: 0o644 }));
  }
  put(TAR_END);
  closeSync(fd);
  const layerDigest = "sha256:" + hash.digest("hex");
  renameSync(tmp, join(dir, "blobs/sha256", layerDigest.slice(7)));
  const blob = (b: Uint8Array) => {
    const d = sha256(b);
    writeFileSync(join(dir, "blobs/sha256", d.slice(7)), b);
    return { digest: d, size: b.length };
  };
  const json = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
  const config = blob(
    json({
      architecture: "amd64",
      os: "linux",
      config: {},
      rootfs: { type: "layers", diff_ids: [layerDigest] },
      history: [{ created_by: "test" }],
    }),
  );
  const manifest = blob(
    json({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: { mediaType: "application/vnd.oci.image.config.v1+json", ...config },
      layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar", digest: layerDigest, size }],
    }),
  );
  writeFileSync(
    join(dir, "index.json"),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: "application/vnd.oci.image.manifest.v1+json",
          ...manifest,
          annotations: { "org.opencontainers.image.ref.name": "latest" },
        },
      ],
    }),
  );
  writeFileSync(join(dir, "oci-layout"), '{"imageLayoutVersion":"1.0.0"}');
  return { layerBytes: size };
}

/** The terminal transcript with its control sequences shown: ESC[2K as <EL>, CR as <CR>. */
export function visible(s: string): string {
  return s
    .split("\x1b[2K")
    .join("<EL>")
    .replace(/\r(?!\n)/g, "<CR>");
}
