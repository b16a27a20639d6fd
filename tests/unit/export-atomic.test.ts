// `export -o FILE` writes through a temporary file renamed into place: a failure half-way
// leaves neither a partial FILE nor a stray temporary file, and does not touch a FILE that was
// already there; a success leaves exactly the bytes written.

import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { writeFileAtomically } from "../../src/cli/export.js";

const dir = mkdtempSync(join(tmpdir(), "layerlens-atomic-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const failAfter = (chunks: number) => async (write: (c: Uint8Array) => void) => {
  for (let i = 0; i < chunks; i++) {
    write(new Uint8Array(64 * 1024).fill(i));
    await new Promise((r) => setTimeout(r, 1));
  }
  throw new Error("reading layer 1: unexpected end of gzip stream");
};

describe("writeFileAtomically", () => {
  it("a failure half-way leaves no file and no temporary", async () => {
    const sub = mkdtempSync(join(dir, "fail-"));
    const out = join(sub, "image.tar");
    await expect(writeFileAtomically(out, failAfter(8))).rejects.toThrow("unexpected end of gzip stream");
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(sub)).toEqual([]);
  });

  it("a failure leaves an existing FILE as it was", async () => {
    const sub = mkdtempSync(join(dir, "keep-"));
    const out = join(sub, "image.tar");
    writeFileSync(out, "previous export");
    await expect(writeFileAtomically(out, failAfter(3))).rejects.toThrow();
    expect(readFileSync(out, "utf8")).toBe("previous export");
    expect(readdirSync(sub)).toEqual(["image.tar"]);
  });

  it("a success leaves exactly the bytes written, under FILE only", async () => {
    const sub = mkdtempSync(join(dir, "ok-"));
    const out = join(sub, "image.tar");
    writeFileSync(out, "previous export");
    const result = await writeFileAtomically(out, async (write) => {
      write(new TextEncoder().encode("hello "));
      write(new TextEncoder().encode("world"));
      return 42;
    });
    expect(result).toBe(42);
    expect(readFileSync(out, "utf8")).toBe("hello world");
    expect(readdirSync(sub)).toEqual(["image.tar"]);
  });

  it("a directory that does not exist fails without leaving anything", async () => {
    const out = join(dir, "missing", "image.tar");
    await expect(writeFileAtomically(out, async (write) => write(new Uint8Array(1)))).rejects.toThrow(/ENOENT/);
    expect(existsSync(join(dir, "missing"))).toBe(false);
  });
});
