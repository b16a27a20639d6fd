// A registry that keeps sending a next page: Links back to a page already read are refused,
// and so are Links that never repeat (a relative path growing by a segment per page), by the
// caps on pages and names, so a hostile registry cannot make a listing run for ever.

import "../../src/node.js";
import { describe, expect, test } from "vitest";
import { CapacityError, RegistryError } from "../../src/errors.js";
import { MAX_LIST_PAGES, RegistryClient } from "../../src/sources/registry/client.js";

function endless(link: string, body = '{"name":"r","tags":["a"]}'): { fetch: typeof fetch; calls: () => number } {
  let calls = 0;
  const fetchFn = (async () => {
    calls++;
    return new Response(body, { status: 200, headers: { "Content-Type": "application/json", Link: link } });
  }) as typeof fetch;
  return { fetch: fetchFn, calls: () => calls };
}

describe("listing pages", () => {
  test("a Link that grows the path each page ends in CAPACITY after the page cap", async () => {
    const server = endless('<list/more>; rel="next"');
    const client = new RegistryClient({ registry: "127.0.0.1:5000", fetch: server.fetch, retry: { attempts: 1 } });
    const err = await client.tags("r").then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CapacityError);
    expect((err as CapacityError).message).toMatch(
      /listing tags of r: more than 10000 pages \(at http:\/\/127\.0\.0\.1:5000\/v2\/r\/tags\//,
    );
    expect(server.calls()).toBe(MAX_LIST_PAGES);
  }, 60_000);

  test("a Link back to the page just read is a loop", async () => {
    const server = endless('</v2/r/tags/list>; rel="next"');
    const client = new RegistryClient({ registry: "127.0.0.1:5000", fetch: server.fetch, retry: { attempts: 1 } });
    await expect(client.tags("r")).rejects.toThrow(RegistryError);
    expect(server.calls()).toBe(1);
  });
});
