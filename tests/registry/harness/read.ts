// Small readers shared by the registry tests.

import { readFileSync } from "node:fs";
import path from "node:path";
import { FIXTURES } from "./tools.js";

export function text(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes);
}

export async function bytesOf(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const c of stream as unknown as AsyncIterable<Uint8Array>) chunks.push(c);
  return Buffer.concat(chunks);
}

/** The descriptor a fixture layout's index.json gives a tag. */
export function fixtureDescriptor(layout: string, tag: string): { digest: string; size: number; mediaType: string } {
  const index = JSON.parse(readFileSync(path.join(FIXTURES, layout, "index.json"), "utf8"));
  const found = index.manifests.find((m: { annotations?: Record<string, string> }) => m.annotations?.["org.opencontainers.image.ref.name"] === tag);
  if (!found) throw new Error(`no tag ${tag} in ${layout}`);
  return found;
}
