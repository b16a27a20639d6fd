// The rel="next" target of an RFC 8288 Link header, as registries use it for paginated
// tag and catalog listings: Link: </v2/_catalog?last=b&n=2>; rel="next"
// Spec: https://www.rfc-editor.org/rfc/rfc8288#section-3

export function nextLink(header: string | null | undefined): string | undefined {
  if (!header) return undefined;
  // Each link is <target> followed by ;-separated params; targets cannot contain '>'.
  const link = /<([^>]*)>((?:\s*;\s*[^;,]+)*)/g;
  for (let m = link.exec(header); m; m = link.exec(header)) {
    const rel = /;\s*rel\s*=\s*"?([^";]+)"?/i.exec(m[2]);
    if (rel && rel[1].toLowerCase().split(/\s+/).includes("next")) return m[1];
  }
  return undefined;
}
