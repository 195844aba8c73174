// The simulator CLI's and the demo's options for the call-centre layer: queues with their wrap-up,
// members spread over them, hint layout and the AMI user's classes; mistakes are usage errors.
import { describe, expect, it } from "vitest";
import { DEFAULT_QUEUES, parseSimulatorArgs, UsageError } from "../../src/simulator/cli-args.ts";

const DEFAULTS = { port: 5038, rate: 5 };

describe("simulator command line", () => {
  it("defaults to the demo's queues, every agent in the first, every second one also in the second", () => {
    const { options } = parseSimulatorArgs(["--agents", "4", "--first", "2100"], DEFAULTS);
    expect(DEFAULT_QUEUES).toBe("support:10,sales:10");
    expect(options.queues).toEqual([
      { name: "support", wrapupSeconds: 10 },
      { name: "sales", wrapupSeconds: 10 },
    ]);
    expect(options.queueMembers).toEqual({ support: ["2100", "2101", "2102", "2103"], sales: ["2100", "2102"] });
    expect(options).toMatchObject({ hintLayout: "freepbx", readClasses: undefined, writeClasses: undefined });
  });

  it("takes queues, hint layout, activity share and AMI classes", () => {
    const { options } = parseSimulatorArgs(["--queues", "billing:30", "--hints", "device", "--agent-activity", "0.5", "--ami-read", "system,call", "--ami-write", "System,Call"], DEFAULTS);
    expect(options).toMatchObject({ queues: [{ name: "billing", wrapupSeconds: 30 }], hintLayout: "device", agentActivityShare: 0.5, readClasses: ["system", "call"], writeClasses: ["system", "call"] });
    expect(parseSimulatorArgs(["--queues", "none"], DEFAULTS).options).toMatchObject({ queues: [], queueMembers: {} });
  });

  it("refuses what it cannot mean", () => {
    for (const argv of [["--queues", "support:soon"], ["--queues", "a b:5"], ["--hints", "sip"], ["--agent-activity", "2"], ["--ami-read", "system,everything"]]) {
      expect(() => parseSimulatorArgs(argv, DEFAULTS), argv.join(" ")).toThrow(UsageError);
    }
  });
});
