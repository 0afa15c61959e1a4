#!/usr/bin/env node
// Builds the React app (web/) into web/dist with Vite. `--if-stale` builds only when web/dist is
// missing or older than the sources (what `npm start` runs first). Importable: buildWeb(), isStale().
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, URL } from "node:url";

export const webRoot = fileURLToPath(new URL("../web/", import.meta.url));
export const distDir = join(webRoot, "dist");

function newestSource(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce((newest, name) => Math.max(newest, newestSource(join(path, name))), 0);
}

/** True when web/dist/index.html is missing or older than anything under web/src, web/public or web/index.html. */
export function isStale() {
  const built = join(distDir, "index.html");
  if (!existsSync(built)) return true;
  const sources = ["src", "public", "index.html"].map((p) => join(webRoot, p)).filter((p) => existsSync(p));
  return Math.max(...sources.map(newestSource)) > statSync(built).mtimeMs;
}

export async function buildWeb({ quiet = false } = {}) {
  // React's production build: vitest sets NODE_ENV=test, which Vite would otherwise carry over.
  process.env.NODE_ENV = "production";
  const { build } = await import("vite");
  await build({
    configFile: false,
    root: webRoot,
    base: "/",
    mode: "production",
    logLevel: quiet ? "warn" : "info",
    oxc: { jsx: { runtime: "automatic" } },
    build: {
      outDir: distDir,
      emptyOutDir: true,
      target: "es2022",
      assetsDir: "assets",
      modulePreload: { polyfill: false },
      sourcemap: false,
      reportCompressedSize: false,
    },
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const ifStale = process.argv.includes("--if-stale");
  if (ifStale && !isStale()) {
    console.log("web/dist is up to date");
  } else {
    await buildWeb();
  }
}
