// The inspector app: `vite web` serves it, `vite build web` writes web/dist. The library is
// imported from src/ (not the package), so the .wasm in build/ is what `npm run asbuild` made;
// Vite copies it as an asset because src/browser.ts names it with new URL(…, import.meta.url).

import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const here = fileURLToPath(new URL(".", import.meta.url));

export default defineConfig({
  root: here,
  base: "./",
  build: {
    outDir: fileURLToPath(new URL("./dist", import.meta.url)),
    emptyOutDir: true,
    target: "es2022",
    // The core must arrive over HTTP as application/wasm (compileStreaming), not inlined.
    assetsInlineLimit: 0,
  },
  server: { fs: { allow: [fileURLToPath(new URL("..", import.meta.url))] } },
});
