// WWW-Authenticate parsing: one header may carry several challenges, each a scheme followed by
// auth-params (name=token or name="quoted string", comma-separated). Registries send e.g.
//   Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull"
// A scope value holds spaces (several scopes), so quoted strings are read with their escapes.
// Spec: https://www.rfc-editor.org/rfc/rfc9110#name-www-authenticate
//       https://distribution.github.io/distribution/spec/auth/token/

import { RegistryError } from "../../errors.js";

export interface Challenge {
  /** Lower-cased: "bearer", "basic", ... */
  scheme: string;
  /** Parameter names lower-cased, values as sent (unquoted). */
  params: Record<string, string>;
}

const TOKEN = /[!#$%&'*+\-.^_`|~0-9A-Za-z]+/y;

export function parseChallenges(header: string | null | undefined): Challenge[] {
  const out: Challenge[] = [];
  if (!header) return out;
  let i = 0;
  const readToken = (): string => {
    TOKEN.lastIndex = i;
    const m = TOKEN.exec(header);
    if (!m) return "";
    i += m[0].length;
    return m[0];
  };
  const skip = (chars: RegExp): void => {
    while (i < header.length && chars.test(header[i])) i++;
  };

  while (i < header.length) {
    skip(/[\s,]/);
    const scheme = readToken();
    if (!scheme) {
      i++;
      continue;
    }
    const challenge: Challenge = { scheme: scheme.toLowerCase(), params: {} };
    out.push(challenge);
    for (;;) {
      skip(/[\s,]/);
      const start = i;
      const name = readToken();
      skip(/[ \t]/);
      // A token not followed by "=" starts the next challenge.
      if (!name || header[i] !== "=") {
        i = start;
        break;
      }
      i++;
      skip(/[ \t]/);
      challenge.params[name.toLowerCase()] = header[i] === '"' ? readQuoted() : readToken();
    }
  }
  return out;

  function readQuoted(): string {
    let value = "";
    for (i++; i < header!.length; i++) {
      const c = header![i];
      if (c === "\\" && i + 1 < header!.length) value += header![++i];
      else if (c === '"') {
        i++;
        break;
      } else value += c;
    }
    return value;
  }
}

/**
 * A bearer challenge's realm as the URL to ask for a token: absolute http(s) only, so a
 * registry cannot point us at data:, file: or a relative path. `from` is the (redacted)
 * registry URL whose 401 named it, for the RegistryError.
 */
export function tokenRealm(realm: string | undefined, status: number, from: string): URL {
  const shown = JSON.stringify(realm === undefined ? "" : realm.length > 200 ? realm.slice(0, 200) + "…" : realm);
  let url: URL;
  try {
    url = new URL(realm ?? "");
  } catch {
    throw new RegistryError(`the registry's bearer challenge names a token realm that is not a URL: ${shown}`, status, from, false);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new RegistryError(`the registry's bearer challenge names a token realm that is not http(s): ${shown}`, status, from, false);
  }
  return url;
}
