// Commands from the CRM to Asterisk: presence, DND and queue pause, sent as AMI actions so the
// phone's BLF, app_queue and the dashboard agree whichever side changed them. Nothing here changes
// what we serve: the state moves when Asterisk reports it (the events), not when the command returns.
import type { PresenceState } from "../domain/types.ts";

/** Sends one AMI action; rejects with Asterisk's own error text (AmiResponseError) or a link error.
 * `extension`: the command's, so that with several PBXs it goes to the PBX that extension is on. */
export type SendAction = (fields: { Action: string } & Record<string, string>, extension?: string) => Promise<{ message: string | null }>;

export interface CommandNaming {
  /** e.g. `Custom:DND{ext}` */
  dndDevice: string;
  /** e.g. `CustomPresence:{ext}` */
  presenceProvider: string;
}

/** The input was refused before anything was sent. */
export class CommandInputError extends Error {
  override readonly name = "CommandInputError";
}

export interface CommandResult {
  accepted: true;
  message: string | null;
}

const EXTENSION = /^[A-Za-z0-9_.+-]{1,64}$/;
// func_presencestate splits its value on commas; AMI values cannot carry line breaks.
const PRESENCE_TEXT = /^[^,\r\n\x00]{0,256}$/;
const REASON_TEXT = /^[^\r\n\x00]{0,128}$/;
const QUEUE = /^[^\s\r\n\x00,]{1,128}$/;

export class AgentCommands {
  constructor(
    private readonly send: SendAction,
    private readonly naming: CommandNaming,
    /** The member interface of an extension in a queue, when app_queue knows it under another name (Local/...). */
    private readonly memberInterface: (extension: string, queue: string | null) => string | null = () => null,
  ) {}

  async setPresence(extension: string, state: PresenceState, subtype: string | null, message: string | null): Promise<CommandResult> {
    checkExtension(extension);
    if (subtype !== null && !PRESENCE_TEXT.test(subtype)) throw new CommandInputError("subtype: at most 256 characters, no commas or line breaks");
    if (message !== null && !PRESENCE_TEXT.test(message)) throw new CommandInputError("message: at most 256 characters, no commas or line breaks");
    const value = [state, subtype ?? "", message ?? ""].join(",").replace(/,+$/, "");
    return this.run(extension, { Action: "Setvar", Variable: `PRESENCE_STATE(${name(this.naming.presenceProvider, extension)})`, Value: value });
  }

  /** FreePBX's DND: the toggle device and the presence, both (as its *76 feature code does). */
  async setDnd(extension: string, on: boolean): Promise<CommandResult> {
    checkExtension(extension);
    await this.run(extension, { Action: "Setvar", Variable: `DEVICE_STATE(${name(this.naming.dndDevice, extension)})`, Value: on ? "BUSY" : "NOT_INUSE" });
    return this.run(extension, { Action: "Setvar", Variable: `PRESENCE_STATE(${name(this.naming.presenceProvider, extension)})`, Value: on ? "dnd" : "available" });
  }

  async pause(extension: string, queue: string | null, reason: string | null, paused: boolean): Promise<CommandResult> {
    checkExtension(extension);
    if (queue !== null && !QUEUE.test(queue)) throw new CommandInputError("queue: 1-128 characters, no spaces, commas or line breaks");
    if (reason !== null && !REASON_TEXT.test(reason)) throw new CommandInputError("reason: at most 128 characters, no line breaks");
    const fields: { Action: string } & Record<string, string> = {
      Action: "QueuePause",
      Interface: this.memberInterface(extension, queue) ?? `PJSIP/${extension}`,
      Paused: paused ? "true" : "false",
    };
    if (queue !== null) fields.Queue = queue;
    if (paused && reason) fields.Reason = reason;
    return this.run(extension, fields);
  }

  private async run(extension: string, fields: { Action: string } & Record<string, string>): Promise<CommandResult> {
    const response = await this.send(fields, extension);
    return { accepted: true, message: response.message };
  }
}

function checkExtension(extension: string): void {
  if (!EXTENSION.test(extension)) throw new CommandInputError("extension: 1-64 letters, digits or _.+-");
}

function name(template: string, extension: string): string {
  return template.replace("{ext}", extension);
}
