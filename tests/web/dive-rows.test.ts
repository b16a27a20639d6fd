// Dive mode's row rules on their own (web/src/dive-rows.ts): what a search matches (substring,
// or a glob: `*` and `?` within a name, `**` across names, a slash-less glob matches a name
// anywhere), and that a filter keeps the directories above each kept row, in tree order.

import { describe, expect, it } from "vitest";
import { pathMatcher, queryRows, type Row } from "../../web/src/dive-rows.js";

const row = (path: string, type = "file", size = 0, mark: Row["mark"] = ""): Row => ({
  path,
  name: path.slice(path.lastIndexOf("/") + 1),
  depth: path.split("/").length - 1,
  type,
  size,
  mark,
  layer: 0,
});

describe("dive rows", () => {
  const paths = ["etc", "etc/hosts", "etc/ssl", "etc/ssl/cert.pem", "usr", "usr/lib", "usr/lib/libc.so.6", "a-b", "a", "a/x"];
  const matches = (q: string) => paths.filter(pathMatcher(q));

  it("searches by substring, and by glob when the query has glob characters", () => {
    expect(matches("ssl")).toEqual(["etc/ssl", "etc/ssl/cert.pem"]);
    expect(matches("*.pem")).toEqual(["etc/ssl/cert.pem"]);
    expect(matches("etc/*")).toEqual(["etc/hosts", "etc/ssl"]);
    expect(matches("etc/**")).toEqual(["etc/hosts", "etc/ssl", "etc/ssl/cert.pem"]);
    expect(matches("lib?.so.[0-9]")).toEqual(["usr/lib/libc.so.6"]);
    expect(matches("/etc/hosts")).toEqual(["etc/hosts"]);
    expect(matches("")).toEqual(paths);
    expect(matches("a.b")).toEqual([]);
  });

  it("keeps the directories above each kept row, in tree order, by name or by size", () => {
    const rows = [
      row("a", "directory", 5),
      row("a/x", "file", 5, "added"),
      row("a-b", "file", 9),
      row("etc", "directory", 3),
      row("etc/hosts", "file", 3, "modified"),
    ];
    const q = { changedOnly: true, wastedOnly: false, search: "", sort: "name" as const };
    expect(queryRows(rows, q, new Set()).map((r) => r.path)).toEqual(["a", "a/x", "etc", "etc/hosts"]);
    expect(queryRows(rows, { ...q, changedOnly: false, sort: "size" }, new Set()).map((r) => r.path)).toEqual([
      "a-b",
      "a",
      "a/x",
      "etc",
      "etc/hosts",
    ]);
    expect(queryRows(rows, { ...q, changedOnly: false, wastedOnly: true }, new Set(["etc/hosts"])).map((r) => r.path)).toEqual([
      "etc",
      "etc/hosts",
    ]);
  });
});
