// `engines.node` is a promise: every Node version it allows must be one that every installed package
// (dependencies of dependencies included, dev tools included) declares support for, so `npm install`
// never prints EBADENGINE on a supported version. Raising a dependency that drops a Node line fails here.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import semver from "semver";
import { describe, expect, it } from "vitest";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

function installedPackages(dir: string, found: Array<{ name: string; node: string }> = []): Array<{ name: string; node: string }> {
  if (!existsSync(dir)) return found;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith(".")) continue;
    const full = path.join(dir, entry.name);
    if (entry.name.startsWith("@")) {
      installedPackages(full, found);
      continue;
    }
    const manifest = path.join(full, "package.json");
    if (existsSync(manifest)) {
      try {
        const json = JSON.parse(readFileSync(manifest, "utf8")) as { name?: string; version?: string; engines?: { node?: string } };
        if (json.engines?.node) found.push({ name: `${json.name}@${json.version}`, node: json.engines.node });
      } catch {
        // not a package manifest (fixtures inside packages)
      }
    }
    installedPackages(path.join(full, "node_modules"), found);
  }
  return found;
}

describe("engines.node", () => {
  const ours = (JSON.parse(readFileSync(path.join(REPO, "package.json"), "utf8")) as { engines: { node: string } }).engines.node;

  it("allows only Node versions that every installed package supports", () => {
    const packages = installedPackages(path.join(REPO, "node_modules"));
    expect(packages.length).toBeGreaterThan(100);
    const narrower = packages.filter((pkg) => !semver.subset(ours, pkg.node)).map((pkg) => `${pkg.name} wants node ${pkg.node}`);
    expect(narrower, `engines.node "${ours}" allows versions these do not`).toEqual([]);
  });
});
