// The registries.conf reader on its own: which files, which rule wins, what is tolerated and
// what is refused. The machine's own files (Debian's skopeo installs some) must read cleanly.
import { existsSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  RegistriesConfError,
  insecureRulesOf,
  isInsecure,
  loadInsecureRules,
  registriesConfFiles,
} from "../../src/node/registries-conf.js";

const tmp = mkdtempSync(path.join(tmpdir(), "layerlens-regconf-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("registries.conf", () => {
  it("reads [[registry]] entries among everything else the format holds", () => {
    const rules = insecureRulesOf(
      [
        "# comment",
        'unqualified-search-registries = ["docker.io", "quay.io"]',
        'short-name-mode = "enforcing"',
        "[[registry]]",
        'location = "reg.example:5000" # trailing comment',
        "insecure = true",
        "blocked = false",
        "[[registry.mirror]]",
        'location = "mirror.example"',
        "insecure = false",
        "[[registry]]",
        "prefix = 'reg.example:5000/secure'",
        'location = "reg.example:5000"',
        "insecure = false",
        "[aliases]",
        '"fedora" = "registry.fedoraproject.org/fedora"',
        "[registries.insecure]",
        "registries = [",
        '  "old.example",  # v1 form',
        "]",
      ].join("\n"),
      "test.conf",
    );
    expect(rules.map(({ prefix, insecure }) => ({ prefix, insecure }))).toEqual([
      { prefix: "reg.example:5000", insecure: true },
      { prefix: "reg.example:5000/secure", insecure: false },
      { prefix: "old.example", insecure: true },
    ]);
    expect(isInsecure(rules, "reg.example:5000", "team/app")).toBe(true);
    expect(isInsecure(rules, "reg.example:5000", "secure/app")).toBe(false); // the longer prefix wins
    expect(isInsecure(rules, "reg.example:50000", "app")).toBeUndefined(); // a prefix ends at a path boundary
    expect(isInsecure(rules, "old.example", "x")).toBe(true);
    expect(isInsecure(rules, "mirror.example", "x")).toBeUndefined(); // mirrors are not registries
  });

  it("wildcard prefixes match subdomains only; a later file's rule replaces an earlier one", () => {
    const a = insecureRulesOf('[[registry]]\nprefix = "*.internal"\ninsecure = true\n', "a.conf");
    const b = insecureRulesOf('[[registry]]\nlocation = "x.internal"\ninsecure = false\n', "b.conf");
    expect(isInsecure(a, "x.internal:5000", "r")).toBe(true);
    expect(isInsecure(a, "internal", "r")).toBeUndefined();
    expect(isInsecure([...a, ...b], "x.internal", "r")).toBe(false);
    const again = insecureRulesOf('[[registry]]\nlocation = "x.internal"\ninsecure = true\n', "c.conf");
    expect(isInsecure([...b, ...again], "x.internal", "r")).toBe(true);
  });

  const BAD: [string, string, number][] = [
    ["a value that is not TOML", "[[registry]]\nlocation = reg.example\n", 2],
    ["insecure not a boolean", '[[registry]]\nlocation = "r"\ninsecure = "true"\n', 1],
    ["a registry without location", "[[registry]]\ninsecure = true\n", 1],
    ["an unclosed string", '[[registry]]\nlocation = "r\n', 2],
    ["an unclosed array", 'x = ["a",\n', 1],
    ["a line that is neither key nor table", "[[registry]]\njust words\n", 2],
    ["unbalanced table brackets", "[[registry]\n", 1],
    ["v1 registries not strings", "[registries.insecure]\nregistries = [1]\n", 0],
  ];
  for (const [what, text, line] of BAD) {
    it(`refuses ${what} with the file and line`, () => {
      const err = (() => {
        try {
          insecureRulesOf(text, "bad.conf");
        } catch (e) {
          return e;
        }
      })() as RegistriesConfError;
      expect(err).toBeInstanceOf(RegistriesConfError);
      expect(err.code).toBe("REGISTRIES_CONF");
      expect({ file: err.file, line: err.line }).toEqual({ file: "bad.conf", line });
      expect(err.message).toMatch(new RegExp(`^bad\\.conf:${line}: `));
    });
  }

  it("looks where skopeo looks: the env override alone, else the user's or the system file, then drop-ins", () => {
    expect(registriesConfFiles({ CONTAINERS_REGISTRIES_CONF: "/x/y.conf", HOME: tmp })).toEqual(["/x/y.conf"]);
    const home = path.join(tmp, "home");
    mkdirSync(path.join(home, ".config/containers/registries.conf.d"), { recursive: true });
    writeFileSync(path.join(home, ".config/containers/registries.conf.d/20-b.conf"), "");
    writeFileSync(path.join(home, ".config/containers/registries.conf.d/10-a.conf"), "");
    writeFileSync(path.join(home, ".config/containers/registries.conf.d/ignored.txt"), "");
    const files = registriesConfFiles({ HOME: home });
    expect(files[0]).toBe("/etc/containers/registries.conf");
    expect(files.slice(-2)).toEqual([
      path.join(home, ".config/containers/registries.conf.d/10-a.conf"),
      path.join(home, ".config/containers/registries.conf.d/20-b.conf"),
    ]);
    writeFileSync(path.join(home, ".config/containers/registries.conf"), "");
    expect(registriesConfFiles({ HOME: home })[0]).toBe(path.join(home, ".config/containers/registries.conf"));
    expect(loadInsecureRules([path.join(tmp, "missing.conf")])).toEqual([]);
  });

  it.runIf(existsSync("/etc/containers/registries.conf"))("reads this machine's own registries.conf files", () => {
    expect(() => loadInsecureRules(registriesConfFiles({ HOME: tmp }))).not.toThrow();
  });
});
