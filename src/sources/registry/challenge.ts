// WWW-Authenticate parsing: one header may carry several challenges, each a scheme followed by
// auth-params (name=token or name="quoted string", comma-separated). Registries send e.g.
//   Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull"
// A scope value holds spaces (several scopes), so quoted strings are read with their escapes.
// Spec: https://www.rfc-editor.org/rfc/rfc9110#name-www-authenticate
//       https://distribution.github.io/distribution/spec/auth/token/

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
