/// <reference types="vitest/config" />
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import vue from "@vitejs/plugin-vue";
import { defineConfig, type Plugin } from "vite";

/** A gzip twin of each script and stylesheet, which Flask sends to browsers that take gzip (eoffice/web.py). */
function gzipTwins(): Plugin {
  return {
    name: "eoffice-gzip-twins",
    apply: "build",
    // Once written: the code is final then (Vite fills in its preload lists in generateBundle).
    writeBundle(options, bundle) {
      for (const [name, output] of Object.entries(bundle)) {
        if (!/\.(m?js|css|svg)$/.test(name)) continue;
        const source = Buffer.from(output.type === "chunk" ? output.code : output.source);
        const zipped = gzipSync(source, { level: 9 });
        if (zipped.length < source.length) writeFileSync(join(options.dir ?? "dist", `${name}.gz`), zipped);
      }
    },
  };
}

// The built files are served by Flask (eoffice/web.py); `npm run dev` proxies the API to `make run`.
export default defineConfig({
  plugins: [vue(), gzipTwins()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    assetsDir: "assets",
    // Budget: route chunks stay small; pdf.js lives in its own chunks.
    chunkSizeWarningLimit: 600,
  },
  server: {
    proxy: {
      "/api": "http://127.0.0.1:8000",
      "/socket.io": { target: "http://127.0.0.1:8000", ws: true },
    },
  },
  test: {
    include: ["tests/**/*.test.ts"],
    environment: "node",
  },
});
