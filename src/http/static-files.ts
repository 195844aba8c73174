// The wallboard: the web app built by Vite (npm run build:web) into dist/web, served at `/`.
// Only files inside that folder; hashed assets are cached for good, index.html never.
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import type { ServerResponse } from "node:http";
import { extname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";

export const WEB_DIST_DIR = fileURLToPath(new URL("../../dist/web", import.meta.url));

const TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json; charset=utf-8",
  ".webmanifest": "application/manifest+json",
};

const PAGE_HEADERS = {
  "content-security-policy":
    "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
};

/** Serves `path` from `root` when it is one of the app's files; false when it is not (another route). */
export async function serveStatic(root: string, path: string, res: ServerResponse, method: string): Promise<boolean> {
  const relative = path === "/" || path === "/index.html" ? "index.html" : path.slice(1);
  if (relative !== "index.html" && !/^(assets\/[\w.-]+|[\w-]+\.(svg|png|ico|webmanifest))$/.test(relative)) return false;
  const file = normalize(join(root, relative));
  if (!file.startsWith(root + sep)) return false;
  const info = await stat(file).catch(() => null);
  if (!info?.isFile()) {
    if (relative !== "index.html") return false;
    res.writeHead(503, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" });
    res.end("The wallboard is not built. Run `npm run build:web` (npm install does it), then reload.\nGraphQL: /graphql, GraphiQL: /graphiql\n");
    return true;
  }
  const immutable = relative.startsWith("assets/");
  res.writeHead(200, {
    "content-type": TYPES[extname(file)] ?? "application/octet-stream",
    "content-length": String(info.size),
    "cache-control": immutable ? "public, max-age=31536000, immutable" : "no-cache",
    ...PAGE_HEADERS,
  });
  if (method === "HEAD") res.end();
  else createReadStream(file).pipe(res);
  return true;
}
