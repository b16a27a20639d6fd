// OCI whiteouts, recognised by the base name of a layer entry (image-spec layer.md,
// "Whiteouts": https://github.com/opencontainers/image-spec/blob/main/layer.md#whiteouts).
//
// - ".wh.NAME" hides NAME of the lower layers (entries of the same layer are not hidden).
// - ".wh..wh..opq" hides every lower child of its directory, wherever it stands in the tar.
// - Any other ".wh..wh.*" is AUFS bookkeeping (.wh..wh.plnk, .wh..wh.aufs): not part of the
//   image, ignored, as containerd does.
// - ".wh." alone, ".wh.." and ".wh..." would name the directory itself or its parent: refused
//   (umoci would delete the directory or climb out of it).
// - A directory on the way to an entry (any component but the last) may not look like a
//   whiteout either: once exported, "x/.wh.d/f" would be read back as a whiteout of "d" by
//   every OCI reader. A ".wh..wh.*" directory is AUFS bookkeeping (the .wh..wh.plnk hard-link
//   store) and is skipped with everything in it, as Docker's layer unpacker skips it; any other
//   ".wh." directory is refused.
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

/** Classify the directories of a clean path (every component but the last). */
export function classifyParents(path: string): Whiteout {
  if (!path.includes(WHITEOUT_PREFIX)) return NONE; // the common case: nothing to split
  const parts = path.split("/");
  for (let i = 0; i < parts.length - 1; i++) {
    if (!parts[i].startsWith(WHITEOUT_PREFIX)) continue;
    if (parts[i].startsWith(".wh..wh.")) return META;
    return { kind: "invalid", why: `directory ${JSON.stringify(parts[i])} on the way would be read back as a whiteout` };
  }
  return NONE;
}
