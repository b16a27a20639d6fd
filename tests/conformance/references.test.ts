// The reference grammar against skopeo: every string of the table is given to `skopeo inspect
// docker://REF`, whose parser (containers/image's docker/reference, distribution's grammar) is
// the expected answer. A malformed reference must fail in the parser before any request; a
// well-formed one must reach the network step, where its normalised name and registry endpoint
// show in the log and must equal ours part by part. See reference-oracle.ts for how the network
// step is kept on the machine.
import { beforeAll, describe, expect, it } from "vitest";
import { InvalidReferenceError } from "../../src/errors.js";
import { formatReference, parseReference, type Reference } from "../../src/oci/reference.js";
import { REFERENCE_STRINGS } from "./data/reference-strings.js";
import { askSkopeo, splitCanonical, type OracleVerdict } from "./reference-oracle.js";
import { skipLive } from "./skopeo-live.js";

/**
 * Where layerlens knowingly answers differently from this skopeo, with the oracle's answer we
 * expect (checked, so a newer skopeo that agrees shows up here) and ours.
 */
const EXCEPTIONS: Record<string, { oracle: OracleVerdict["kind"]; ours: "valid" | "invalid"; why: string }> = {
  "[::1]:1/x": {
    oracle: "invalid",
    ours: "valid",
    why: "IPv6 hosts: distribution's grammar accepts [hex:colons], skopeo's older vendored copy does not",
  },
  "[::1]/x": { oracle: "invalid", ours: "valid", why: "IPv6 hosts, as above" },
  "[2001:db8::1]:5000/x": { oracle: "invalid", ours: "valid", why: "IPv6 hosts, as above" },
  "[2001:DB8::1]/x": { oracle: "invalid", ours: "valid", why: "IPv6 hosts, as above" },
  ["a@sha384:" + "0123456789abcdef".repeat(6)]: {
    oracle: "valid",
    ours: "invalid",
    why: "every byte is verified here and there is no sha384 hasher: a reference that could not be verified is refused",
  },
  "my_registry.example/x": {
    oracle: "valid",
    ours: "invalid",
    why: "the grammar reads it as a path with no registry; skopeo then has no host to ask",
  },
};

function ours(input: string): Reference | InvalidReferenceError {
  try {
    return parseReference(input);
  } catch (e) {
    if (e instanceof InvalidReferenceError) return e;
    throw e;
  }
}

describe.skipIf(skipLive)("references agree with skopeo's parser", () => {
  const answers = new Map<string, OracleVerdict>();
  beforeAll(() => {
    for (const [input] of REFERENCE_STRINGS) answers.set(input, askSkopeo(input));
  });

  it("the table has at least 100 distinct strings of every kind", () => {
    expect(new Set(REFERENCE_STRINGS.map(([s]) => s)).size).toBe(REFERENCE_STRINGS.length);
    expect(REFERENCE_STRINGS.length).toBeGreaterThanOrEqual(100);
    const kinds = [...answers.values()].map((a) => a.kind);
    for (const k of ["valid", "invalid", "tag-and-digest"] as const) expect(kinds).toContain(k);
    expect(kinds.filter((k) => k === "valid").length).toBeGreaterThan(30);
    expect(kinds.filter((k) => k === "invalid").length).toBeGreaterThan(30);
  });

  for (const [input, what] of REFERENCE_STRINGS) {
    it(`${what}: ${JSON.stringify(input).slice(0, 60)}`, () => {
      const oracle = answers.get(input) as OracleVerdict;
      const mine = ours(input);
      const exception = EXCEPTIONS[input];
      if (exception) {
        expect(oracle.kind, exception.why).toBe(exception.oracle);
        expect(mine instanceof InvalidReferenceError ? "invalid" : "valid", exception.why).toBe(exception.ours);
        return;
      }
      if (oracle.kind === "invalid") {
        // Refused by the parser itself: no request was made.
        expect(oracle.log).not.toMatch(/\bGET https?:/);
        expect(mine, oracle.why).toBeInstanceOf(InvalidReferenceError);
        return;
      }
      expect(mine, oracle.log).not.toBeInstanceOf(InvalidReferenceError);
      const ref = mine as Reference;
      if (oracle.kind === "tag-and-digest") {
        // The grammar allows both; containers/image's transport refuses the pair, we keep both.
        expect(ref.tag && ref.digest).toBeTruthy();
        return;
      }
      expect(formatReference(ref)).toBe(oracle.name);
      expect(ref).toEqual({ tag: undefined, digest: undefined, ...splitCanonical(oracle.name) });
      expect(oracle.endpoint).toBe(ref.registry === "docker.io" ? "registry-1.docker.io" : ref.registry);
    });
  }

  it("every exception is still in the table", () => {
    const inputs = new Set(REFERENCE_STRINGS.map(([s]) => s));
    for (const k of Object.keys(EXCEPTIONS)) expect(inputs.has(k), k).toBe(true);
  });
});
