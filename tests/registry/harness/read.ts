// Small readers shared by the registry tests (the runtime-neutral ones live in web-read.ts).

import { readFileSync } from "node:fs";
import path from "node:path";
import { FIXTURES } from "./tools.js";

export { bytesOf, text } from "./web-read.js";

/** The descriptor a fixture layout's index.json gives a tag. */
export function fixtureDescriptor(layout: string, tag: string): { digest: string; size: number; mediaType: string } {
  const index = JSON.parse(readFileSync(path.join(FIXTURES, layout, "index.json"), "utf8"));
  const found = index.manifests.find(
    (m: { annotations?: Record<string, string> }) => m.annotations?.["org.opencontainers.image.ref.name"] === tag,
  );
  if (!found) throw new Error(`no tag ${tag} in ${layout}`);
  return found;
}
