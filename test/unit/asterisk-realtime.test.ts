// Settings of the realtime mode, how the layout is chosen, and the CallerID display name.
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.ts";
import { callerIdName, chooseLayout } from "../../src/store/asterisk-realtime.ts";

const problemsOf = (env: Record<string, string>): string[] => {
  try {
    loadConfig(env);
  } catch (error) {
    return (error as ConfigError).problems;
  }
  return [];
};

describe("realtime settings", () => {
  it("default to auto-detection, Asterisk's tables in public and the service's in agent_availability", () => {
    expect(loadConfig({}).db.realtime).toEqual({ mode: "auto", asteriskSchema: "public", serviceSchema: "agent_availability" });
    expect(loadConfig({ DATABASE_URL: "postgresql://crm@db/pbx", PJSIP_REALTIME: "on", PJSIP_REALTIME_SCHEMA: "asterisk", PJSIP_REALTIME_SERVICE_SCHEMA: "crm_state" }).db.realtime).toEqual({
      mode: "on",
      asteriskSchema: "asterisk",
      serviceSchema: "crm_state",
    });
  });

  it("refuse a bad mode, a schema name that is not a plain identifier, the same schema twice, and on with an embedded database", () => {
    expect(problemsOf({ PJSIP_REALTIME: "yes" })).toEqual([expect.stringMatching(/^PJSIP_REALTIME="yes": Invalid option: expected one of "auto"\|"on"\|"off"/)]);
    expect(problemsOf({ PJSIP_REALTIME_SCHEMA: 'public"; DROP TABLE x; --' })[0]).toMatch(/^PJSIP_REALTIME_SCHEMA=.*must be a plain lower-case SQL identifier/);
    expect(problemsOf({ PJSIP_REALTIME_SERVICE_SCHEMA: "Agent" })[0]).toMatch(/^PJSIP_REALTIME_SERVICE_SCHEMA=.*must be a plain lower-case SQL identifier/);
    expect(problemsOf({ PJSIP_REALTIME_SERVICE_SCHEMA: "public" })).toEqual([expect.stringMatching(/must differ from PJSIP_REALTIME_SCHEMA/)]);
    expect(problemsOf({ PJSIP_REALTIME: "on" })).toEqual([expect.stringMatching(/^PJSIP_REALTIME=on: needs DATABASE_URL=postgresql:\/\//)]);
    expect(problemsOf({ PJSIP_REALTIME: "on", DATABASE_URL: "memory:" })).toHaveLength(1);
  });
});

describe("chooseLayout", () => {
  const settings = { mode: "auto", asteriskSchema: "public", serviceSchema: "agent_availability" } as const;
  const both = { contacts: true, endpoints: true };
  const none = { contacts: false, endpoints: false };

  it("auto: realtime with Asterisk's tables, standalone without", () => {
    expect(chooseLayout(settings, both, "db")).toEqual({ kind: "asterisk-realtime", asteriskSchema: "public", serviceSchema: "agent_availability" });
    expect(chooseLayout(settings, none, "db")).toEqual({ kind: "standalone" });
  });

  it("half of Asterisk's tables, on without them, off with them: clear errors", () => {
    expect(() => chooseLayout(settings, { contacts: true, endpoints: false }, "db")).toThrow(/schema public has no Asterisk ps_endpoints/);
    expect(() => chooseLayout({ ...settings, mode: "on" }, none, "db")).toThrow(/PJSIP_REALTIME=on but schema public has no Asterisk ps_contacts and ps_endpoints/);
    expect(() => chooseLayout({ ...settings, mode: "off" }, both, "db")).toThrow(/PJSIP_REALTIME=off/);
    expect(chooseLayout({ ...settings, mode: "off" }, none, "db")).toEqual({ kind: "standalone" });
  });
});

describe("the CallerID display name", () => {
  it.each([
    ['"Eria Motto" <1010>', "Eria Motto"],
    ["Eria Motto <1010>", "Eria Motto"],
    ['"Lab 1000" <1000>', "Lab 1000"],
    ["  Reception  ", "Reception"],
    ["<1010>", null],
    ['"" <1010>', null],
    ["1010", null],
    ["", null],
    [null, null],
  ])("callerid %j names the agent %j", (callerid, name) => {
    expect(callerIdName(callerid)).toBe(name);
  });
});
