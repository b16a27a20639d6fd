// `layerlens tags REPO [--page-size N] [--json]`: every tag of a repository, as `crane ls`
// and `skopeo list-tags` give them: REPO is docker://HOST/REPO or HOST/REPO (a registry; the
// listing follows the registry's Link pagination to the end) or oci:DIR (a layout's
// org.opencontainers.image.ref.name tags). One tag a line, or a JSON array with --json.

import { UsageError } from "../errors.js";
import { directoryStore } from "../node/files.js";
import { openRegistryClient } from "../node/registry.js";
import { parseReference } from "../oci/reference.js";
import { LayoutSource, layoutTags } from "../sources/layout.js";
import type { RegistrySourceOptions } from "../sources/registry.js";
import { parseArgs } from "./args.js";
import type { CliIO, Command } from "./command.js";
import { REGISTRY_FLAGS_USAGE, takeRegistryFlags } from "./registry-flags.js";

/** The tags of `repo` (docker://HOST/REPO, HOST/REPO or oci:DIR). */
export async function listTags(repo: string, options: { pageSize?: number; registry?: RegistrySourceOptions } = {}): Promise<string[]> {
  if (repo.startsWith("oci:")) {
    const layout = await LayoutSource.open(directoryStore(repo.slice(4)));
    try {
      return layoutTags(layout.index);
    } finally {
      await layout.close();
    }
  }
  const name = repo.replace(/^docker:\/\//, "");
  // A ':' after the last '/' is a tag (a registry's port comes before the first '/').
  if (name.includes("@") || name.slice(name.lastIndexOf("/") + 1).includes(":")) {
    throw new UsageError(`tags: name a repository without a tag or digest, got ${repo}`);
  }
  const ref = parseReference(name);
  return openRegistryClient(ref.registry, ref.repository, options.registry).tags(ref.repository, { pageSize: options.pageSize });
}

export const command: Command = {
  summary: "List a repository's tags, following pagination (like crane ls).",
  usage: `layerlens tags REPO [--page-size N] [--json] ${REGISTRY_FLAGS_USAGE}\n  REPO: docker://HOST/REPO, HOST/REPO or oci:DIR`,
  async run(argv: string[], io: CliIO): Promise<number> {
    const { rest, registry } = takeRegistryFlags(argv, "tags");
    const args = parseArgs(rest, { boolean: ["json"], string: ["page-size"] }, "tags");
    const [repo, ...extra] = args.positionals;
    if (!repo) throw new UsageError(`tags: name a REPO\nusage: ${this.usage}`);
    if (extra.length) throw new UsageError("tags: one REPO at a time");
    const sizeText = args.options["page-size"];
    const pageSize = sizeText === undefined ? undefined : Number(sizeText);
    if (pageSize !== undefined && !(Number.isSafeInteger(pageSize) && pageSize > 0)) {
      throw new UsageError(`tags: --page-size takes a positive whole number, got ${JSON.stringify(sizeText)}`);
    }
    const tags = await listTags(repo, { pageSize, registry });
    io.stdout(args.flags.json ? JSON.stringify(tags, null, 2) + "\n" : tags.map((t) => t + "\n").join(""));
    return 0;
  },
};
