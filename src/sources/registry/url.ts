// URLs as they may appear in errors and logs: no user:password, no signed-URL secrets
// (blob redirects often point at pre-signed storage URLs whose query is a credential).

const SECRET_PARAM = /sig|signature|token|credential|key|secret|auth|policy/i;

export function redactUrl(url: URL | string): string {
  let u: URL;
  try {
    u = new URL(String(url));
  } catch {
    return "<unparsable URL>";
  }
  u.username = "";
  u.password = "";
  for (const name of [...u.searchParams.keys()]) {
    if (SECRET_PARAM.test(name)) u.searchParams.set(name, "REDACTED");
  }
  return u.toString();
}
