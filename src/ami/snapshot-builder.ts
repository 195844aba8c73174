// Turns the item events of the three resync list actions into one AsteriskSnapshot. Pure.
import type { AsteriskSnapshot, DeviceState } from "../domain/types.ts";
import type { AmiEvent } from "./ami-messages.ts";
import { contactListItem, deviceStateListItem, endpointListItem, type Outcome } from "./normalize.ts";

export interface ResyncLists {
  /** PJSIPShowEndpoints items (`EndpointList`). */
  endpoints: readonly AmiEvent[];
  /** PJSIPShowContacts items (`ContactList`). */
  contacts: readonly AmiEvent[];
  /** DeviceStateList items (`DeviceStateChange`); null when the action was refused. */
  deviceStates: readonly AmiEvent[] | null;
}

export interface BuiltSnapshot {
  snapshot: AsteriskSnapshot;
  /** One reason per item that could not be used. */
  malformed: string[];
}

export function buildSnapshot(lists: ResyncLists): BuiltSnapshot {
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
  const deviceStates = new Map<string, DeviceState>(
    take(lists.deviceStates ?? [], "DeviceStateChange", (e) => deviceStateListItem(e.fields)).map((d) => [d.endpoint, d.state]),
  );
  return { snapshot: { endpoints: [...endpoints.values()], contacts: [...contacts.values()], deviceStates }, malformed };
}
