// PbxDriver for the real Asterisk 22 of asterisk-lab, plus what only a real PBX can do here:
// freeze (SIGSTOP), kill and start it again, register with a short Expires, raw CLI.
import { sleep } from "../helpers/wait-for.ts";
import { eventually } from "./eventually.ts";
import { asteriskLogTime, asteriskPid, cli, labRunning, mustRun, phonePort, runLab, startLab, stopLab, stopPhones } from "./asterisk-lab.ts";
import { parseContacts, parseEndpoints, parseHint, parseQueueMembers } from "./asterisk-cli-output.ts";
import type { AmiSettings, PbxAgentLayers, PbxContact, PbxDriver, PbxEndpoint, PbxHint, PbxPresenceState, PbxQueueMember } from "./pbx-driver.ts";

/** The lab's queues and the numbers that dial them (`call A 2000`). */
const QUEUE_NUMBERS: Readonly<Record<string, string>> = { support: "2000", sales: "2001" };

/**
 * The lab as both real-Asterisk suites start it: write class `agent` for QueuePause (the CRM's
 * pauseAgent), the queues' wrapuptime spelled out (the agent-layer service is configured with it).
 */
export const LAB_ENV: Readonly<Record<string, string>> = { LAB_AMI_WRITE: "system,call,agent", LAB_WRAPUP_SECS: "5" };

export interface AsteriskDriverOptions {
  /** Lab settings (LAB_*) for `start` and every helper: they must agree. */
  env?: Record<string, string>;
}

export class AsteriskDriver implements PbxDriver, PbxAgentLayers {
  readonly name = "asterisk" as const;
  private env: Record<string, string>;
  private settings: AmiSettings | undefined;

  private constructor(options: AsteriskDriverOptions) {
    this.env = { ...options.env };
  }

  /** Starts the lab (a running one is stopped first, so every run starts without contacts). */
  static async start(options: AsteriskDriverOptions = {}): Promise<AsteriskDriver> {
    const driver = new AsteriskDriver(options);
    if (await labRunning()) await stopLab(driver.env);
    await stopPhones(() => true); // phones the lab lost track of in an earlier run would register again
    await driver.startPbx();
    return driver;
  }

  ami(): AmiSettings {
    if (!this.settings) throw new Error("the lab is not started");
    return this.settings;
  }

  /** `expiresSeconds`: the phone's REGISTER Expires (Asterisk's minimum is 60). */
  async register(ext: string, options: { expiresSeconds?: number } = {}): Promise<void> {
    const env = options.expiresSeconds ? { ...this.env, LAB_REGISTER_EXPIRES: String(options.expiresSeconds) } : this.env;
    // `register` can lose its phone (see labPhones): stop that phone, which holds the port, and retry.
    // Under CPU load (2 cores, a benchmark beside us) one attempt in five was seen to fail that way.
    let lastError: unknown;
    for (let attempt = 1; attempt <= 8; attempt++) {
      try {
        await mustRun(["register", ext], { env, timeoutMs: 30_000 });
        return;
      } catch (error) {
        lastError = error;
        await sleep(300); // a lost phone may not have exec'd SIPp yet
        const port = phonePort(ext, env);
        const stopped = await stopPhones((phone) => phone.port === port);
        console.warn(`register ${ext} failed (attempt ${attempt}), stopped ${stopped} untracked phone(s) on port ${port}: ${(error as Error).message.split(" | ").at(-1)}`);
      }
    }
    throw lastError;
  }

  async unregister(ext: string): Promise<void> {
    await mustRun(["unregister", ext], { env: this.env, timeoutMs: 30_000 });
  }

  async goUnreachable(ext: string): Promise<void> {
    await mustRun(["go-unreachable", ext], { env: this.env, timeoutMs: 30_000 });
  }

  async call(from: string, to: string, talkSeconds: number): Promise<void> {
    await mustRun(["call", from, to, String(talkSeconds)], { env: this.env, timeoutMs: (talkSeconds + 60) * 1000 });
  }

  async restart(): Promise<void> {
    const before = await this.uptimeSeconds();
    let sawDown = false;
    await cli("core restart now");
    // The old process may still answer the CLI for a moment: done when a new one (lower uptime) answers.
    await eventually(
      async () => {
        const uptime = await this.uptimeSeconds().catch(() => null);
        if (uptime === null) sawDown = true;
        return uptime !== null && (sawDown || uptime < before);
      },
      { timeoutMs: 30_000, intervalMs: 50, message: "Asterisk back after core restart" },
    );
    await mustRun(["cli", "core waitfullybooted"], { timeoutMs: 30_000 });
  }

  async contacts(): Promise<PbxContact[]> {
    return parseContacts(await cli("pjsip show contacts"));
  }

  async endpoints(): Promise<PbxEndpoint[]> {
    return parseEndpoints(await cli("pjsip show endpoints"));
  }

  // ---- agent layers (issue 7): the lab's own commands, each returns once the CLI shows the change ----

  async dnd(ext: string, on: boolean): Promise<void> {
    await mustRun(["dnd", ext, on ? "on" : "off"], { env: this.env, timeoutMs: 30_000 });
  }

  async presence(ext: string, state: PbxPresenceState, subtype?: string, message?: string): Promise<void> {
    if (message !== undefined && subtype === undefined) throw new Error("a presence message needs a subtype");
    const args = ["presence", ext, state, ...(subtype === undefined ? [] : [subtype]), ...(message === undefined ? [] : [message])];
    await mustRun(args, { env: this.env, timeoutMs: 30_000 });
  }

  async queueAdd(ext: string, queue: string, options: { paused?: boolean; reason?: string } = {}): Promise<void> {
    const paused = options.paused || options.reason !== undefined ? ["paused", ...(options.reason === undefined ? [] : [options.reason])] : [];
    await mustRun(["queue-add", ext, queue, ...paused], { env: this.env, timeoutMs: 30_000 });
  }

  async queueRemove(ext: string, queue: string): Promise<void> {
    await mustRun(["queue-remove", ext, queue], { env: this.env, timeoutMs: 30_000 });
  }

  async queuePause(ext: string, queue: string, reason?: string): Promise<void> {
    await mustRun(["queue-pause", ext, queue, ...(reason === undefined ? [] : [reason])], { env: this.env, timeoutMs: 30_000 });
  }

  async queueUnpause(ext: string, queue: string): Promise<void> {
    await mustRun(["queue-unpause", ext, queue], { env: this.env, timeoutMs: 30_000 });
  }

  async queueCall(caller: string, queue: string, talkSeconds: number): Promise<void> {
    const number = QUEUE_NUMBERS[queue];
    if (!number) throw new Error(`the lab has no queue ${queue}`);
    await mustRun(["call", caller, number, String(talkSeconds)], { env: this.env, timeoutMs: (talkSeconds + 90) * 1000 });
  }

  async queueMembers(queue: string): Promise<PbxQueueMember[]> {
    return parseQueueMembers(await cli(`queue show ${queue}`), queue);
  }

  async hint(ext: string): Promise<PbxHint | null> {
    return parseHint(await cli(`core show hint ${ext}`), ext);
  }

  /** Stops phones and Asterisk. */
  async close(): Promise<void> {
    await this.kill();
  }

  // ---- real-PBX only ----

  /** AMI killed: `asterisk-lab stop`, and every phone with it (also the ones the lab lost track of). */
  async kill(): Promise<void> {
    await stopLab(this.env);
    await stopPhones(() => true);
  }

  /** Start again, optionally with other lab settings (e.g. LAB_AMI_SECRET). */
  async startPbx(env: Record<string, string> = {}): Promise<void> {
    this.env = { ...this.env, ...env };
    await startLab(this.env);
    this.settings = parseAmiSettings((await mustRun(["env"], { env: this.env })).stdout);
  }

  /** The process stops answering anything (AMI socket open, nothing read or written). */
  async freeze(): Promise<void> {
    process.kill(await asteriskPid(), "SIGSTOP");
  }

  async thaw(): Promise<void> {
    process.kill(await asteriskPid(), "SIGCONT");
  }

  cli(command: string): Promise<string> {
    return cli(command);
  }

  /** From Asterisk's own log: "Contact 1003/sip:… is now Unreachable" / "… has been deleted". */
  reportedAt(ext: string, what: "Unreachable" | "gone", afterMs: number): Promise<number | null> {
    const happened = what === "Unreachable" ? "is now Unreachable" : "has been deleted";
    return asteriskLogTime(new RegExp(`Contact ${ext}/sip:\\S+ ${happened}`), afterMs);
  }

  private async uptimeSeconds(): Promise<number> {
    const result = await runLab(["cli", "core show uptime seconds"], { timeoutMs: 5_000 });
    const match = /System uptime:\s+(\d+)/.exec(result.stdout);
    if (result.code !== 0 || !match) throw new Error("Asterisk CLI not answering");
    return Number(match[1]);
  }
}

function parseAmiSettings(envOutput: string): AmiSettings {
  const values = new Map(
    envOutput
      .split("\n")
      .map((line) => /^([A-Z_]+)=(.*)$/.exec(line.trim()))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[1]!, m[2]!] as const),
  );
  const get = (key: string) => {
    const value = values.get(key);
    if (value === undefined) throw new Error(`asterisk-lab env did not print ${key}`);
    return value;
  };
  return { host: get("AMI_HOST"), port: Number(get("AMI_PORT")), username: get("AMI_USER"), secret: get("AMI_SECRET") };
}
