// test/fixtures/asterisk-realtime/realtime-schema.sql is a copy of the lab's Asterisk 22 realtime DDL
// (../shared/asterisk-lab/conf/realtime-schema.sql), so the migration tests need no ../shared; where that
// folder exists, the copy must stay byte-identical.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const LOCAL = path.join(import.meta.dirname, "../fixtures/asterisk-realtime/realtime-schema.sql");
const SHARED = path.join(import.meta.dirname, "../../../shared/asterisk-lab/conf/realtime-schema.sql");

describe("Asterisk realtime DDL fixture", () => {
  it("is in the repository with Asterisk's four PJSIP tables", () => {
    const ddl = readFileSync(LOCAL, "utf8");
    for (const table of ["ps_endpoints", "ps_aors", "ps_auths", "ps_contacts"]) expect(ddl).toContain(`CREATE TABLE IF NOT EXISTS ${table} (`);
  });

  it.skipIf(!existsSync(SHARED))("is byte-identical to ../shared/asterisk-lab/conf/realtime-schema.sql", () => {
    expect(readFileSync(LOCAL).equals(readFileSync(SHARED)), "copy it again: cp ../shared/asterisk-lab/conf/realtime-schema.sql test/fixtures/asterisk-realtime/").toBe(true);
  });
});
