// The eStargz oracle: tests/toc/estargz-oracle/main.go, a small command over the reference
// eStargz library (containerd's stargz-snapshotter, Debian's
// golang-github-containerd-stargz-snapshotter-dev), built offline in GOPATH mode against the
// Go sources Debian installs under /usr/share/gocode. The blobs it writes are real eStargz
// layers, so the reader is checked against the format's own implementation rather than
// against our idea of it.
//
// Where Go or the library is missing the oracle is unavailable and the tests that need it
// skip, saying so; under CI=true (.ci/run installs both) they run.

import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const SOURCE = fileURLToPath(new URL("./estargz-oracle/main.go", import.meta.url));
const GOPATH = "/usr/share/gocode";
const LIBRARY = join(GOPATH, "src/github.com/containerd/stargz-snapshotter/estargz");

/** Why the oracle cannot run here, or null when it can. */
export function oracleMissing(): string | null {
  try {
    execFileSync("go", ["version"], { stdio: "ignore" });
  } catch {
    return "no `go` on PATH (Debian: golang-go)";
  }
  if (!existsSync(LIBRARY)) return `no ${LIBRARY} (Debian: golang-github-containerd-stargz-snapshotter-dev)`;
  return null;
}

let built: string | undefined;

/** The built command (once per test process). */
function binary(): string {
  if (built) return built;
  const dir = mkdtempSync(join(tmpdir(), "layerlens-estargz-oracle-"));
  const out = join(dir, "estargz-build");
  // One build cache for every run: the library compiles once (~10 s), later builds take ~1 s.
  const cache = join(tmpdir(), "layerlens-estargz-gocache");
  mkdirSync(cache, { recursive: true });
  execFileSync("go", ["build", "-o", out, SOURCE], {
    env: { ...process.env, GO111MODULE: "off", GOPATH, GOCACHE: cache, GOFLAGS: "", CGO_ENABLED: "0" },
    stdio: ["ignore", "ignore", "pipe"],
  });
  return (built = out);
}

export interface EstargzBlob {
  blob: Uint8Array;
  /** For the layer descriptor's containerd.io/snapshot/stargz/toc.digest annotation. */
  tocDigest: string;
  /** sha256 of the blob's tar (the config's diff_id). */
  diffId: string;
}

/** `tar` converted to eStargz by the reference library; `chunkBytes` sets its chunk size (default 4 MiB). */
export function toEstargz(tar: Uint8Array, chunkBytes?: number): EstargzBlob {
  const dir = mkdtempSync(join(tmpdir(), "layerlens-estargz-"));
  writeFileSync(join(dir, "in.tar"), tar);
  const args = [join(dir, "in.tar"), join(dir, "out.blob"), ...(chunkBytes ? [String(chunkBytes)] : [])];
  const printed = execFileSync(binary(), args, { encoding: "utf8" });
  const { tocDigest, diffId } = JSON.parse(printed) as { tocDigest: string; diffId: string };
  return { blob: new Uint8Array(readFileSync(join(dir, "out.blob"))), tocDigest, diffId };
}
