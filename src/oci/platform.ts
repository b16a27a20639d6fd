// Platforms: parse "os/arch[/variant]", normalise the aliases registries use, and pick the
// manifest an index offers for a wanted platform. Matching follows containerd's platforms
// package in spirit: arm64 without a variant means v8, arm without one means v7, and a
// wanted platform without a variant accepts any variant of the same os/arch.
// Spec: https://github.com/opencontainers/image-spec/blob/main/image-index.md#platform-variants

import { InvalidReferenceError } from "../errors.js";
import type { Descriptor, Platform } from "./types.js";

const ARCH_ALIASES: Record<string, string> = { x86_64: "amd64", "x86-64": "amd64", aarch64: "arm64", armhf: "arm", i386: "386" };
const DEFAULT_VARIANT: Record<string, string> = { arm64: "v8", arm: "v7" };

/** Parse "linux/arm64/v8" (os/arch[/variant]). */
export function parsePlatform(input: string): Platform {
  const parts = input.split("/");
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => !/^[A-Za-z0-9_.-]+$/.test(p))) {
    throw new InvalidReferenceError(input, "a platform is os/arch[/variant], e.g. linux/arm64/v8");
  }
  const [os, architecture, variant] = parts;
  return variant ? { os, architecture, variant } : { os, architecture };
}

/** "linux/arm64/v8" */
export function formatPlatform(p: Platform): string {
  return `${p.os}/${p.architecture}${p.variant ? "/" + p.variant : ""}`;
}

/** The platform with aliases resolved and the implied variant filled in. */
export function normalizePlatform(p: Platform): Platform {
  const architecture = ARCH_ALIASES[p.architecture] ?? p.architecture;
  const variant = p.variant ?? DEFAULT_VARIANT[architecture];
  return { ...p, os: p.os.toLowerCase(), architecture, ...(variant ? { variant } : {}) };
}

/** True when an index entry for `have` can serve a request for `want`. */
export function platformMatches(want: Platform, have: Platform): boolean {
  const w = normalizePlatform(want);
  const h = normalizePlatform(have);
  if (w.os !== h.os || w.architecture !== h.architecture) return false;
  if (want.variant === undefined) return true;
  return w.variant === h.variant;
}

/** The platform this process runs on, in OCI terms (linux/amd64 when unknown). */
export function hostPlatform(): Platform {
  const proc = (globalThis as { process?: { platform?: string; arch?: string } }).process;
  const os = proc?.platform === "win32" ? "windows" : (proc?.platform ?? "linux");
  const arch =
    { x64: "amd64", ia32: "386", arm64: "arm64", arm: "arm", ppc64: "ppc64le", s390x: "s390x", riscv64: "riscv64" }[proc?.arch ?? "x64"] ??
    "amd64";
  return normalizePlatform({ os: os === "darwin" ? "linux" : os, architecture: arch });
}

/**
 * The entry of `manifests` for `want`: the first exact match (variant included), else the
 * first os/arch match. Entries without a platform never match a wanted platform.
 */
export function selectPlatform(manifests: readonly Descriptor[], want: Platform): Descriptor | undefined {
  const candidates = manifests.filter((d) => d.platform && platformMatches(want, d.platform));
  const exact = candidates.find((d) => normalizePlatform(d.platform as Platform).variant === normalizePlatform(want).variant);
  return exact ?? candidates[0];
}

/** The platform an image config declares (os, architecture, variant). */
export function platformOfConfig(config: { os?: string; architecture?: string; variant?: string }): Platform {
  const p: Platform = { os: config.os ?? "", architecture: config.architecture ?? "" };
  return config.variant ? { ...p, variant: config.variant } : p;
}
