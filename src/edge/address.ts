// Which network an IP address belongs to, so the service can refuse to be a way into the
// networks behind it (SSRF): loopback, private (RFC 1918, unique local), link-local (cloud
// metadata lives at 169.254.169.254), carrier-grade NAT, "this network", multicast and the
// reserved ranges are all "not public". IPv4-mapped and NAT64 IPv6 forms are judged by the
// IPv4 address inside them, since that is where a connection would go.
// Ranges: https://www.iana.org/assignments/iana-ipv4-special-registry and its IPv6 sibling.

export type AddressKind = "public" | "loopback" | "private" | "link-local" | "reserved";

/** The four bytes of a dotted-quad IPv4 address, or undefined when `s` is not one. */
export function parseIPv4(s: string): number[] | undefined {
  const parts = s.split(".");
  if (parts.length !== 4) return undefined;
  const bytes: number[] = [];
  for (const p of parts) {
    if (!/^(0|[1-9]\d{0,2})$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    bytes.push(n);
  }
  return bytes;
}

/** The eight 16-bit groups of an IPv6 address (brackets and a zone allowed), or undefined. */
export function parseIPv6(input: string): number[] | undefined {
  let s = input.startsWith("[") && input.endsWith("]") ? input.slice(1, -1) : input;
  const zone = s.indexOf("%");
  if (zone >= 0) s = s.slice(0, zone);
  if (!s.includes(":")) return undefined;
  // A trailing dotted quad (::ffff:1.2.3.4) stands for the last two groups.
  const lastColon = s.lastIndexOf(":");
  const tailText = s.slice(lastColon + 1);
  if (tailText.includes(".")) {
    const v4 = parseIPv4(tailText);
    if (!v4) return undefined;
    s = `${s.slice(0, lastColon + 1)}${((v4[0] << 8) | v4[1]).toString(16)}:${((v4[2] << 8) | v4[3]).toString(16)}`;
  }
  const halves = s.split("::");
  if (halves.length > 2) return undefined;
  const group = (h: string): number[] | undefined => {
    if (h === "") return [];
    const out: number[] = [];
    for (const g of h.split(":")) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const head = group(halves[0]);
  const rest = halves.length === 2 ? group(halves[1]) : [];
  if (!head || !rest) return undefined;
  const given = head.length + rest.length;
  if (halves.length === 1 ? given !== 8 : given > 7) return undefined;
  return [...head, ...new Array<number>(8 - given).fill(0), ...rest];
}

function kindOfIPv4([a, b]: number[]): AddressKind {
  if (a === 127) return "loopback";
  if (a === 10 || (a === 172 && b >= 16 && b < 32) || (a === 192 && b === 168)) return "private";
  if (a === 169 && b === 254) return "link-local";
  if (a === 100 && b >= 64 && b < 128) return "private"; // carrier-grade NAT, RFC 6598
  if (a === 0 || a >= 224) return "reserved"; // "this network", multicast, 240/4, broadcast
  if (a === 192 && b === 0) return "reserved"; // 192.0.0.0/24 protocol assignments, 192.0.2.0/24 docs
  if (a === 198 && (b === 18 || b === 19)) return "reserved"; // benchmarking, RFC 2544
  return "public";
}

function kindOfIPv6(g: number[]): AddressKind {
  const zeros = (n: number) => g.slice(0, n).every((x) => x === 0);
  if (zeros(7) && g[7] === 1) return "loopback";
  if (zeros(8)) return "reserved";
  // ::ffff:a.b.c.d (mapped), ::a.b.c.d (compatible, deprecated) and 64:ff9b::a.b.c.d (NAT64).
  const v4 = [g[6] >> 8, g[6] & 0xff, g[7] >> 8, g[7] & 0xff];
  if (zeros(5) && (g[5] === 0xffff || g[5] === 0)) return kindOfIPv4(v4);
  if (g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0)) return kindOfIPv4(v4);
  if ((g[0] & 0xfe00) === 0xfc00) return "private"; // unique local fc00::/7
  if ((g[0] & 0xffc0) === 0xfe80) return "link-local";
  if ((g[0] & 0xff00) === 0xff00) return "reserved"; // multicast
  if (g[0] === 0x2001 && g[1] === 0x0db8) return "reserved"; // documentation
  return "public";
}

/** The kind of an IP literal (v4, v6, bracketed v6), or undefined for a name that is not one. */
export function addressKind(host: string): AddressKind | undefined {
  const v4 = parseIPv4(host);
  if (v4) return kindOfIPv4(v4);
  const v6 = parseIPv6(host);
  return v6 ? kindOfIPv6(v6) : undefined;
}
