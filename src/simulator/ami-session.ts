// One AMI client connection, answered as Asterisk 22 answers it: banner; Login (plain or MD5
// challenge) with an `Events` mask; a wrong secret is answered after a delay and the connection is
// closed; anything but Login/Challenge before login is `Permission denied`; Ping, Events, Logoff;
// the list actions from the PBX's current state; presence, DND and queue actions (ami-state-actions.ts);
// unknown actions `Invalid/unknown command`. The AMI user's read classes filter live events, its
// write classes gate actions, as manager.conf's `read`/`write` do.
import { createHash, randomInt } from "node:crypto";
import type { Socket } from "node:net";
import type { Log } from "../domain/ports.ts";
import { ActionReader, BANNER, type AmiAction } from "./ami-framing.ts";
import {
  contactListAnswer,
  deviceStateListAnswer,
  endpointListAnswer,
  extensionStateListAnswer,
  hintHeaders,
  type ContactListEntry,
  type DeviceListEntry,
  type EndpointListEntry,
  type HintEntry,
} from "./ami-lists.ts";
import {
  alreadyAuthenticated,
  authAccepted,
  authFailed,
  challengeResponse,
  eventsAck,
  fullyBootedEvent,
  goodbye,
  missingAction,
  permissionDenied,
  pong,
  response,
  unknownCommand,
} from "./ami-responses.ts";
import { answerStateAction, type StateActionHost } from "./ami-state-actions.ts";
import type { EventClass } from "./live-events.ts";
import { OutputQueue } from "./output-queue.ts";

/** What a session needs from the PBX it fronts. */
export interface AmiSessionHost extends StateActionHost {
  /** manager.conf `read`: live events of other classes are never delivered, whatever `Events:` asks. */
  readonly readClasses: ReadonlySet<string>;
  readonly username: string;
  readonly secret: string;
  readonly loginFailureDelayMs: number;
  now(): number;
  uptimeSeconds(): number;
  bootedAt(): number;
  contacts(): ContactListEntry[];
  endpoints(): EndpointListEntry[];
  devices(): DeviceListEntry[];
  hints(): HintEntry[];
  hint(exten: string, context: string): HintEntry | null;
  calls(): { active: number; processed: number };
  /** Counts every action received (stats). */
  actionReceived(): void;
}

export interface AmiSessionOptions {
  writeTimeoutMs: number;
  maxQueuedBytes: number;
  maxActionBytes?: number;
  /** Called once when the connection is gone (closed by either side, or dropped as too slow). */
  onGone(): void;
}

/** `Events:` / `EventMask:` values: on/off, or a list of classes (`system,call`). */
export type EventMask = "all" | ReadonlySet<string>;

export function parseEventMask(value: string | undefined): EventMask {
  const text = (value ?? "on").trim().toLowerCase();
  if (["on", "yes", "true", "all", "1"].includes(text)) return "all";
  if (["off", "no", "false", "0", ""].includes(text)) return new Set();
  return new Set(text.split(",").map((c) => c.trim()).filter((c) => c !== ""));
}

/** Actions that exist in Asterisk but need write classes (`originate`, `command`, ...) the simulated user lacks. */
const DENIED_ACTIONS: ReadonlySet<string> = new Set(["originate", "command", "redirect", "hangup", "updateconfig", "getconfig", "sendtext", "moduleload", "reload"]);

export class AmiSession {
  private authenticated = false;
  private mask: EventMask = "all";
  private closing = false;
  private challenge: string | null = null;
  private loginTimer: NodeJS.Timeout | undefined;
  private isGone = false;
  private readonly reader: ActionReader;
  readonly output: OutputQueue;

  constructor(
    readonly id: number,
    readonly socket: Socket,
    private readonly host: AmiSessionHost,
    private readonly log: Log,
    options: AmiSessionOptions,
  ) {
    this.reader = new ActionReader(options.maxActionBytes);
    this.output = new OutputQueue(socket, {
      writeTimeoutMs: options.writeTimeoutMs,
      maxQueuedBytes: options.maxQueuedBytes,
      onOverflow: (reason) => {
        this.log.warn({ session: id, reason }, "AMI client too slow: connection dropped (like Asterisk's writetimeout)");
        this.gone(options.onGone);
      },
    });
    socket.setNoDelay(true);
    socket.on("data", (data) => this.onData(data));
    socket.on("error", (error) => this.log.debug({ session: id, err: error.message }, "AMI client socket error"));
    socket.once("close", () => this.gone(options.onGone));
    this.output.push(BANNER);
  }

  get loggedIn(): boolean {
    return this.authenticated && !this.closing && !this.output.isClosed;
  }

  /** Logged in, and its event mask lets this class through. */
  wants(eventClass: EventClass): boolean {
    if (!this.loggedIn) return false;
    if (!this.host.readClasses.has(eventClass) && !this.host.readClasses.has("all")) return false;
    return this.mask === "all" || this.mask.has(eventClass) || this.mask.has("all");
  }

  send(text: string): void {
    this.output.push(text);
  }

  /** Writes what is queued, then closes the connection. */
  end(): Promise<void> {
    this.closing = true;
    clearTimeout(this.loginTimer);
    return this.output.end();
  }

  destroy(): void {
    this.closing = true;
    clearTimeout(this.loginTimer);
    this.socket.destroy();
  }

  private gone(notify: () => void): void {
    clearTimeout(this.loginTimer);
    if (this.isGone) return;
    this.isGone = true;
    notify();
  }

  private onData(data: Buffer): void {
    let actions: AmiAction[];
    try {
      actions = this.reader.push(data);
    } catch (error) {
      this.log.warn({ session: this.id, err: (error as Error).message }, "AMI client sent an oversized action: connection closed");
      this.destroy();
      return;
    }
    for (const action of actions) {
      if (this.closing) return;
      this.host.actionReceived();
      this.answer(action);
    }
  }

  private answer(action: AmiAction): void {
    const id = action.actionId;
    const name = action.name.toLowerCase();
    if (name === "") return this.send(missingAction(id));
    if (name === "login") return this.login(action);
    if (name === "challenge") return this.sendChallenge(action);
    if (!this.authenticated) return this.send(permissionDenied(id));
    switch (name) {
      case "ping":
        return this.send(pong(id, this.host.now()));
      case "events": {
        this.mask = parseEventMask(action.get("eventmask"));
        return this.send(eventsAck(id, this.mask === "all" || this.mask.size > 0));
      }
      case "logoff":
        this.send(goodbye(id));
        void this.end();
        return;
      case "pjsipshowcontacts":
        return this.send(contactListAnswer(id, this.host.contacts()));
      case "pjsipshowendpoints":
        return this.send(endpointListAnswer(id, this.host.endpoints()));
      case "devicestatelist":
        return this.send(deviceStateListAnswer(id, this.host.devices()));
      case "extensionstatelist":
        return this.send(extensionStateListAnswer(id, this.host.hints()));
      case "extensionstate":
        return this.send(this.extensionState(action));
      case "corestatus":
        return this.send(this.coreStatus(id));
      default: {
        const answer = answerStateAction(action, this.host);
        if (answer !== null) return this.send(answer);
        if (DENIED_ACTIONS.has(name)) return this.send(permissionDenied(id));
        return this.send(unknownCommand(id, action.name));
      }
    }
  }

  private login(action: AmiAction): void {
    const id = action.actionId;
    if (this.authenticated) return this.send(alreadyAuthenticated(id));
    if (this.credentialsMatch(action)) {
      this.authenticated = true;
      this.mask = parseEventMask(action.get("events"));
      this.log.debug({ session: this.id }, "AMI client logged in");
      this.send(authAccepted(id));
      if (this.wants("system")) this.send(fullyBootedEvent(this.host.uptimeSeconds()));
      return;
    }
    // Asterisk sleeps before answering a failed login, then hangs up; what the client sends meanwhile is ignored.
    this.closing = true;
    this.log.info({ session: this.id, username: action.get("username") ?? "" }, "AMI login failed");
    this.loginTimer = setTimeout(() => {
      this.output.push(authFailed(id));
      void this.output.end();
    }, this.host.loginFailureDelayMs);
  }

  private credentialsMatch(action: AmiAction): boolean {
    if (action.get("username") !== this.host.username) return false;
    if ((action.get("authtype") ?? "").toLowerCase() === "md5") {
      if (this.challenge === null) return false;
      const expected = createHash("md5").update(this.challenge + this.host.secret).digest("hex");
      return (action.get("key") ?? "").toLowerCase() === expected;
    }
    return action.get("secret") === this.host.secret;
  }

  private sendChallenge(action: AmiAction): void {
    if ((action.get("authtype") ?? "").toLowerCase() !== "md5") return this.send(response("Error", action.actionId, [["Message", "Must specify AuthType"]]));
    this.challenge ??= String(randomInt(100_000_000, 1_000_000_000));
    this.send(challengeResponse(action.actionId, this.challenge));
  }

  private extensionState(action: AmiAction): string {
    const exten = action.get("exten") ?? "";
    const context = action.get("context") ?? "";
    const hint = this.host.hint(exten, context);
    const headers = hint ? hintHeaders(hint) : ([["Exten", exten], ["Context", context], ["Hint", ""], ["Status", -1], ["StatusText", "Unknown"]] as Array<[string, string | number]>);
    return response("Success", action.actionId, [["Message", "Extension Status"], ...headers]);
  }

  private coreStatus(actionId: string): string {
    const booted = new Date(this.host.bootedAt());
    const date = `${booted.getFullYear()}-${pad(booted.getMonth() + 1)}-${pad(booted.getDate())}`;
    const time = `${pad(booted.getHours())}:${pad(booted.getMinutes())}:${pad(booted.getSeconds())}`;
    const calls = this.host.calls();
    return response("Success", actionId, [
      ["CoreStartupDate", date],
      ["CoreStartupTime", time],
      ["CoreReloadDate", date],
      ["CoreReloadTime", time],
      ["CoreCurrentCalls", calls.active],
      ["CoreProcessedCalls", calls.processed],
    ]);
  }
}

function pad(n: number): string {
  return String(n).padStart(2, "0");
}
