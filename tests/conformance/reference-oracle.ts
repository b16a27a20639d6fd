// Ask skopeo whether a reference string is well formed, and how it normalises it. skopeo parses
// `docker://REF` with containers/image's docker/reference (distribution's grammar) before any
// I/O; a malformed reference fails there with the parser's own message. A well-formed one goes on
// to ping its registry, so every HTTP(S) connection is sent to a proxy at 127.0.0.1:1 (nothing
// listens there: refused at once, and no name is ever resolved), loopback hosts are dialled
// directly on the machine, and each call is bounded by a timeout. The debug log line
// `Accessing "NAME" failed` carries the normalised name, `pinging container registry HOST`
// the registry endpoint.
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export type OracleVerdict =
  | { kind: "valid"; name: string; endpoint: string | undefined; log: string }
  /** Grammar-valid, but containers/image's docker transport refuses a tag together with a digest. */
  | { kind: "tag-and-digest"; log: string }
  | { kind: "invalid"; why: string; log: string };

// The parse errors of docker/reference and go-digest, as skopeo prints them.
const PARSE_ERRORS = [
  "invalid reference format",
  "cannot specify 64-byte hexadecimal strings",
  "repository name must not be more than",
  "unsupported digest algorithm",
  "invalid checksum digest",
  "invalid checksum digest length",
  "invalid image name",
];

let isolated: { conf: string; dir: string } | undefined;
function isolation(): { conf: string; dir: string } {
  if (!isolated) {
    const dir = mkdtempSync(join(tmpdir(), "layerlens-ref-oracle-"));
    const conf = join(dir, "registries.conf");
    // No mirrors, no blocks, no aliases: the reference is used as written.
    writeFileSync(conf, "");
    isolated = { conf, dir };
  }
  return isolated;
}

export function askSkopeo(ref: string, timeoutMs = 15_000): OracleVerdict {
  const { conf, dir } = isolation();
  const proxy = "http://127.0.0.1:1";
  const run = spawnSync("skopeo", ["--debug", "--tmpdir", dir, "inspect", "--retry-times", "0", `docker://${ref}`], {
    encoding: "utf8",
    timeout: timeoutMs,
    env: {
      PATH: process.env.PATH,
      HOME: dir,
      CONTAINERS_REGISTRIES_CONF: conf,
      HTTPS_PROXY: proxy,
      HTTP_PROXY: proxy,
      https_proxy: proxy,
      http_proxy: proxy,
      NO_PROXY: "",
      no_proxy: "",
    },
  });
  const log = `${run.stdout ?? ""}${run.stderr ?? ""}`;
  if (run.error) throw new Error(`skopeo on ${JSON.stringify(ref)}: ${run.error.message}\n${log}`);
  if (run.status === 0) throw new Error(`skopeo inspected ${JSON.stringify(ref)} successfully: something answered on the loopback\n${log}`);
  const accessing = /Accessing \\"(.*?)\\" failed/.exec(log);
  if (accessing) {
    const endpoint = /pinging container registry ([^:\s]+(?::\d+)?|\[[^\]]*\](?::\d+)?):/.exec(log)?.[1];
    return { kind: "valid", name: accessing[1], endpoint, log };
  }
  if (log.includes("Docker references with both a tag and digest are currently not supported")) return { kind: "tag-and-digest", log };
  const fatal = /level=fatal msg="(.*)"\s*$/m.exec(log)?.[1] ?? log;
  if (!PARSE_ERRORS.some((p) => fatal.includes(p)))
    throw new Error(`skopeo on ${JSON.stringify(ref)} failed neither parsing nor connecting:\n${log}`);
  return { kind: "invalid", why: fatal, log };
}

/** Split a canonical name the oracle printed ("docker.io/library/a:t", "h:1/x@sha256:…"). */
export function splitCanonical(name: string): { registry: string; repository: string; tag?: string; digest?: string } {
  let rest = name;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) [rest, digest] = [rest.slice(0, at), rest.slice(at + 1)];
  let tag: string | undefined;
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("/")) [rest, tag] = [rest.slice(0, colon), rest.slice(colon + 1)];
  const slash = rest.indexOf("/");
  return { registry: rest.slice(0, slash), repository: rest.slice(slash + 1), tag, digest };
}
