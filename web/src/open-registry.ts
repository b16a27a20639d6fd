// A registry image in the page, read through the service the page was served from
// (`layerlens serve`): its /v2/HOST/NAME/… pass-through speaks to registries that send no CORS
// headers and does their token dance, so the page's own RegistrySource reads it like any other
// registry, and still verifies every byte it shows (the service is not trusted with that).
// `#ref=ghcr.io/owner/image:tag` in the page's address opens that image.
// Blobs read this way are kept in the browser's persistent blob store (the origin private file
// system, src/sources/stores/opfs-store.ts) once verified, so a second look at the image, in
// this tab or a later one, asks the service for no blob; the page verifies what comes from
// there as it verifies everything.

import { CachedSource, type ImageSource, RegistrySource, formatReference, parseReference, platformBlobStore } from "../../src/browser.js";

/** The reference in the page's #ref= fragment, if there is one. */
export function refFromHash(hash: string): string | undefined {
  const params = new URLSearchParams(hash.replace(/^#/, ""));
  return params.get("ref")?.trim() || undefined;
}

/** An ImageSource for `ref` read through the service at `service` (the page's own origin). */
export function openRegistryRef(ref: string, service: URL = new URL(location.href)): ImageSource {
  const image = parseReference(ref.replace(/^docker:\/\//, ""));
  // The service's name for a registry's repository is "HOST/NAME" under its own origin.
  const through = new RegistrySource(
    { ...image, registry: service.host, repository: `${image.registry}/${image.repository}` },
    { protocol: service.protocol === "https:" ? "https" : "http", cache: false },
  );
  const name = `docker://${formatReference(image)}`;
  const source: ImageSource = {
    name,
    root: () => through.root(),
    openBlob: (desc, range) => through.openBlob(desc, range),
    referrers: (subject, artifactType) => through.referrers(subject, artifactType),
    close: () => through.close?.() ?? Promise.resolve(),
  };
  const store = platformBlobStore();
  return store ? new CachedSource(source, store, { rootDigest: image.digest }) : source;
}
