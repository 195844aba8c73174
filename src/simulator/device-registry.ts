// Device states that are not phones: `Custom:DND<N>` (func_devstate, kept in astdb) and app_queue's
// `Queue:<q>_avail`, `Queue:<q>_pause_<interface>`, `Queue:<q>`. Asterisk's device-state cache
// announces a state only when it changes (app_queue re-publishes unchanged ones and nothing is sent),
// and DeviceStateList lists them in the order they were first set.
import type { AsteriskDeviceState } from "./asterisk-states.ts";
import { deviceStateChangeEvent, type LiveEvent } from "./live-events.ts";

export class DeviceRegistry {
  private readonly states = new Map<string, AsteriskDeviceState>();

  /** The DeviceStateChange for the new state, or null when it did not change. */
  set(device: string, state: AsteriskDeviceState): LiveEvent | null {
    if (this.states.get(device) === state) return null;
    this.states.set(device, state);
    return deviceStateChangeEvent(device, state);
  }

  /** Sets the state without announcing it (at start-up nobody is connected to hear it). */
  seed(device: string, state: AsteriskDeviceState): void {
    this.states.set(device, state);
  }

  get(device: string): AsteriskDeviceState {
    return this.states.get(device) ?? "UNKNOWN";
  }

  has(device: string): boolean {
    return this.states.has(device);
  }

  /** Forgets every device but those `keep` accepts (an Asterisk restart keeps astdb's custom states). */
  retain(keep: (device: string) => boolean): void {
    for (const device of [...this.states.keys()]) if (!keep(device)) this.states.delete(device);
  }

  entries(): Array<{ device: string; state: AsteriskDeviceState }> {
    return [...this.states].map(([device, state]) => ({ device, state }));
  }
}

/** Pushes an event that may be null (an unchanged device state). */
export function pushEvent(out: LiveEvent[], event: LiveEvent | null): void {
  if (event) out.push(event);
}
