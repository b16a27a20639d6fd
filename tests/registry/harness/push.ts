// Puts images into a test registry with the real tools: skopeo copy from the shared OCI
// fixtures, and (for what skopeo cannot make, e.g. referrers) plain distribution-spec uploads.
// Spec: https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pushing-blobs

import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface PushOptions {
  /** "user:pass" for an authenticated registry. */
  creds?: string;
  /** skopeo --format (e.g. "v2s2" to convert to Docker media types). */
  format?: string;
  /** Copy every image of an index (skopeo --all). */
  all?: boolean;
}

/** skopeo copy `source` (e.g. "oci:/…/layout:latest") to docker://HOST/REPO:TAG. */
export async function skopeoCopy(source: string, dest: string, options: PushOptions = {}): Promise<void> {
  const args = ["copy", "--quiet", "--dest-tls-verify=false", "--preserve-digests"];
  if (options.creds) args.push("--dest-creds", options.creds);
  if (options.format) args.splice(args.indexOf("--preserve-digests"), 1, "--format", options.format);
  if (options.all) args.push("--all");
  args.push(source, `docker://${dest}`);
  await run("skopeo", args, { env: { ...process.env, HOME: process.env.HOME ?? "/tmp" } });
}

/** skopeo inspect of an image in the test registry: --raw, --config or the summary. */
export async function skopeoInspect(ref: string, kind: "raw" | "config" | "summary", creds?: string): Promise<string> {
  const args = ["inspect", "--tls-verify=false"];
  if (creds) args.push("--creds", creds);
  if (kind === "raw") args.push("--raw");
  if (kind === "config") args.push("--config");
  args.push(`docker://${ref}`);
  const { stdout } = await run("skopeo", args, { maxBuffer: 64 << 20 });
  return stdout;
}

export function sha256(bytes: Uint8Array | string): string {
  return "sha256:" + createHash("sha256").update(bytes).digest("hex");
}

/** Upload one blob (monolithic POST + PUT) to an anonymous registry; returns its digest. */
export async function pushBlob(base: string, repo: string, bytes: Uint8Array): Promise<string> {
  const digest = sha256(bytes);
  const start = await fetch(`${base}/v2/${repo}/blobs/uploads/`, { method: "POST" });
  if (start.status !== 202) throw new Error(`upload start: ${start.status} ${await start.text()}`);
  const location = new URL(start.headers.get("Location")!, base);
  location.searchParams.set("digest", digest);
  const put = await fetch(location, { method: "PUT", body: Buffer.from(bytes), headers: { "Content-Type": "application/octet-stream" } });
  if (put.status !== 201) throw new Error(`upload put: ${put.status} ${await put.text()}`);
  return digest;
}

/** PUT a manifest under `reference` (tag or digest); returns its digest. */
export async function pushManifest(base: string, repo: string, reference: string, bytes: Uint8Array, mediaType: string): Promise<string> {
  const res = await fetch(`${base}/v2/${repo}/manifests/${reference}`, {
    method: "PUT",
    body: Buffer.from(bytes),
    headers: { "Content-Type": mediaType },
  });
  if (res.status !== 201) throw new Error(`manifest put ${reference}: ${res.status} ${await res.text()}`);
  return sha256(bytes);
}
