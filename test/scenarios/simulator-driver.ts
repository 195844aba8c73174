// PbxDriver for the AMI simulator (src/simulator), so the shared scenarios run against it exactly as
// against the real Asterisk. Starts with every extension unregistered, like a freshly started lab.
import { startSimulator, type Simulator, type SimulatorOptions } from "../../src/simulator/simulator.ts";
import type { AmiSettings, PbxAgentLayers, PbxContact, PbxDriver, PbxEndpoint, PbxHint, PbxPresenceState, PbxQueueMember } from "./pbx-driver.ts";
import { eventually } from "./eventually.ts";

const USERNAME = "crm";
const SECRET = "crmsecret";

/** The lab's agent layers (asterisk-lab): FreePBX hints, queues support (2000) and sales (2001) with wrapuptime 5 s,
 * the AMI user's read and write classes system,call,agent. Pass to start() for the agent-layer scenarios. */
export const LAB_AGENT_LAYERS: Readonly<Partial<SimulatorOptions>> = {
  hintLayout: "freepbx",
  queues: [
    { name: "support", wrapupSeconds: 5, extension: "2000" },
    { name: "sales", wrapupSeconds: 5, extension: "2001" },
  ],
  readClasses: ["system", "call", "agent"],
  writeClasses: ["system", "call", "agent"],
};

export class SimulatorDriver implements PbxDriver, PbxAgentLayers {
  readonly name = "simulator" as const;
  /** goUnreachable() returns at once, like the lab; the simulator's own promise settles later. */
  private readonly silencing = new Set<Promise<void>>();

  private constructor(readonly simulator: Simulator) {}

  /** 20 agents from 1000 like the lab, none registered; Asterisk's timings unless overridden. */
  static async start(options: Partial<SimulatorOptions> = {}): Promise<SimulatorDriver> {
    const simulator = await startSimulator({ agents: 20, firstExtension: 1000, registered: 0, username: USERNAME, secret: SECRET, ...options });
    return new SimulatorDriver(simulator);
  }

  ami(): AmiSettings {
    return { host: this.simulator.host, port: this.simulator.port, username: USERNAME, secret: SECRET };
  }

  async register(ext: string): Promise<void> {
    await this.simulator.register(ext);
    await this.untilContact(ext, "Reachable");
  }

  async unregister(ext: string): Promise<void> {
    await this.simulator.unregister(ext);
  }

  async goUnreachable(ext: string): Promise<void> {
    const silenced = this.simulator.goUnreachable(ext);
    this.silencing.add(silenced);
    void silenced.finally(() => this.silencing.delete(silenced)).catch(() => undefined);
  }

  async call(from: string, to: string, talkSeconds: number): Promise<void> {
    // The lab's phones answer after 1 s of ringing.
    await this.simulator.call(from, to, { ringMs: 1_000, talkMs: talkSeconds * 1_000 });
  }

  async restart(): Promise<void> {
    await this.simulator.restart();
  }

  async contacts(): Promise<PbxContact[]> {
    return this.simulator.contacts();
  }

  async endpoints(): Promise<PbxEndpoint[]> {
    return this.simulator.endpoints();
  }

  // ---- agent layers (issue 7): the simulator changes its state at once, as the lab's commands return once the CLI shows it ----

  async dnd(ext: string, on: boolean): Promise<void> {
    await this.simulator.dnd(ext, on);
  }

  async presence(ext: string, state: PbxPresenceState, subtype?: string, message?: string): Promise<void> {
    if (message !== undefined && subtype === undefined) throw new Error("a presence message needs a subtype");
    await this.simulator.presence(ext, state, subtype, message);
  }

  /** Like the lab's queue-add: dynamic member PJSIP/<ext> named "Lab <ext>". */
  async queueAdd(ext: string, queue: string, options: { paused?: boolean; reason?: string } = {}): Promise<void> {
    const paused = options.paused === true || options.reason !== undefined;
    await this.simulator.queueAdd(ext, queue, { memberName: `Lab ${ext}`, paused, ...(options.reason === undefined ? {} : { reason: options.reason }) });
  }

  async queueRemove(ext: string, queue: string): Promise<void> {
    await this.simulator.queueRemove(ext, queue);
  }

  async queuePause(ext: string, queue: string, reason?: string): Promise<void> {
    await this.simulator.queuePause(ext, queue === "all" ? undefined : queue, reason);
  }

  async queueUnpause(ext: string, queue: string): Promise<void> {
    await this.simulator.queueUnpause(ext, queue === "all" ? undefined : queue);
  }

  /** The lab's phones answer after 1 s of ringing; the caller hangs up `talkSeconds` after the answer. */
  async queueCall(caller: string, queue: string, talkSeconds: number): Promise<void> {
    const member = await this.simulator.queueCall(caller, queue, { ringMs: 1_000, talkMs: talkSeconds * 1_000, maxWaitMs: 60_000 });
    if (member === null) throw new Error(`nobody in ${queue} took the call of ${caller}`);
  }

  async queueMembers(queue: string): Promise<PbxQueueMember[]> {
    const found = this.simulator.queues().find((q) => q.queue === queue);
    if (!found) throw new Error(`the simulator has no queue ${queue}`);
    return found.members.map((m) => ({
      name: m.memberName,
      interface: `PJSIP/${m.extension}`,
      extension: m.extension,
      paused: m.paused,
      // The CLI shows the reason only while paused with one.
      pausedReason: m.paused && m.reason !== "" ? m.reason : null,
      callsTaken: m.callsTaken,
      deviceState: m.deviceState,
      inCall: m.inCall,
    }));
  }

  async hint(ext: string): Promise<PbxHint | null> {
    const layers = this.simulator.agentLayers().find((a) => a.extension === ext);
    if (!layers || layers.hint === "") return null;
    return { extension: ext, devices: layers.hint, state: layers.hintState, presence: layers.hint.includes("CustomPresence:") ? layers.presence.state : null };
  }

  async close(): Promise<void> {
    await this.simulator.close();
    await Promise.allSettled([...this.silencing]);
  }

  private async untilContact(ext: string, status: PbxContact["status"]): Promise<void> {
    await eventually(async () => (await this.contacts()).some((c) => c.extension === ext && c.status === status), {
      timeoutMs: 10_000,
      intervalMs: 10,
      message: `simulator contact ${ext} ${status}`,
    });
  }
}
