/// <reference types="vitest/config" />
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
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

/**
 * The service worker's list of the app shell: every built file (the public ones too), and a version from
 * their contents, written into dist/sw.js once the whole build is out (public/ copied, gzip twins made).
 */
function offlineShell(): Plugin {
  let outDir = "dist";
  return {
    name: "eoffice-offline-shell",
    apply: "build",
    configResolved(config) {
      outDir = resolve(config.root, config.build.outDir);
    },
    closeBundle() {
      const files: string[] = [];
      const walk = (folder: string) => {
        for (const entry of readdirSync(folder, { withFileTypes: true })) {
          const path = join(folder, entry.name);
          if (entry.isDirectory()) walk(path);
          else files.push(relative(outDir, path).split("\\").join("/"));
        }
      };
      walk(outDir);
      const shell = files.filter((name) => !name.endsWith(".gz") && name !== "sw.js" && name !== "index.html").sort();
      const hash = createHash("sha256");
      for (const name of [...shell, "index.html"]) hash.update(name).update(readFileSync(join(outDir, name)));
      const build = { version: hash.digest("hex").slice(0, 16), files: shell.map((name) => `/${name}`) };
      const worker = join(outDir, "sw.js");
      const source = readFileSync(worker, "utf-8");
      const placeholder = 'const BUILD = { version: "dev", files: [] };';
      if (!source.includes(placeholder)) throw new Error("public/sw.js lost its BUILD placeholder");
      writeFileSync(worker, source.replace(placeholder, `const BUILD = ${JSON.stringify(build)};`));
    },
  };
}

// The built files are served by Flask (eoffice/web.py); `npm run dev` proxies the API to `make run`.
export default defineConfig({
  plugins: [vue(), gzipTwins(), offlineShell()],
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
