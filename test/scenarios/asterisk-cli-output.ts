// Parsers for the Asterisk CLI tables the suite compares the service against:
// `pjsip show contacts`, `pjsip show endpoints`, `queue show <queue>` and `core show hint <ext>`
// (Asterisk 22 layout).
import type { PbxContact, PbxContactStatus, PbxEndpoint, PbxHint, PbxPresenceState, PbxQueueMember } from "./pbx-driver.ts";

/** The CLI's short contact status labels. */
const CONTACT_STATUS_WORDS: Readonly<Record<string, PbxContactStatus>> = {
  Avail: "Reachable",
  Unavail: "Unreachable",
  NonQual: "NonQualified",
};

// "  Contact:  1001/sip:1001@127.0.0.1:15001                  869e628b48 Avail         0.730"
const CONTACT_LINE = /^\s*Contact:\s+([^/\s]+)\/(\S+)\s+[0-9a-f]+\s+(\S+)\s+\S+\s*$/;
// " Endpoint:  1001/1001                                            Not in use    0 of inf"
const ENDPOINT_LINE = /^\s*Endpoint:\s+([^/\s]+)\S*\s+(.+?)\s+\d+\s+of\s+\S+\s*$/;

export function parseContacts(output: string): PbxContact[] {
  // `pjsip show endpoints` repeats contacts under each endpoint: only the top-level table is meant here.
  const contacts: PbxContact[] = [];
  for (const line of output.split("\n")) {
    if (line.includes("<")) continue; // the column legend
    const match = CONTACT_LINE.exec(line);
    if (!match) continue;
    const [, aor, uri, word] = match as unknown as [string, string, string, string];
    const status = CONTACT_STATUS_WORDS[word];
    if (!status) throw new Error(`unknown contact status "${word}" in: ${line.trim()}`);
    contacts.push({ extension: aor, uri, status });
  }
  if (contacts.length === 0) assertTable(output, "contacts");
  return contacts;
}

export function parseEndpoints(output: string): PbxEndpoint[] {
  const endpoints: PbxEndpoint[] = [];
  for (const line of output.split("\n")) {
    if (line.includes("<")) continue;
    const match = ENDPOINT_LINE.exec(line);
    if (match) endpoints.push({ extension: match[1]!, deviceState: match[2]! });
  }
  if (endpoints.length === 0) assertTable(output, "endpoints");
  return endpoints;
}

/** An empty parse of something that is not a CLI table means Asterisk did not answer: say so. */
function assertTable(output: string, what: string): void {
  if (!/Objects found|No objects found/.test(output)) throw new Error(`not a 'pjsip show ${what}' table: ${output.trim().slice(0, 300)}`);
}

// ---- app_queue: `queue show <queue>` ----
// "support has 0 calls (max unlimited) in 'ringall' strategy (0s holdtime, 0s talktime), W:0, C:0, A:0, SL:0.0%, SL2:0.0% within 0s"
const QUEUE_HEADER = /^(\S+) has \d+ calls? /;
// "      Lab 1010 (PJSIP/1010) (ringinuse disabled) (dynamic) (paused:Lunch was 3 secs ago) (Not in use) has taken no calls yet (login was 5 secs ago)"
// A member added without a name shows its interface only: "      PJSIP/1010 (ringinuse disabled) ...".
const MEMBER_LINE = /^\s+(?:(.+?) \(([^()\s]+)(?: from [^()]+)?\)|([^()\s]+)) \(ringinuse (?:enabled|disabled)\)(.*)$/;
const MEMBER_PAUSED = / \(paused(?::(.*?))? was -?\d+ secs? ago\)/;
const MEMBER_STATE_AND_CALLS = / \(([^()]+)\) has taken (?:no calls yet|(\d+) calls?)/;

/** The members of `queue` as `queue show <queue>` lists them; throws when the output is not that queue's table. */
export function parseQueueMembers(output: string, queue: string): PbxQueueMember[] {
  const lines = withoutColors(output).split("\n");
  const header = lines.findIndex((line) => QUEUE_HEADER.exec(line)?.[1] === queue);
  if (header < 0) throw new Error(`not a 'queue show ${queue}' table: ${output.trim().slice(0, 300)}`);
  const members: PbxQueueMember[] = [];
  for (const line of lines.slice(header + 1)) {
    if (QUEUE_HEADER.test(line)) break; // the next queue (output of `queue show` without a name)
    const match = MEMBER_LINE.exec(line);
    if (!match) continue;
    const iface = match[2] ?? match[3]!;
    const rest = match[4]!;
    const stateAndCalls = MEMBER_STATE_AND_CALLS.exec(rest);
    if (!stateAndCalls) throw new Error(`unreadable queue member line: ${line.trim()}`);
    const paused = MEMBER_PAUSED.exec(rest);
    members.push({
      name: match[1] ?? iface,
      interface: iface,
      extension: /^PJSIP\/([^/@-]+)$/.exec(iface)?.[1] ?? null,
      paused: paused !== null,
      pausedReason: paused?.[1] ? paused[1] : null,
      callsTaken: stateAndCalls[2] === undefined ? 0 : Number(stateAndCalls[2]),
      deviceState: stateAndCalls[1]!,
      inCall: rest.includes(" (in call)"),
    });
  }
  return members;
}

// ---- hints: `core show hint <ext>` ----
// "1010@lab                : PJSIP/1010&Custom:DN State:Idle            Presence:available       Watchers  0"
const HINT_LINE = /^\s*([^@\s]+)@\S+\s+:\s+(.*?)\s+State:(\S+)\s+Presence:(\S*)\s+Watchers\s+\d+\s*$/;
const PRESENCE_STATES: readonly PbxPresenceState[] = ["not_set", "unavailable", "available", "away", "xa", "chat", "dnd"];

/** The hint of exactly `ext` (the CLI matches by prefix: `core show hint 101` lists 1010-1019 too); null when it has none. */
export function parseHint(output: string, ext: string): PbxHint | null {
  const text = withoutColors(output);
  for (const line of text.split("\n")) {
    const match = HINT_LINE.exec(line);
    if (!match || match[1] !== ext) continue;
    const word = match[4]!.toLowerCase();
    const presence = word === "" ? null : PRESENCE_STATES.find((p) => p === word);
    if (presence === undefined) throw new Error(`unknown presence "${word}" in: ${line.trim()}`);
    return { extension: ext, devices: match[2]!, state: match[3]!, presence };
  }
  if (/hints? matching extension|There are no registered dialplan hints/.test(text)) return null;
  throw new Error(`not a 'core show hint' answer: ${output.trim().slice(0, 300)}`);
}

/** The CLI colours some words (app_queue's "dynamic", "paused") when it thinks a terminal reads it. */
function withoutColors(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;]*m/g, "");
}
