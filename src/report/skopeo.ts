// `inspect --format skopeo`: the JSON `skopeo inspect` prints, with its field names, order and
// value conventions, so scripts written against skopeo read layerlens' output unchanged:
//   Name (docker:// only), Digest (what the reference names: an index or a manifest), RepoTags
//   (the repository's tags for docker://, else []), Created, DockerVersion, Labels (null when
//   none), Architecture, Os, Layers (blob digests), LayersData (MIMEType, Digest, Size,
//   Annotations per layer, as skopeo 1.10+ adds), Env (null when none).
// Go's encoding/json shapes the text: 4-space indent, map keys sorted, <, >, & and U+2028/2029
// escaped, times in RFC 3339 with trailing fractional zeros dropped and a zero offset as "Z".
// Spec: https://github.com/containers/skopeo/blob/main/docs/skopeo-inspect.1.md

import type { ResolvedImage } from "../sources/image.js";

export interface SkopeoLayerData {
  MIMEType: string;
  Digest: string;
  Size: number;
  Annotations: Record<string, string> | null;
}

export interface SkopeoInspect {
  Name?: string;
  Digest: string;
  RepoTags: string[];
  Created: string | null;
  DockerVersion: string;
  Labels: Record<string, string> | null;
  Architecture: string;
  Os: string;
  Layers: string[];
  LayersData: SkopeoLayerData[];
  Env: string[] | null;
}

export interface SkopeoOptions {
  /** "host/repository" for a registry image (skopeo prints Name only for docker://). */
  name?: string;
  /** The repository's tags (docker://); skopeo gives [] for every other transport. */
  repoTags?: string[];
}

/** skopeo inspect's object for a resolved image. */
export function toSkopeoInspect(image: ResolvedImage, options: SkopeoOptions = {}): SkopeoInspect {
  const c = image.config;
  const cc = c?.config ?? {};
  const dockerVersion = (c as { docker_version?: unknown } | null)?.docker_version;
  return {
    ...(options.name ? { Name: options.name } : {}),
    Digest: image.root.digest,
    RepoTags: options.repoTags ?? [],
    Created: c?.created ? goTime(c.created) : null,
    DockerVersion: typeof dockerVersion === "string" ? dockerVersion : "",
    Labels: cc.Labels ? sortKeys(cc.Labels) : null,
    Architecture: c?.architecture ?? "",
    Os: c?.os ?? "",
    Layers: image.manifest.layers.map((l) => l.digest),
    LayersData: image.manifest.layers.map((l) => ({
      MIMEType: l.mediaType,
      Digest: l.digest,
      Size: l.size,
      Annotations: l.annotations ? sortKeys(l.annotations) : null,
    })),
    Env: cc.Env ?? null,
  };
}

/** The text skopeo prints for `info` (json.MarshalIndent with 4 spaces, then a newline). */
export function formatSkopeoJson(info: SkopeoInspect): string {
  return goEscape(JSON.stringify(info, null, 4)) + "\n";
}

/** Go's time.Time MarshalJSON of an RFC 3339 string; unparsable strings pass through. */
export function goTime(s: string): string {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|z|[+-]\d\d:\d\d)$/.exec(s);
  if (!m) return s;
  const fraction = (m[2] ?? "").replace(/0+$/, "");
  const zone = m[3] === "z" || m[3] === "+00:00" || m[3] === "-00:00" ? "Z" : m[3];
  return `${m[1]}${fraction === "." ? "" : fraction}${zone}`;
}

function sortKeys(o: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.keys(o)
      .sort()
      .map((k) => [k, o[k]]),
  );
}

/** encoding/json's HTML-safe escaping, which JSON.stringify does not do. */
function goEscape(text: string): string {
  return text.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
