// Field-by-field comparison of `layerlens inspect --json` with skopeo's answers (inspect,
// inspect --raw, inspect --config --raw), shared by the recorded-fixture and live suites.
import { createHash } from "node:crypto";
import { expect } from "vitest";
import { main } from "../../src/cli/main.js";
import type { InspectReport } from "../../src/report/inspect.js";

/** Run the CLI in-process and parse its --json output; fails on a non-zero exit. */
export async function inspectJson(...args: string[]): Promise<InspectReport> {
  let out = "";
  let err = "";
  const code = await main(["inspect", ...args, "--json"], {
    stdout: (t) => {
      out += t;
    },
    stderr: (t) => {
      err += t;
    },
  });
  if (code !== 0) throw new Error(`inspect ${args.join(" ")} exited ${code}: ${err}`);
  return JSON.parse(out) as InspectReport;
}

export const sha256 = (b: Buffer) => "sha256:" + createHash("sha256").update(b).digest("hex");

/** skopeo inspect's fields, as our report gives them. */
export function asSkopeo(r: InspectReport) {
  return {
    Digest: r.digest,
    Created: r.config.created,
    Labels: Object.keys(r.config.labels).length ? r.config.labels : null,
    Architecture: r.config.architecture,
    Os: r.config.os,
    ...(r.config.variant ? { Variant: r.config.variant } : {}),
    Layers: r.layers.map((l) => l.digest),
    Env: r.config.env.length ? r.config.env : null,
  };
}

export function skopeoFields(s: Record<string, unknown>) {
  const { Digest, Created, Labels, Architecture, Os, Variant, Layers, Env } = s;
  return { Digest, Created, Labels: Labels ?? null, Architecture, Os, ...(Variant ? { Variant } : {}), Layers, Env: Env ?? null };
}

/** The raw manifest skopeo printed, field by field against the report. */
export function expectManifest(r: InspectReport, raw: Buffer) {
  const m = JSON.parse(raw.toString("utf8"));
  expect(r.manifest.digest).toBe(sha256(raw));
  expect(r.manifest.size).toBe(raw.length);
  // umoci omits the manifest's own mediaType; the report then gives the descriptor's.
  expect(r.manifest.mediaType).toBe(m.mediaType ?? "application/vnd.oci.image.manifest.v1+json");
  expect(r.manifest.annotations).toEqual(m.annotations ?? {});
  expect({ digest: r.config.digest, size: r.config.size, mediaType: r.config.mediaType }).toEqual({
    digest: m.config.digest,
    size: m.config.size,
    mediaType: m.config.mediaType,
  });
  expect(
    r.layers.map((l) => ({
      digest: l.digest,
      size: l.size,
      mediaType: l.mediaType,
      ...(l.annotations ? { annotations: l.annotations } : {}),
    })),
  ).toEqual(
    m.layers.map((l: Record<string, unknown>) => ({
      digest: l.digest,
      size: l.size,
      mediaType: l.mediaType,
      ...(l.annotations ? { annotations: l.annotations } : {}),
    })),
  );
}

/** The raw config skopeo printed, field by field against the report. */
export function expectConfig(r: InspectReport, raw: Buffer, checkDigest = true) {
  const c = JSON.parse(raw.toString("utf8"));
  const cc = c.config ?? {};
  if (checkDigest) expect(r.config.digest).toBe(sha256(raw));
  expect(r.config).toMatchObject({
    created: c.created ?? null,
    author: c.author ?? null,
    architecture: c.architecture,
    os: c.os,
    variant: c.variant ?? null,
    env: cc.Env ?? [],
    entrypoint: cc.Entrypoint ?? [],
    cmd: cc.Cmd ?? [],
    user: cc.User ?? "",
    workingDir: cc.WorkingDir ?? "",
    labels: cc.Labels ?? {},
    exposedPorts: Object.keys(cc.ExposedPorts ?? {}),
    volumes: Object.keys(cc.Volumes ?? {}),
    stopSignal: cc.StopSignal ?? null,
  });
  expect(r.layers.map((l) => l.diffId)).toEqual(c.rootfs.diff_ids);
  expect(
    r.history.map((h) => ({
      created: h.created,
      created_by: h.createdBy,
      author: h.author,
      comment: h.comment,
      empty_layer: h.emptyLayer,
    })),
  ).toEqual(
    (c.history ?? []).map((h: Record<string, unknown>) => ({
      created: h.created ?? null,
      created_by: h.created_by ?? null,
      author: h.author ?? null,
      comment: h.comment ?? null,
      empty_layer: h.empty_layer === true,
    })),
  );
}
