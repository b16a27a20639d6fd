// OCI whiteouts, recognised by the base name of a layer entry (image-spec layer.md,
// "Whiteouts": https://github.com/opencontainers/image-spec/blob/main/layer.md#whiteouts).
//
// - ".wh.NAME" hides NAME of the lower layers (entries of the same layer are not hidden).
// - ".wh..wh..opq" hides every lower child of its directory, wherever it stands in the tar.
// - Any other ".wh..wh.*" is AUFS bookkeeping (.wh..wh.plnk, .wh..wh.aufs): not part of the
//   image, ignored, as containerd does.
// - ".wh." alone, ".wh.." and ".wh..." would name the directory itself or its parent: refused
//   (umoci would delete the directory or climb out of it).
// Only the exact ".wh." prefix counts: ".wh-not-a-whiteout" or "a.wh.b" are ordinary names
// (snyk's docker plugin once took any ".wh" for a whiteout).

export const WHITEOUT_PREFIX = ".wh.";
export const OPAQUE_MARKER = ".wh..wh..opq";

export type Whiteout =
  { kind: "none" } | { kind: "file"; target: string } | { kind: "opaque" } | { kind: "meta" } | { kind: "invalid"; why: string };

const NONE: Whiteout = { kind: "none" };
const OPAQUE: Whiteout = { kind: "opaque" };
const META: Whiteout = { kind: "meta" };

/** Classify a base name (no slashes). */
export function classifyWhiteout(base: string): Whiteout {
  if (!base.startsWith(WHITEOUT_PREFIX)) return NONE;
  if (base === OPAQUE_MARKER) return OPAQUE;
  if (base.startsWith(".wh..wh.")) return META;
  const target = base.slice(WHITEOUT_PREFIX.length);
  if (target === "" || target === "." || target === "..") {
    return { kind: "invalid", why: `whiteout of ${JSON.stringify(target || "(nothing)")} would remove the directory itself or its parent` };
  }
  return { kind: "file", target };
}
