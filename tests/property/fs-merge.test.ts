// fast-check: random layer stacks (files, dirs, symlinks, hard links, whiteouts, opaque
// markers, type changes, duplicates, entries in any order) merged by LayerFS equal a plain
// reference that applies the same entries in order to a Map, with umoci's rules written out
// the simple way: parents created on demand, a whiteout or opaque marker spares what its own
// layer wrote, a directory over a directory keeps its children, anything else replaces.

import fc from "fast-check";
import { createHash } from "node:crypto";
import { afterAll, describe, expect, test } from "vitest";
import { LayerFS } from "../../src/fs/merge.js";
import { nodeStagingPool } from "../../src/node/staging-workers.js";
import type { TarWriteEntry } from "../../src/fs/tar-write.js";
import { tarLayer } from "../fs/helpers/layers.js";

type Op =
  | { kind: "file"; path: string; content: string; mode: number }
  | { kind: "dir"; path: string; mode: number }
  | { kind: "symlink"; path: string; target: string }
  | { kind: "hardlink"; path: string; target: string }
  | { kind: "whiteout"; path: string }
  | { kind: "opaque"; dir: string };

interface RefNode {
  type: "file" | "dir" | "symlink";
  mode: number;
  content?: string;
  target?: string;
}

const comp = fc.constantFrom("a", "b", "c");
const path = fc.array(comp, { minLength: 1, maxLength: 3 }).map((p) => p.join("/"));
const dirOrRoot = fc.oneof(fc.constant(""), path);
const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("file" as const),
      path,
      content: fc.constantFrom("", "x", "yy", "zzz"),
      mode: fc.constantFrom(0o644, 0o600, 0o4755),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("dir" as const), path, mode: fc.constantFrom(0o755, 0o700, 0o1777) }) },
  // Symlinks only as leaves named l1/l2 (never a parent of other generated paths).
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("symlink" as const),
      path: fc.tuple(dirOrRoot, fc.constantFrom("l1", "l2")).map(([d, n]) => (d ? d + "/" + n : n)),
      target: fc.constantFrom("a", "/b/c", "../x"),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("hardlink" as const), path, target: path }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("whiteout" as const), path }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("opaque" as const), dir: dirOrRoot }) },
);
const stack = fc.array(fc.array(op, { maxLength: 8 }), { minLength: 1, maxLength: 5 });

const parentOf = (p: string) => (p.includes("/") ? p.slice(0, p.lastIndexOf("/")) : "");
const baseOf = (p: string) => p.slice(p.lastIndexOf("/") + 1);
const ancestors = (p: string) => {
  const out: string[] = [];
  for (let d = parentOf(p); d !== ""; d = parentOf(d)) out.unshift(d);
  return out;
};
const under = (m: Map<string, RefNode>, p: string) => [...m.keys()].filter((k) => k.startsWith(p + "/"));

/** The reference: apply layers in order to a Map. Entries it cannot apply are skipped. */
function reference(layers: Op[][]): Map<string, RefNode> {
  const m = new Map<string, RefNode>();
  for (const layer of layers) {
    const upper = new Set<string>([""]);
    const mark = (p: string) => {
      upper.add(p);
      for (const a of ancestors(p)) upper.add(a);
    };
    const isDir = (p: string) => p === "" || m.get(p)?.type === "dir";
    const removeTree = (p: string) => {
      m.delete(p);
      for (const k of under(m, p)) m.delete(k);
    };
    const walkOut = (start: string, opaque: boolean) => {
      const visit = (p: string) => {
        if (!upper.has(p) && !(opaque && p === start)) {
          removeTree(p);
          return;
        }
        if (isDir(p)) for (const k of [...m.keys()].filter((k) => parentOf(k) === p)) visit(k);
      };
      if (start === "" || m.has(start)) visit(start);
    };
    for (const o of layer) {
      if (o.kind === "whiteout" || o.kind === "opaque") {
        const dir = o.kind === "opaque" ? o.dir : parentOf(o.path);
        if (!isDir(dir)) continue;
        walkOut(o.kind === "opaque" ? dir : o.path, o.kind === "opaque");
        continue;
      }
      // Parents: a non-directory on the way refuses the entry; missing ones are created.
      if (ancestors(o.path).some((a) => m.has(a) && m.get(a)!.type !== "dir")) continue;
      let node: RefNode;
      if (o.kind === "hardlink") {
        const t = m.get(o.target);
        if (!t || t.type === "dir" || o.target === o.path) continue;
        node = t; // same object: a hard link shares the inode
      } else if (o.kind === "file") node = { type: "file", mode: o.mode, content: o.content };
      else if (o.kind === "dir") node = { type: "dir", mode: o.mode };
      else node = { type: "symlink", mode: 0o777, target: o.target };
      for (const a of ancestors(o.path)) if (!m.has(a)) m.set(a, { type: "dir", mode: 0o755 });
      const old = m.get(o.path);
      if (old?.type === "dir" && node.type === "dir") old.mode = node.mode;
      else {
        if (old) removeTree(o.path);
        m.set(o.path, node);
      }
      mark(o.path);
    }
  }
  return m;
}

function tarEntries(layer: Op[]): TarWriteEntry[] {
  const enc = new TextEncoder();
  return layer.map((o): TarWriteEntry => {
    switch (o.kind) {
      case "file":
        return { name: o.path, data: enc.encode(o.content), mode: o.mode };
      case "dir":
        return { name: o.path, type: "dir", mode: o.mode };
      case "symlink":
        return { name: o.path, type: "symlink", linkname: o.target, mode: 0o777 };
      case "hardlink":
        return { name: o.path, type: "hardlink", linkname: o.target };
      case "whiteout":
        return { name: (parentOf(o.path) ? parentOf(o.path) + "/" : "") + ".wh." + baseOf(o.path) };
      case "opaque":
        return { name: (o.dir ? o.dir + "/" : "") + ".wh..wh..opq" };
    }
  });
}

const sha = (s: string) => "sha256:" + createHash("sha256").update(s).digest("hex");

describe("LayerFS equals the Map reference on random layer stacks", () => {
  // Staged by two worker threads, merged here: the same reference must hold.
  const workers = nodeStagingPool(2)!;
  afterAll(() => workers.close());
  test.each([["mount"], ["mountBatch"], ["mountBatch with 2 workers"]])("%s", async (how) => {
    await fc.assert(
      fc.asyncProperty(stack, async (layers) => {
        const fs = new LayerFS({ hashFiles: true, onBadEntry: "skip" });
        const inputs = layers.map((l) => tarLayer(tarEntries(l)));
        if (how === "mount") for (const l of inputs) await fs.mount(l);
        else await fs.mountBatch(inputs, how === "mountBatch" ? {} : { stager: workers });
        const want = reference(layers);
        const got = new Map<string, string>();
        for (const s of fs.walk()) {
          got.set(s.path, `${s.type} ${s.mode.toString(8)} ${s.type === "file" ? s.digest : ""}${s.linkname ?? ""}`);
        }
        const exp = new Map<string, string>();
        for (const [p, n] of want) {
          const type = n.type === "dir" ? "directory" : n.type;
          exp.set(p, `${type} ${n.mode.toString(8)} ${n.type === "file" ? sha(n.content!) : ""}${n.target ?? ""}`);
        }
        expect(Object.fromEntries([...got].sort())).toEqual(Object.fromEntries([...exp].sort()));
        // Hard links: paths sharing a reference object share an inode, and only those.
        const inodeOf = new Map<RefNode, number>();
        for (const [p, n] of want) {
          if (n.type !== "file") continue;
          const ino = fs.lstat(p).inode;
          if (inodeOf.has(n)) expect(ino).toBe(inodeOf.get(n));
          else inodeOf.set(n, ino);
        }
        expect(new Set(inodeOf.values()).size).toBe(inodeOf.size);
      }),
      { numRuns: Number(process.env.FC_RUNS ?? 300) },
    );
  });
});
