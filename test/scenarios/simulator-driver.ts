// PbxDriver for the AMI simulator (src/simulator), so the shared scenarios run against it exactly as
// against the real Asterisk. Starts with every extension unregistered, like a freshly started lab.
import { startSimulator, type Simulator, type SimulatorOptions } from "../../src/simulator/simulator.ts";
import type { AmiSettings, PbxContact, PbxDriver, PbxEndpoint } from "./pbx-driver.ts";
import { eventually } from "./eventually.ts";

const USERNAME = "crm";
const SECRET = "crmsecret";

export class SimulatorDriver implements PbxDriver {
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
