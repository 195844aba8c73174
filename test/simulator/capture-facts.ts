// What the normalizer makes of a capture, grouped the way it happened: each server message of
// NAME.ami gets its wall-clock time from NAME.timeline.txt (same messages, same order), and live
// events closer than `gapMs` form one group (Asterisk sends a state change's events within ~2 ms).
import { readFileSync } from "node:fs";
import path from "node:path";
import { contactListItem, deviceStateListItem, normalize } from "../../src/ami/normalize.ts";
import type { Fact } from "../../src/domain/types.ts";
import { CAPTURES_DIR, parseFrame, splitFrames, type AmiFrame, type AmiRaw } from "../helpers/ami-frames.ts";

export interface TimedMessage {
  frame: AmiFrame;
  raw: AmiRaw;
  /** Epoch ms (local wall clock of the capture). */
  at: number;
}

/** `dir`: where the capture files are (the newer tests read test/fixtures/ami-captures). */
export function timedCaptureMessages(name: string, dir = CAPTURES_DIR): TimedMessage[] {
  const lines = readFileSync(path.join(dir, `${name}.timeline.txt`), "utf8")
    .split("\n")
    .filter((line) => line.includes(" S> "));
  const frames = splitFrames(readFileSync(path.join(dir, `${name}.ami`), "latin1"));
  if (lines.length !== frames.length) throw new Error(`${name}: ${lines.length} timeline lines for ${frames.length} frames`);
  return frames.flatMap((frame, i) => {
    const line = lines[i] as string;
    const firstLine = frame.text.split("\r\n")[0] as string;
    if (!line.includes(`S> ${firstLine}`)) throw new Error(`${name}: timeline line ${i} (${line}) is not frame "${firstLine}"`);
    if (frame.kind === "banner") return [];
    return [{ frame, raw: parseFrame(frame.text), at: Date.parse(line.slice(0, line.indexOf(" "))) }];
  });
}

/** Facts of the live events, in groups of events less than gapMs apart. */
export function captureFactGroups(name: string, options: { gapMs?: number; from?: number; dir?: string } = {}): Fact[][] {
  const live = timedCaptureMessages(name, options.dir)
    .slice(options.from ?? 0)
    .filter((m) => typeof m.raw.event === "string" && m.raw.actionid === undefined);
  return groupByGap(
    live.flatMap((m) => {
      const result = normalize(m.raw);
      return result.kind === "facts" ? result.facts.map((fact) => ({ fact, at: m.at })) : [];
    }),
    options.gapMs ?? 50,
  );
}

/** The snapshot facts of a capture's list answers (ContactList and DeviceStateList items). */
export function captureListFacts(name: string, from = 0): { contacts: string[]; deviceStates: Map<string, string> } {
  const contacts: string[] = [];
  const deviceStates = new Map<string, string>();
  for (const m of timedCaptureMessages(name).slice(from)) {
    if (m.raw.actionid === undefined) continue;
    if (m.raw.event === "ContactList") {
      const item = contactListItem(m.raw);
      if (item.kind === "ok") contacts.push(canonicalListContact(item.value.endpoint, item.value.contact));
    } else if (m.raw.event === "DeviceStateChange") {
      const item = deviceStateListItem(m.raw);
      if (item.kind === "ok" && item.value.kind === "phone") deviceStates.set(item.value.endpoint, item.value.state);
    }
  }
  return { contacts, deviceStates };
}

export function groupByGap<T>(items: ReadonlyArray<{ fact: T; at: number }>, gapMs: number): T[][] {
  const groups: T[][] = [];
  let lastAt = -Infinity;
  for (const { fact, at } of items) {
    if (at - lastAt > gapMs || groups.length === 0) groups.push([]);
    (groups.at(-1) as T[]).push(fact);
    lastAt = at;
  }
  return groups;
}

/** A fact as a comparable line: everything but what the phone and the clock decide (round trip value). */
export function canonicalFact(fact: Fact): string {
  switch (fact.kind) {
    case "contact":
      return `contact ${fact.endpoint} ${fact.contact.id} ${fact.contact.uri} ${fact.contact.status} rtt=${fact.contact.roundtripUsec == null ? "-" : "n"}`;
    case "contactRemoved":
      return `removed ${fact.endpoint} ${fact.contactId} ${fact.uri}`;
    case "deviceState":
      return `${fact.source} ${fact.endpoint} ${fact.state}`;
    case "peerStatus":
      return `peer ${fact.endpoint} ${fact.reachable ? "Reachable" : "Unreachable"}`;
    case "endpoint":
      return `endpoint ${fact.endpoint} ${fact.aor} ${fact.deviceState}`;
    case "presence":
      return `presence ${fact.endpoint} ${fact.presence.state} ${fact.presence.subtype} ${fact.presence.message}`;
    case "dnd":
      return `dnd ${fact.endpoint} ${fact.on}`;
    case "queueMember": {
      const m = fact.member;
      // Unix-second values are the clock's: only whether they are set.
      const set = (v: number | null) => (v === null ? "-" : "set");
      return `member ${fact.endpoint} ${m.queue} ${m.name} ${m.interface} paused=${m.paused} reason=${m.pausedReason} since=${set(m.pausedSince)} calls=${m.callsTaken} last=${set(m.lastCall)} wrap=${m.wrapUpSeconds}`;
    }
    case "queueMemberRemoved":
      return `memberRemoved ${fact.endpoint} ${fact.queue}`;
    case "queuePause":
      return `queuePause ${fact.endpoint} ${fact.queue} ${fact.paused}`;
    case "queueCallEnded":
      return `queueCallEnded ${fact.endpoint} ${fact.queue}`;
    default:
      throw new Error(`unknown fact ${JSON.stringify(fact)}`);
  }
}

/** A contact of a list answer: the facts Asterisk decides (not the phone's Call-ID, agent, expiry or round trip value). */
export function canonicalListContact(endpoint: string, c: { id: string; uri: string; aor: string; status: string; roundtripUsec: number | null; viaAddr?: string | null; viaPort?: number | null; qualifyFrequency?: number | null; qualifyTimeout?: number | null }): string {
  return [endpoint, c.id, c.uri, c.aor, c.status, c.roundtripUsec === null ? "-" : "n", c.viaAddr, c.viaPort, c.qualifyFrequency, c.qualifyTimeout].join(" ");
}
