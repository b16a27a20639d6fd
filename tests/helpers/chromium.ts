// How every browser suite launches Debian's Chromium: headless, no sandbox (root in CI), no GPU,
// and none of the background traffic (updates, sync, QUIC probes) a fresh profile would start,
// so a test page talks only to the loopback servers the test started.

export const CHROMIUM = "/usr/bin/chromium";

export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
