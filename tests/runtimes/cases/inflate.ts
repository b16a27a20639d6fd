// Known answers for the core's gzip inflater, run unchanged in every runtime. The oracle is
// the runtime's own gzip: CompressionStream("gzip") compresses a known text, and the core
// must give that text back, in one piece and in small pushes, from the stream start and from
// every checkpoint; a flipped CRC byte and a cut stream must be GzipFormatError.

import { equal, ok, throws } from "./assert.js";
import type { KnownAnswerCase } from "./types.js";

/** About 600 KB of tar-listing-like text with repeats near and far, from a fixed LCG. */
function plainText(): Uint8Array {
  const dirs = ["usr/lib/", "usr/bin/", "etc/", "usr/share/doc/", "var/lib/dpkg/"];
  let x = 11;
  const next = () => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0);
  let s = "";
  while (s.length < 600_000) s += `${dirs[next() % dirs.length]}file-${next() % 5000}.so.${next() % 9}\n`;
  return new TextEncoder().encode(s);
}

async function platformGzip(data: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([data as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export const inflateCases: KnownAnswerCase[] = [
  {
    name: "inflate: the platform's gzip decodes to the known bytes, also from every checkpoint",
    async run(lib, ctx) {
      const plain = plainText();
      const gz = await platformGzip(plain);
      const index = new lib.CheckpointIndex();
      const whole = lib.gunzipSync(gz, { core: ctx.core, index, checkpointSpan: 64 * 1024 });
      ok(same(whole, plain), `decoded ${whole.length} bytes equal the ${plain.length} plain bytes`);
      ok(index.checkpoints.length >= 2, `checkpoints taken (${index.checkpoints.length})`);
      const dec = new lib.GzipInflater(ctx.core);
      let n = 0;
      for (let i = 0; i < gz.length; i += 997) for (const p of dec.push(gz.subarray(i, i + 997))) n += p.length;
      dec.end();
      dec.free();
      equal(n, plain.length, "decoded size in 997-byte pushes");
      for (const cp of index.checkpoints) {
        const pieces: Uint8Array[] = [];
        for await (const p of lib.resumeAt(cp, gz.subarray(lib.checkpointInByte(cp)), { core: ctx.core })) pieces.push(p);
        const got = new Uint8Array(pieces.reduce((s, p) => s + p.length, 0));
        let at = 0;
        for (const p of pieces) {
          got.set(p, at);
          at += p.length;
        }
        ok(same(got, plain.subarray(cp.outOffset)), `bytes from the checkpoint at ${cp.outOffset}`);
      }
    },
  },
  {
    name: "inflate: a corrupt or truncated stream is GzipFormatError",
    async run(lib, ctx) {
      const gz = await platformGzip(plainText().subarray(0, 20_000));
      const bad = gz.slice();
      bad[bad.length - 8] ^= 1;
      throws(
        () => lib.gunzipSync(bad, { core: ctx.core }),
        { type: lib.GzipFormatError, code: "COMPRESSION", props: { reason: "crc" } },
        "flipped CRC",
      );
      throws(
        () => lib.gunzipSync(gz.subarray(0, gz.length - 3), { core: ctx.core }),
        { type: lib.GzipFormatError, props: { reason: "truncated" } },
        "cut stream",
      );
    },
  },
];
