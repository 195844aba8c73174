// Turns the item events of the resync list actions into one AsteriskSnapshot. Pure.
import type { AsteriskSnapshot, DeviceState, PresenceReport, QueueMember } from "../domain/types.ts";
import type { AmiEvent } from "./ami-messages.ts";
import { queueMember } from "./agent-events.ts";
import { contactListItem, DEFAULT_READERS, endpointListItem, type AgentEventReaders, type Outcome } from "./normalize.ts";

export interface ResyncLists {
  /** PJSIPShowEndpoints items (`EndpointList`). */
  endpoints: readonly AmiEvent[];
  /** PJSIPShowContacts items (`ContactList`). */
  contacts: readonly AmiEvent[];
  /** DeviceStateList items (`DeviceStateChange`); null when the action was refused. */
  deviceStates: readonly AmiEvent[] | null;
  /** PresenceStateList items (`PresenceStateChange`); null when it could not be read. */
  presence?: readonly AmiEvent[] | null;
  /** QueueStatus items (`QueueParams`, `QueueMember`); null when it could not be read. */
  queues?: readonly AmiEvent[] | null;
}

export interface BuiltSnapshot {
  snapshot: AsteriskSnapshot;
  /** One reason per item that could not be used. */
  malformed: string[];
}


export function buildSnapshot(lists: ResyncLists, readers: AgentEventReaders = DEFAULT_READERS): BuiltSnapshot {
  const malformed: string[] = [];
  const take = <T>(items: readonly AmiEvent[], name: string, read: (event: AmiEvent) => Outcome<T>): T[] => {
    const values: T[] = [];
    for (const item of items) {
      if (item.name !== name) continue;
      const outcome = read(item);
      if (outcome.kind === "ok") values.push(outcome.value);
      else if (outcome.kind === "malformed") malformed.push(outcome.reason);
    }
    return values;
  };

  // Keyed by name/id: a duplicate item replaces the earlier one instead of doubling it.
  const endpoints = new Map(
    take(lists.endpoints, "EndpointList", (e) => endpointListItem(e.fields)).map((e) => [e.endpoint, { endpoint: e.endpoint, aor: e.aor, deviceState: e.deviceState }]),
  );
  const contacts = new Map(take(lists.contacts, "ContactList", (e) => contactListItem(e.fields)).map((c) => [c.contact.id, c]));
  const deviceStates = new Map<string, DeviceState>();
  const dnd = lists.deviceStates ? new Map<string, boolean>() : null;
  for (const device of take(lists.deviceStates ?? [], "DeviceStateChange", (e) => readers.device(e.fields))) {
    if (device.kind === "phone") deviceStates.set(device.endpoint, device.state);
    else if (device.kind === "dnd" && device.on) dnd?.set(device.endpoint, true);
    // Pause devices: QueueStatus gives the pause with its reason.
  }
  const presence = lists.presence
    ? new Map<string, PresenceReport>(take(lists.presence, "PresenceStateChange", (e) => readers.presence(e.fields)).map((p) => [p.endpoint, p.presence]))
    : null;
  let queueMembers: Array<{ endpoint: string; member: QueueMember }> | null = null;
  if (lists.queues) {
    const byKey = new Map(take(lists.queues, "QueueMember", (e) => queueMember(e.fields, true)).map((m) => [`${m.member.queue}\u0000${m.endpoint}`, m]));
    queueMembers = [...byKey.values()];
  }
  return { snapshot: { endpoints: [...endpoints.values()], contacts: [...contacts.values()], deviceStates, dnd, presence, queueMembers }, malformed };
}
