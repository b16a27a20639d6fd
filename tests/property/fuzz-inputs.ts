// Shared by the "parses or throws our error" fuzz suites: how many cases to run, the check
// itself, JSON documents with one value swapped for a value of any type, and the project's
// sample image packed as an oci-archive and as a docker-archive, to be broken byte by byte.

import fc from "fast-check";
import { expect } from "vitest";
import { LayerlensError } from "../../src/errors.js";
import { buildSampleImage } from "../../src/sample.js";
import { tarOf } from "../fs/helpers/layers.js";

/**
 * Cases per property: `ci` under CI=true (the bar is 10^5 per parser), `local` otherwise;
 * FUZZ_RUNS overrides both (FUZZ_RUNS=1000000 for a long run).
 */
export function runs(ci: number, local: number): number {
  if (process.env.FUZZ_RUNS) return Number(process.env.FUZZ_RUNS);
  return process.env.CI === "true" ? ci : local;
}

/** A LayerlensError (typed, with a code) or nothing: a TypeError or RangeError fails. */
export function expectOurError(e: unknown): void {
  expect(e, e instanceof Error ? (e.stack ?? String(e)) : String(e)).toBeInstanceOf(LayerlensError);
  expect(typeof (e as LayerlensError).code).toBe("string");
}

export function ourErrorOrValue(run: () => unknown): void {
  try {
    run();
  } catch (e) {
    expectOurError(e);
  }
}

export async function ourErrorOrValueAsync(run: () => Promise<unknown>): Promise<void> {
  try {
    await run();
  } catch (e) {
    expectOurError(e);
  }
}

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Every path to a value inside `v` ([] is `v` itself). */
export function pathsOf(v: unknown, at: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(at);
  if (Array.isArray(v)) v.forEach((x, i) => pathsOf(x, [...at, i], out));
  else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) pathsOf(x, [...at, k], out);
  return out;
}

/** `doc` with the value at `path` replaced: only the objects on the path are copied. */
export function replaceAt(doc: unknown, path: readonly (string | number)[], value: unknown, from = 0): unknown {
  if (from === path.length) return value;
  if (!doc || typeof doc !== "object") return doc; // an earlier edit removed this branch
  const key = path[from];
  const copy = (Array.isArray(doc) ? [...doc] : { ...doc }) as Record<string | number, unknown>;
  copy[key] = replaceAt(copy[key], path, value, from + 1);
  return copy;
}

/** Values of every JSON type, and the ones that trip naive code (null, "", -1, huge, deep). */
export const anyJson: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, "", 0, -1, 1.5, true, false, [], {}, [null], { "": null }, 2 ** 53, "sha256:", "a/b"),
  fc.jsonValue({ maxDepth: 2 }),
);

/** `doc` with one to three values (anywhere in it, the paths of the original) replaced by values of any type. */
export function mutatedJson(doc: unknown): fc.Arbitrary<unknown> {
  const paths = pathsOf(doc);
  return fc.array(fc.tuple(fc.nat(paths.length - 1), anyJson), { minLength: 1, maxLength: 3 }).map((edits) => {
    let out = doc;
    for (const [pick, value] of edits) out = replaceAt(out, paths[pick], value);
    return out;
  });
}

/** JSON bytes, sometimes cut or with a byte flipped (not JSON, not UTF-8). */
export function mutatedJsonBytes(doc: unknown): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    { weight: 4, arbitrary: mutatedJson(doc).map((v) => enc.encode(JSON.stringify(v) ?? "null")) },
    {
      weight: 1,
      arbitrary: fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.boolean()).map(([at, byte, cut]) => {
        const b = enc.encode(JSON.stringify(doc));
        const i = at % b.length;
        if (cut) return b.subarray(0, i);
        b[i] = byte;
        return b;
      }),
    },
  );
}

export const json = (b: Uint8Array): unknown => JSON.parse(dec.decode(b));

/** The sample image's documents and blobs (one layout). */
export function sampleFiles(): {
  files: Map<string, Uint8Array>;
  index: any;
  manifest: any;
  config: any;
  manifestKey: string;
  configKey: string;
} {
  const { files } = buildSampleImage();
  const index = json(files.get("index.json")!) as any;
  const manifestKey = `blobs/sha256/${(index.manifests[0].digest as string).slice(7)}`;
  const manifest = json(files.get(manifestKey)!) as any;
  const configKey = `blobs/sha256/${(manifest.config.digest as string).slice(7)}`;
  return { files, index, manifest, config: json(files.get(configKey)!), manifestKey, configKey };
}

/** The members as a tar (oci-layout first, as skopeo writes it). */
export function tarOfMembers(members: Map<string, Uint8Array>): Uint8Array {
  return tarOf([...members].map(([name, data]) => ({ name, data })));
}

/** The sample image as a docker-archive: manifest.json, the config, gzip layers by digest. */
export function dockerArchiveMembers(): Map<string, Uint8Array> {
  const s = sampleFiles();
  const members = new Map<string, Uint8Array>();
  const layers = (s.manifest.layers as { digest: string }[]).map((l) => {
    const name = `${l.digest.slice(7)}.tar.gz`;
    members.set(name, s.files.get(`blobs/sha256/${l.digest.slice(7)}`)!);
    return name;
  });
  members.set("config.json", s.files.get(s.configKey)!);
  members.set("manifest.json", enc.encode(JSON.stringify([{ Config: "config.json", RepoTags: ["sample:latest"], Layers: layers }])));
  return members;
}

/** Bytes with up to `max` bytes overwritten and possibly cut short. */
export function mutatedBytes(valid: Uint8Array, max = 8): fc.Arbitrary<Uint8Array> {
  return fc
    .tuple(
      fc.array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: max }),
      fc.nat(valid.length),
    )
    .map(([flips, cut]) => {
      const b = new Uint8Array(valid);
      for (const [at, v] of flips) b[at] = v;
      return cut < valid.length / 4 ? b.subarray(0, Math.max(cut, 1)) : b;
    });
}
