// Which addresses the service refuses to reach: the IANA special-purpose ranges, IPv6 forms of
// IPv4 addresses judged by the IPv4 inside, and the policy's allowlist and explicit exceptions.

import { describe, expect, test } from "vitest";
import { addressKind, parseIPv6 } from "../../src/edge/address.js";
import { UpstreamPolicy } from "../../src/edge/policy.js";
import { LayerlensError } from "../../src/errors.js";

const KINDS: [string, string | undefined][] = [
  ["8.8.8.8", "public"],
  ["127.0.0.1", "loopback"],
  ["127.255.1.2", "loopback"],
  ["10.1.2.3", "private"],
  ["172.16.0.1", "private"],
  ["172.31.255.255", "private"],
  ["172.32.0.1", "public"],
  ["192.168.1.1", "private"],
  ["100.64.0.1", "private"],
  ["169.254.169.254", "link-local"],
  ["0.0.0.0", "reserved"],
  ["224.0.0.1", "reserved"],
  ["255.255.255.255", "reserved"],
  ["::1", "loopback"],
  ["[::1]", "loopback"],
  ["::", "reserved"],
  ["::ffff:127.0.0.1", "loopback"],
  ["::ffff:7f00:1", "loopback"],
  ["::ffff:169.254.169.254", "link-local"],
  ["64:ff9b::10.0.0.1", "private"],
  ["fd00::1", "private"],
  ["fe80::1%eth0", "link-local"],
  ["ff02::1", "reserved"],
  ["2606:4700::1111", "public"],
  ["registry.example.com", undefined],
  ["1.2.3", undefined],
  ["01.2.3.4", undefined],
  ["1:2:3:4:5:6:7:8:9", undefined],
  ["1::2::3", undefined],
];

describe("address kinds", () => {
  test.each(KINDS)("%s is %s", (host, kind) => {
    expect(addressKind(host)).toBe(kind);
  });

  test("IPv6 groups expand around :: and a trailing dotted quad", () => {
    expect(parseIPv6("2001:db8::1")).toEqual([0x2001, 0xdb8, 0, 0, 0, 0, 0, 1]);
    expect(parseIPv6("::ffff:1.2.3.4")).toEqual([0, 0, 0, 0, 0, 0xffff, 0x102, 0x304]);
    expect(parseIPv6("1:2:3:4:5:6:7:8")).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });
});

async function codeOf(p: Promise<unknown> | (() => void)): Promise<string | undefined> {
  try {
    await (typeof p === "function" ? p() : p);
    return undefined;
  } catch (e) {
    if (e instanceof LayerlensError) return e.code;
    throw e;
  }
}

describe("the upstream policy", () => {
  const resolved: Record<string, string[]> = { "inside.example": ["10.0.0.7"], "outside.example": ["93.184.215.14"] };
  const policy = new UpstreamPolicy({
    allow: ["ghcr.io", "*.pkg.dev", "127.0.0.1:5000"],
    allowPrivate: ["127.0.0.1:5000"],
    resolve: async (h) => resolved[h] ?? [],
  });

  test("registries: the allowlist, with subdomain patterns", async () => {
    expect(await codeOf(() => policy.checkRegistry("ghcr.io"))).toBeUndefined();
    expect(await codeOf(() => policy.checkRegistry("europe-docker.pkg.dev"))).toBeUndefined();
    expect(await codeOf(() => policy.checkRegistry("pkg.dev"))).toBe("FORBIDDEN");
    expect(await codeOf(() => policy.checkRegistry("quay.io"))).toBe("FORBIDDEN");
    expect(await codeOf(() => policy.checkRegistry("127.0.0.1:5000"))).toBeUndefined();
    expect(await codeOf(() => policy.checkRegistry("127.0.0.1:5001"))).toBe("FORBIDDEN");
  });

  test("URLs: private literals and names refused unless named, other schemes refused", async () => {
    expect(await codeOf(policy.checkUrl("https://ghcr.io/v2/"))).toBeUndefined();
    expect(await codeOf(policy.checkUrl("http://127.0.0.1:5000/v2/"))).toBeUndefined();
    expect(await codeOf(policy.checkUrl("http://127.0.0.1:5001/v2/"))).toBe("FORBIDDEN");
    expect(await codeOf(policy.checkUrl("http://[::ffff:127.0.0.1]:5000/"))).toBe("FORBIDDEN");
    expect(await codeOf(policy.checkUrl("http://169.254.169.254/latest/meta-data/"))).toBe("FORBIDDEN");
    expect(await codeOf(policy.checkUrl("http://localhost:5000/"))).toBe("FORBIDDEN");
    expect(await codeOf(policy.checkUrl("https://inside.example/"))).toBe("FORBIDDEN");
    expect(await codeOf(policy.checkUrl("https://outside.example/"))).toBeUndefined();
    expect(await codeOf(policy.checkUrl("file:///etc/passwd"))).toBe("FORBIDDEN");
  });

  test("a refusal names the URL without its credentials", async () => {
    try {
      await policy.checkUrl("http://user:secret@10.0.0.1/x?token=abc");
      expect.unreachable();
    } catch (e) {
      expect((e as Error).message).not.toMatch(/secret|abc/);
      expect((e as Error).message).toContain("10.0.0.1");
    }
  });
});
