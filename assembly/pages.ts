// Whole 64 KiB pages for the core's large regions, grown by exactly what is asked.
//
// The runtime's allocator (TLSF, rt/tlsf.ts) grows linear memory by max(what it needs,
// the memory's current size): it doubles. A 10,000-entry cache made in a core of 8 pages
// then costs 16 pages, and every region added to a large core doubles it again. So regions
// of a page or more come from here instead: a run of pages taken from the list of runs
// given back (first fit), or from memory.grow(pages), which grows by exactly that; small
// regions stay with TLSF, whose own growth then rarely happens. TLSF accepts memory grown
// behind its back: it adds its next growth as a separate chunk.
//
// Free runs are kept in address order, each holding its length and the next run in its
// first bytes, and adjacent runs merge, so a freed region's pages serve any later request
// that fits; a run that ends where memory ends is extended by growing only the difference.
//
//   free run ┌ pages usize ┬ next run usize ┬ … (unused) ┐
//            └ 0           └ sizeof<usize>  └            ┘  at a page boundary

const PAGE: usize = 65536;
const NEXT: usize = sizeof<usize>();

/** Address of the first free run, 0 when none. */
let freeRuns: usize = 0;

// @ts-ignore: decorator
@inline function pagesOf(run: usize): usize { return load<usize>(run); }
// @ts-ignore: decorator
@inline function nextOf(run: usize): usize { return load<usize>(run, NEXT); }
// @ts-ignore: decorator
@inline function setRun(run: usize, pages: usize, next: usize): void { store<usize>(run, pages); store<usize>(run, next, NEXT); }

/** Grow linear memory by exactly `pages`; the new pages' address, or 0 when it cannot. */
function grow(pages: usize): usize {
  const before = memory.grow(pages as i32);
  return before < 0 ? 0 : (before as usize) * PAGE;
}

/** A run of `pages` pages (zeroed only when fresh from memory.grow); 0 when memory is full. */
export function takePages(pages: usize): usize {
  let prev: usize = 0;
  let run = freeRuns;
  while (run != 0) {
    const have = pagesOf(run);
    const next = nextOf(run);
    if (have >= pages) {
      let rest = next;
      if (have > pages) {
        rest = run + pages * PAGE;
        setRun(rest, have - pages, next);
      }
      if (prev != 0) store<usize>(prev, rest, NEXT); else freeRuns = rest;
      return run;
    }
    // The last run, at the end of memory: grow only what it lacks.
    if (next == 0 && run + have * PAGE == (memory.size() as usize) * PAGE) {
      if (grow(pages - have) == 0) return 0;
      if (prev != 0) store<usize>(prev, 0, NEXT); else freeRuns = 0;
      return run;
    }
    prev = run;
    run = next;
  }
  return grow(pages);
}

/** Give back a run from takePages(): kept in address order, merged with its neighbours. */
export function givePages(addr: usize, pages: usize): void {
  let prev: usize = 0;
  let run = freeRuns;
  while (run != 0 && run < addr) { prev = run; run = nextOf(run); }
  setRun(addr, pages, run);
  if (run != 0 && addr + pages * PAGE == run) setRun(addr, pages + pagesOf(run), nextOf(run));
  if (prev != 0) {
    if (prev + pagesOf(prev) * PAGE == addr) setRun(prev, pagesOf(prev) + pagesOf(addr), nextOf(addr));
    else store<usize>(prev, addr, NEXT);
  } else freeRuns = addr;
}

/** Pages needed for `bytes`. */
export function pagesFor(bytes: usize): usize { return (bytes + PAGE - 1) / PAGE; }
