// The captures in test/fixtures/ami-captures are copies of the team's reference captures
// (../shared/ami-captures, raw bytes from a real Asterisk 22). The repository carries them so that a
// fresh clone tests without that folder; where the folder exists, the copies must stay byte-identical.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { CAPTURES_DIR, SHARED_CAPTURES_DIR, listCaptures } from "../helpers/ami-frames.ts";

const sharedPresent = existsSync(SHARED_CAPTURES_DIR);

describe("AMI capture fixtures", () => {
  it("are in the repository: each capture with its client side and timeline", () => {
    const names = listCaptures();
    expect(names.length).toBeGreaterThan(0);
    const files = new Set(readdirSync(CAPTURES_DIR));
    for (const name of names) {
      expect(files.has(`${name}.client.ami`), `${name}.client.ami`).toBe(true);
      expect(files.has(`${name}.timeline.txt`), `${name}.timeline.txt`).toBe(true);
    }
    expect(files.has("README.md") && files.has("FIELDS.txt")).toBe(true);
  });

  it.skipIf(!sharedPresent)("are byte-identical to ../shared/ami-captures, with no file missing or extra", () => {
    const shared = readdirSync(SHARED_CAPTURES_DIR).sort();
    const local = readdirSync(CAPTURES_DIR).sort();
    expect(local).toEqual(shared);
    const differing = shared.filter((file) => !readFileSync(path.join(SHARED_CAPTURES_DIR, file)).equals(readFileSync(path.join(CAPTURES_DIR, file))));
    expect(differing, "copy them again with: cp ../shared/ami-captures/* test/fixtures/ami-captures/").toEqual([]);
  });
});
