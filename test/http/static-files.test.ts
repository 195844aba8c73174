// The wallboard's files: index at `/`, hashed assets cached for good, nothing outside the folder,
// other paths left to the next route, and a clear 503 when the app is not built.
import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { serveStatic } from "../../src/http/static-files.ts";

let server: Server;
let base: string;
let root: string;
let unbuilt: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "aa-web-"));
  unbuilt = mkdtempSync(join(tmpdir(), "aa-web-empty-"));
  mkdirSync(join(root, "assets"));
  writeFileSync(join(root, "index.html"), "<!doctype html><div id=root></div>");
  writeFileSync(join(root, "assets/index-abc123.js"), "export {};");
  writeFileSync(join(tmpdir(), "secret.txt"), "no");
  server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const folder = url.searchParams.has("unbuilt") ? unbuilt : root;
    void serveStatic(folder, url.pathname, res, req.method ?? "GET").then((served) => served || res.writeHead(404).end("next route"));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

it("serves index.html at / (never cached, with a CSP) and assets for good", async () => {
  const index = await fetch(`${base}/`);
  expect(index.status).toBe(200);
  expect(index.headers.get("content-type")).toMatch(/text\/html/);
  expect(index.headers.get("cache-control")).toBe("no-cache");
  expect(index.headers.get("content-security-policy")).toMatch(/default-src 'self'/);
  const asset = await fetch(`${base}/assets/index-abc123.js`);
  expect(asset.headers.get("content-type")).toMatch(/text\/javascript/);
  expect(asset.headers.get("cache-control")).toMatch(/immutable/);
});

it("leaves other paths to the next route and never leaves the folder", async () => {
  for (const path of ["/graphql", "/api/ami/status", "/assets/missing.js", "/assets/..%2f..%2fsecret.txt", "/secret.txt"]) {
    const res = await fetch(`${base}${path}`);
    expect(await res.text(), path).toBe("next route");
  }
  // Raw paths a client does not normalise (fetch would): refused before any file is opened.
  for (const path of ["/assets/..", "/assets/../../secret.txt", "/../secret.txt"]) {
    expect(await serveStatic(root, path, {} as ServerResponse, "GET"), path).toBe(false);
  }
});

it("says how to build the app when it is not built", async () => {
  const res = await fetch(`${base}/?unbuilt`);
  expect(res.status).toBe(503);
  expect(await res.text()).toMatch(/npm run build:web/);
});
