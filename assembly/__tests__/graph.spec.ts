// as-pect specs for the CSR cycle detector: cycles, orders, edge cases, long chains.
import { NOT_FOUND, ERR_BAD_ARGUMENT, ERR_BAD_HANDLE, ERR_TOO_LARGE, ERR_CYCLE, ERR_NOT_LOADED } from "../abi";
import { IO_OUT } from "../layout";
import {
  graphScratch,
  graphNew,
  graphLoad,
  graphFindCycle,
  graphTopoOrder,
  graphResult,
  graphCheck,
  graphRootsReaching,
  graphInternMany,
} from "../graph";
import { digestFind, KEY, parseDigestAt } from "../digest";

/** Build a graph of n nodes from flat (from, to) pairs. */
function make(n: u32, pairs: u32[]): usize {
  const s = graphScratch((pairs.length as usize) * 4);
  for (let i = 0; i < pairs.length; i++) store<u32>(s + ((i as usize) << 2), pairs[i]);
  const g = graphNew(n);
  expect(graphLoad(g, (pairs.length / 2) as u32)).toBe(0);
  return g;
}

function result(g: usize, k: i32): u32[] {
  const out: u32[] = [];
  for (let i = 0; i < k; i++) out.push(load<u32>(graphResult(g) + ((i as usize) << 2)));
  return out;
}

describe("graph core", () => {
  test("orders a DAG so every edge goes forward", () => {
    const g = make(5, [3, 1, 1, 0, 3, 2, 2, 0, 4, 4 - 4 + 3]);
    expect(graphFindCycle(g)).toBe(0);
    expect(graphTopoOrder(g)).toBe(5);
    expect(graphCheck(g)).toBe(0);
    const order = result(g, 5);
    expect(order.indexOf(3)).toBeLessThan(order.indexOf(1));
    expect(order.indexOf(4)).toBeLessThan(order.indexOf(3));
    expect(order.indexOf(1)).toBeLessThan(order.indexOf(0));
  });

  test("returns the first cycle as its node path", () => {
    // 0 -> 1 -> 2 -> 3 -> 1, and 3 -> 4
    const g = make(5, [0, 1, 1, 2, 2, 3, 3, 4, 3, 1]);
    expect(graphFindCycle(g)).toBe(3);
    expect(result(g, 3)).toStrictEqual([1, 2, 3]);
    expect(graphTopoOrder(g)).toBe(ERR_CYCLE);
  });

  test("a self-loop is a cycle of one node", () => {
    const g = make(3, [0, 1, 2, 2]);
    expect(graphFindCycle(g)).toBe(1);
    expect(result(g, 1)).toStrictEqual([2]);
  });

  test("parallel edges and disconnected parts are fine", () => {
    const g = make(6, [0, 1, 0, 1, 0, 1, 4, 5, 4, 5]);
    expect(graphFindCycle(g)).toBe(0);
    expect(graphCheck(g)).toBe(0);
    const e = make(0, []);
    expect(graphFindCycle(e)).toBe(0);
  });

  test("a chain of 1,000,000 nodes, then with the back edge that closes it", () => {
    const n: u32 = 1000000;
    const s = graphScratch((n as usize) * 8);
    for (let i: u32 = 0; i + 1 < n; i++) {
      store<u32>(s + (i as usize) * 8, i);
      store<u32>(s + (i as usize) * 8 + 4, i + 1);
    }
    const g = graphNew(n);
    expect(graphLoad(g, n - 1)).toBe(0);
    expect(graphTopoOrder(g)).toBe(n as i32);
    expect(load<u32>(graphResult(g))).toBe(0);
    store<u32>(s + ((n - 1) as usize) * 8, n - 1);
    store<u32>(s + ((n - 1) as usize) * 8 + 4, 0);
    expect(graphLoad(g, n)).toBe(0);
    expect(graphFindCycle(g)).toBe(n as i32);
    expect(load<u32>(graphResult(g) + ((n - 1) as usize) * 4)).toBe(n - 1);
  });

  test("refuses bad input with a code", () => {
    const g = graphNew(3);
    expect(graphFindCycle(g)).toBe(ERR_NOT_LOADED);
    const s = graphScratch(16);
    store<u32>(s, 0);
    store<u32>(s, 1, 4);
    store<u32>(s, 7, 8);
    store<u32>(s, 0, 12);
    expect(graphLoad(g, 2)).toBe(ERR_BAD_ARGUMENT);
    expect(load<u32>(IO_OUT)).toBe(1);
    expect(graphLoad(g, 1 << 30)).toBe(ERR_TOO_LARGE);
    expect(graphLoad(g, 0xffffffff)).toBe(ERR_TOO_LARGE);
  });

  test("finds the roots that reach a node, through cycles too", () => {
    // roots 0 and 5; 0 -> 1 -> 2, 5 -> 2, 3 <-> 4 -> 2 (no root above the 3/4 loop)
    const g = make(6, [0, 1, 1, 2, 5, 2, 3, 4, 4, 3, 4, 2]);
    expect(graphRootsReaching(g, 2)).toBe(2);
    expect(result(g, 2)).toStrictEqual([0, 5]);
    expect(graphRootsReaching(g, 1)).toBe(1);
    expect(graphRootsReaching(g, 0)).toBe(1);
    expect(graphRootsReaching(g, 3)).toBe(0);
    expect(graphRootsReaching(g, 6)).toBe(ERR_BAD_HANDLE);
  });

  test("interns digest strings in bulk through the digest table", () => {
    const a = "sha256:" + "12".repeat(32);
    const s = graphScratch(4096);
    let off = 0;
    const words = [a, "nope", a];
    for (let i = 0; i < words.length; i++) {
      store<u8>(s + off, words[i].length as u8);
      for (let j = 0; j < words[i].length; j++) store<u8>(s + off + 1 + j, words[i].charCodeAt(j) as u8);
      off += 1 + words[i].length;
    }
    expect(graphInternMany(3, off as u32)).toBe(1);
    const out = s + (((off as usize) + 3) & ~3);
    const id = load<i32>(out);
    expect(id).toBeGreaterThanOrEqual(0);
    expect(load<i32>(out, 4)).toBeLessThan(0);
    expect(load<i32>(out, 8)).toBe(id);
    for (let j = 0; j < a.length; j++) store<u8>(s + j, a.charCodeAt(j) as u8);
    expect(digestFind(parseDigestAt(s, a.length) as u8, KEY, KEY + 32)).toBe(id);
    expect(digestFind(0, KEY, KEY + 32)).toBe(NOT_FOUND);
  });
});
