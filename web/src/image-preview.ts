// Which files the viewer shows as a picture, and how: png, jpeg, gif and webp by their magic
// bytes, svg by its name and an <svg root in its first bytes. The picture is an <img> of a Blob
// typed with the format's media type: an SVG drawn through <img> runs no script and loads
// nothing (HTML spec, "images as documents": scripting disabled), so a hostile SVG in an image
// is never put inline in the page. Files over MAX_PREVIEW_BYTES show their hex dump instead.

/** Largest file drawn as a picture (the whole file is read). */
export const MAX_PREVIEW_BYTES = 32 << 20;

const startsWith = (b: Uint8Array, sig: number[], at = 0) => sig.every((x, i) => b[at + i] === x);

/** The picture format of a file, from its first bytes (and name, for svg); undefined when none. */
export function imageTypeOf(path: string, head: Uint8Array): string | undefined {
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return "image/png";
  if (startsWith(head, [0xff, 0xd8, 0xff])) return "image/jpeg";
  if (startsWith(head, [0x47, 0x49, 0x46, 0x38]) && (head[4] === 0x37 || head[4] === 0x39) && head[5] === 0x61) return "image/gif";
  if (startsWith(head, [0x52, 0x49, 0x46, 0x46]) && startsWith(head, [0x57, 0x45, 0x42, 0x50], 8)) return "image/webp";
  if (/\.svgz?$/i.test(path)) {
    const text = new TextDecoder().decode(head.subarray(0, 4096));
    if (/<svg[\s>]/i.test(text)) return "image/svg+xml";
  }
  return undefined;
}

/** An <img> of `bytes` as `type`; the object URL is revoked once the image loaded or failed. */
export function imageElement(bytes: Blob, type: string, alt: string): HTMLImageElement {
  const url = URL.createObjectURL(bytes.slice(0, bytes.size, type));
  const img = document.createElement("img");
  img.className = "preview";
  img.alt = alt;
  img.dataset.testid = "image-preview";
  img.dataset.type = type;
  const done = (state: string) => () => {
    img.dataset.state = state;
    URL.revokeObjectURL(url);
  };
  img.addEventListener("load", done("loaded"), { once: true });
  img.addEventListener("error", done("failed"), { once: true });
  img.src = url;
  return img;
}
