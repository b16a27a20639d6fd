// The digest table's per-slot storage (assembly/digest.ts): each slot's key, generation
// word and cache hint, reference count and, for sha512, the key's second half.
//
// Slots live in segments of SEG_SLOTS that never move once full, so the storage grows by
// one segment at a time: no copy of what is there, no old copy left behind as freed memory
// (wasm memory never shrinks, and a region that doubles leaves the old half dead until
// something of that size comes along), and room for at most one segment more than asked.
// Only the first segment starts smaller, 1024 slots doubling to SEG_SLOTS by moving, so a
// core that interns a few digests does not pay for a whole segment. Its regions are whole
// pages all the same: from the runtime's allocator, one reserved while memory is large
// would grow memory by its whole size.
//
// A slot's segment is s >> SEG_SHIFT; a directory entry per segment holds the base
// address of each of its four regions, so an access is one more load, from a directory of
// at most MAX_SEGS × 16 bytes that stays in the first level cache.
//
//   directory  MAX_SEGS × ┌ keys u32 ┬ gens u32 ┬ refs u32 ┬ tails u32 (0: none yet) ┐
//   segment    ┌ keys slots × 32 ┬ gens slots × 8 ┬ refs slots × 4 ┐  one region: 11 whole
//              └─────────────────┴────────────────┴────────────────┘  pages when full
//   tails      slots × 32, reserved on the segment's first sha512 (8 whole pages when full)

import { MAX_DIGESTS } from "./abi";
import { reserve, release, reservePages } from "./layout";

export const SEG_SHIFT: u32 = 14;
export const SEG_SLOTS: u32 = 1 << SEG_SHIFT;
const SEG_MASK: u32 = SEG_SLOTS - 1;
const MAX_SEGS: u32 = MAX_DIGESTS >> SEG_SHIFT;
const FIRST_SLOTS: u32 = 1024;
/** Key 32, generation word and hint 8, reference count 4. */
const SLOT_BYTES: usize = 44;
/** A full segment and a full tails region are whole pages, so they take pages with no
 *  header (a header would cost one more page each). */
const SEG_PAGES: usize = ((SEG_SLOTS as usize) * SLOT_BYTES) >> 16;
const TAIL_PAGES: usize = ((SEG_SLOTS as usize) * 32) >> 16;

let slotCap: u32 = 0;
/** Reserved on the first growth, as a whole page: from the runtime's allocator it would take
 *  the room that allocator has left, and whatever small region comes next while memory is
 *  large (a pool's own fields) would then grow memory by its whole size. */
let dir: usize = 0;

// @ts-ignore: decorator
@inline function entry(s: u32): usize { return dir + (((s >> SEG_SHIFT) as usize) << 4); }
// @ts-ignore: decorator
@inline function low(s: u32): usize { return (s & SEG_MASK) as usize; }

/** Slots the storage has room for now. */
// @ts-ignore: decorator
@inline export function slotCapacity(): u32 { return slotCap; }
/** Slot s's 32 key bytes (s < slotCapacity()). */
// @ts-ignore: decorator
@inline export function keyAt(s: u32): usize { return (load<u32>(entry(s)) as usize) + (low(s) << 5); }
/** Slot s's generation word, then its cache hint (u32 each). */
// @ts-ignore: decorator
@inline export function metaAt(s: u32): usize { return (load<u32>(entry(s), 4) as usize) + (low(s) << 3); }
/** Slot s's reference count (the next free slot while free). */
// @ts-ignore: decorator
@inline export function refsAt(s: u32): usize { return (load<u32>(entry(s), 8) as usize) + (low(s) << 2); }
/** Slot s's key bytes 32..63; meaningful only once hasTail(s). */
// @ts-ignore: decorator
@inline export function tailAt(s: u32): usize { return (load<u32>(entry(s), 12) as usize) + (low(s) << 5); }
// @ts-ignore: decorator
@inline export function hasTail(s: u32): bool { return load<u32>(entry(s), 12) != 0; }

/** Slots in segment `seg` now: SEG_SLOTS, but for the first segment while it is small. */
function slotsOf(seg: u32): u32 { return seg == 0 && slotCap < SEG_SLOTS ? slotCap : SEG_SLOTS; }

/** Reserve the tails region of slot s's segment (before its first sha512 key). */
export function makeTail(s: u32): void {
  const slots = slotsOf(s >> SEG_SHIFT);
  store<u32>(entry(s), (slots == SEG_SLOTS ? reservePages(TAIL_PAGES) : reserve((slots as usize) << 5, true)) as u32, 12);
}

function place(seg: u32, slots: u32, region: usize): void {
  const e = dir + ((seg as usize) << 4);
  store<u32>(e, region as u32);
  store<u32>(e, (region + (slots as usize) * 32) as u32, 4);
  store<u32>(e, (region + (slots as usize) * 40) as u32, 8);
}

/** Move the first segment, still smaller than SEG_SLOTS, into a region of `slots`. */
function moveFirst(slots: u32): void {
  const full = slots == SEG_SLOTS;
  const region = full ? reservePages(SEG_PAGES) : reserve((slots as usize) * SLOT_BYTES, true);
  const old = slotCap as usize;
  if (old != 0) {
    memory.copy(region, load<u32>(dir) as usize, old * 32);
    memory.copy(region + (slots as usize) * 32, load<u32>(dir, 4) as usize, old * 8);
    memory.copy(region + (slots as usize) * 40, load<u32>(dir, 8) as usize, old * 4);
    release(load<u32>(dir) as usize);
  }
  place(0, slots, region);
  const tails = load<u32>(dir, 12) as usize;
  if (tails != 0) {
    const moved = full ? reservePages(TAIL_PAGES) : reserve((slots as usize) << 5, true);
    memory.copy(moved, tails, old * 32);
    release(tails);
    store<u32>(dir, moved as u32, 12);
  }
  slotCap = slots;
}

/**
 * Room for at least `need` slots (need <= MAX_DIGESTS). The first segment at least doubles
 * while it is small, so slot-by-slot growth copies O(SEG_SLOTS) in all; past it, whole
 * segments are added and nothing moves. Slots already handed out keep their addresses
 * except while the first segment is small.
 */
export function growSlots(need: u32): void {
  if (need <= slotCap) return;
  if (dir == 0) dir = reserve((MAX_SEGS as usize) << 4, true);
  if (slotCap < SEG_SLOTS) {
    const wanted = max<u32>((need + FIRST_SLOTS - 1) & ~(FIRST_SLOTS - 1), slotCap * 2);
    moveFirst(min<u32>(max<u32>(wanted, FIRST_SLOTS), SEG_SLOTS));
  }
  if (slotCap >= need) return;
  // The segments still needed come from one run of pages: each memory.grow costs about a
  // millisecond once memory is large (it grows with the memory's size), so a bulk reserve
  // grows memory once, not once per segment.
  const segs = (need - slotCap + SEG_MASK) >> SEG_SHIFT;
  const run = reservePages((segs as usize) * SEG_PAGES);
  for (let i: u32 = 0; i < segs; i++) {
    place(slotCap >> SEG_SHIFT, SEG_SLOTS, run + (((i as usize) * SEG_PAGES) << 16));
    slotCap += SEG_SLOTS;
  }
}
