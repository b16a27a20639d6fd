// Reading one file through a layer's TOC: one ranged read from the file's first chunk member
// to the end of its last (a positional read of a local file, one HTTP Range request), each
// member decoded on its own by a fresh decoder (gzip for eStargz, zstd for zstd:chunked), only
// as far as its chunk's bytes reach, and each chunk held back until it hashes to the digest
// the verified TOC gives for it. So no byte leaves here unverified, a member that decodes to
// something else is a DigestMismatchError naming the layer, the file and the byte ranges, and
// the decoded bytes held at once are one chunk (bounds.ts).
//
// A member often decodes to more than its chunk (the tar headers of the entries after it
// follow in the same member); decoding stops once the chunk is complete, and the rest of the
// member's compressed bytes are skipped as they stream by.

import { DigestMismatchError, SizeMismatchError } from "../../errors.js";
import { createHasher } from "../../hash/hasher.js";
import type { LayerLike } from "../../oci/layer.js";
import { parseDigestString } from "../../oci/digest.js";
import { startPipeline, timed, timedSteps, type WorkPhase } from "../../report/work-clock.js";
import { chunksOf } from "../chunks.js";
import { MAX_CHUNK_BYTES, MAX_CHUNK_COMPRESSED_BYTES } from "./bounds.js";
import type { TocChunk, TocFile } from "./toc-index.js";

/** A decoder for one member, as the core's GzipInflater and ZstdDecoder are. */
export interface MemberDecoder {
  push(chunk: Uint8Array): Iterable<Uint8Array>;
  free(): void;
}

export interface MemberCodec {
  /** The stats phase its decoding counts as. */
  phase: WorkPhase;
  open(what: string): MemberDecoder;
}

/** Chunks that share a member (innerOffset), decoded together. */
interface Group {
  offset: number;
  end: number;
  /** Decoded bytes of the member the group needs: its last chunk's innerOffset + size. */
  need: number;
  chunks: TocChunk[];
}

function groupsOf(file: TocFile): Group[] {
  const groups: Group[] = [];
  for (const c of file.chunks) {
    const last = groups[groups.length - 1];
    if (last && last.offset === c.offset) {
      last.chunks.push(c);
      last.need = Math.max(last.need, c.innerOffset + c.size);
    } else groups.push({ offset: c.offset, end: c.end, need: c.innerOffset + c.size, chunks: [c] });
  }
  return groups;
}

/** Can `file` be read through the TOC within the bounds? (Else it is read without the TOC.) */
export function tocReadable(file: TocFile): boolean {
  return file.chunks.length > 0 && groupsOf(file).every((g) => g.need <= MAX_CHUNK_BYTES && g.end - g.offset <= MAX_CHUNK_COMPRESSED_BYTES);
}

/**
 * The bytes of `file` (at `path`, for messages), chunk by chunk, each verified. `what` names
 * the layer (with its digest) and the TOC.
 */
export async function* readThroughToc(
  layer: LayerLike,
  file: TocFile,
  path: string,
  what: string,
  codec: MemberCodec,
): AsyncGenerator<Uint8Array> {
  const groups = groupsOf(file);
  const start = groups[0].offset;
  const end = groups[groups.length - 1].end;
  const pipe = startPipeline(); // null unless stats are being taken
  let decoder: MemberDecoder | null = null;
  try {
    const opened = chunksOf(await layer.open({ start, end }));
    let g = 0;
    let pos = start;
    let held = new Uint8Array(groups[0].need);
    let fill = 0;
    let finished = false;
    for await (const piece of pipe ? pipe.sourceChunks(opened) : opened) {
      if (pos + piece.length > end)
        throw new SizeMismatchError(`${what}: ${JSON.stringify(path)}: bytes ${start}-${end}`, end - start, pos + piece.length - start);
      let at = 0;
      while (at < piece.length) {
        const group = groups[g];
        if (pos < group.offset) {
          // Another file's member lies between two of this file's: skipped as it streams by.
          const skip = Math.min(piece.length - at, group.offset - pos);
          at += skip;
          pos += skip;
          continue;
        }
        const take = Math.min(piece.length - at, group.end - pos);
        if (!finished) {
          decoder ??= codec.open(`${what}: ${JSON.stringify(path)} at blob bytes ${group.offset}-${group.end}`);
          for (const out of timedSteps(codec.phase, decoder.push(piece.subarray(at, at + take)))) {
            const n = Math.min(out.length, held.length - fill);
            held.set(out.subarray(0, n), fill);
            fill += n;
            if (fill === held.length) break;
          }
          if (fill === held.length) {
            finished = true;
            decoder.free();
            decoder = null;
            for (const c of group.chunks) yield checked(c, held, path, what);
          }
        }
        at += take;
        pos += take;
        if (pos === group.end) {
          if (!finished) throw short(group, held.subarray(0, fill), path, what);
          if (++g === groups.length) break;
          held = new Uint8Array(groups[g].need);
          fill = 0;
          finished = false;
        }
      }
    }
    if (pos !== end) throw new SizeMismatchError(`${what}: ${JSON.stringify(path)}: bytes ${start}-${end}`, end - start, pos - start);
  } finally {
    decoder?.free();
    pipe?.close();
  }
}

function checked(c: TocChunk, member: Uint8Array, path: string, what: string): Uint8Array {
  const bytes = member.subarray(c.innerOffset, c.innerOffset + c.size);
  const actual = timed("verifying", bytes.length, () => digestOf(c.digest, bytes));
  if (actual !== c.digest) throw new DigestMismatchError(rangeName(c, path, what), c.digest, actual);
  return bytes;
}

/** A member that ran out before its chunks did: what it gave does not hash to the first short chunk's digest. */
function short(group: Group, got: Uint8Array, path: string, what: string): DigestMismatchError {
  const c = group.chunks.find((x) => x.innerOffset + x.size > got.length) ?? group.chunks[0];
  const partial = got.subarray(Math.min(c.innerOffset, got.length));
  return new DigestMismatchError(
    `${rangeName(c, path, what)} (the member decodes to ${got.length} of ${group.need} bytes)`,
    c.digest,
    digestOf(c.digest, partial),
  );
}

function rangeName(c: TocChunk, path: string, what: string): string {
  return `${what}: ${JSON.stringify(path)} bytes ${c.fileOffset}-${c.fileOffset + c.size} (blob bytes ${c.offset}-${c.end})`;
}

function digestOf(like: string, bytes: Uint8Array): string {
  const h = createHasher(parseDigestString(like).algorithm);
  h.update(bytes);
  return h.digest();
}
