// What the bench needs from an AMI source: a TCP endpoint the service logs into, agents whose state
// can be flipped (each flip changes the agent's status with the AMI events Asterisk sends for it), and
// quiet state changes that only a resync sees. Two backends:
//   simulator  the project's AMI simulator (src/simulator): a flip is a REGISTER or an unregister, with
//              the ~5 events Asterisk 22 sends for each (ContactStatus, PeerStatus, DeviceStateChange, ...),
//              preceded by a change of the agent layers of the same extension, in turn DND, presence and
//              queue pause (2-4 events: DeviceStateChange Custom:DND, PresenceStateChange/Status,
//              QueueMemberPause ...), so the load carries them as a call centre's does. The layer change
//              comes first: its delta still shows the old status, the flip's delta the new one;
//   peer       the tests' fake AMI peer (test/helpers/ami-peer.ts): a flip is one DeviceStateChange; it
//              can also change state silently, which the full-resync scenario needs.
import { AmiPeer, type PeerContact, type PeerEndpoint } from "../../test/helpers/ami-peer.ts";
import { startSimulator } from "../../src/simulator/simulator.ts";
import type { DeviceState } from "../../src/domain/types.ts";

export interface AgentSpec {
  first: number;
  count: number;
  /** Share of agents that start unavailable (the rest are available). */
  busyShare: number;
  backend: "simulator" | "peer";
}

export interface AmiLoadSource {
  readonly backend: string;
  readonly host: string;
  readonly port: number;
  /** Flip each extension (available ↔ on a call) with one AMI event each, written together. Returns the new statuses. */
  flip(extensions: readonly string[]): string[];
  /** Change every agent's state without any event (only a resync will see it). Returns the new statuses. */
  changeQuietly(): Map<string, string>;
  /** Live AMI events written so far (each event once). */
  eventsSent(): number;
  /** Resolves once the service's socket has taken everything queued for it. */
  flushed(): Promise<void>;
  close(): Promise<void>;
}

export function startSource(spec: AgentSpec): Promise<AmiLoadSource> {
  return spec.backend === "simulator" ? startSimulatorSource(spec) : startPeerSource(spec);
}

export async function startSimulatorSource(spec: AgentSpec): Promise<AmiLoadSource> {
  const available = spec.count - Math.round(spec.count * spec.busyShare);
  // No random activity and no channel events: every event the service gets is one the bench caused.
  // FreePBX hints and one queue every agent belongs to: the resync lists carry presence and members too.
  const extensions = Array.from({ length: spec.count }, (_, i) => String(spec.first + i));
  const sim = await startSimulator({
    agents: spec.count,
    firstExtension: spec.first,
    registered: available,
    eventsPerSecond: 0,
    channelEvents: false,
    hintLayout: "freepbx",
    queues: [{ name: "support", wrapupSeconds: 5 }],
    queueMembers: { support: extensions },
  });
  const registered = new Set(extensions.slice(0, available));
  const layerTurn = new Map<string, number>();
  const changeLayer = (extension: string): void => {
    const turn = layerTurn.get(extension) ?? 0;
    layerTurn.set(extension, turn + 1);
    const on = turn % 2 === 0;
    // Each emits synchronously (the promise only reports errors).
    switch (Math.floor(turn / 2) % 3) {
      case 0:
        void sim.dnd(extension, on);
        break;
      case 1:
        void sim.presence(extension, on ? "away" : "available", on ? "lunch" : undefined, on ? "Back at 2 pm" : undefined);
        break;
      default:
        void (on ? sim.queuePause(extension, "support", "Break") : sim.queueUnpause(extension, "support"));
    }
  };
  return {
    backend: "AMI simulator (src/simulator), flips = a DND / presence / queue pause change, then a REGISTER / unregister",
    host: sim.host,
    port: sim.port,
    flip(extensions) {
      return extensions.map((extension) => {
        changeLayer(extension);
        // Both emit synchronously (the promise only reports errors).
        if (registered.delete(extension)) {
          void sim.unregister(extension);
          return "OFFLINE";
        }
        registered.add(extension);
        void sim.register(extension);
        return "AVAILABLE";
      });
    },
    changeQuietly() {
      throw new Error("the simulator cannot change state without events; use the peer backend");
    },
    eventsSent: () => sim.stats().eventsEmitted,
    flushed: () => sim.flushed(),
    close: () => sim.close(),
  };
}

const STATUS_OF: Partial<Record<DeviceState, string>> = { NOT_INUSE: "AVAILABLE", INUSE: "ON_CALL" };

export async function startPeerSource(spec: AgentSpec): Promise<AmiLoadSource> {
  const peer = await AmiPeer.start({ username: "crm", secret: "crmsecret" });
  const endpoints: Array<PeerEndpoint & { deviceState: DeviceState }> = [];
  const contacts: PeerContact[] = [];
  for (let i = 0; i < spec.count; i++) {
    const name = String(spec.first + i);
    const busy = Math.floor((i + 1) * spec.busyShare) > Math.floor(i * spec.busyShare); // spread evenly
    endpoints.push({ name, deviceState: busy ? "INUSE" : "NOT_INUSE" });
    contacts.push({ aor: name, uri: `sip:${name}@127.0.0.1:${20000 + i}`, status: "Reachable" });
  }
  peer.state = { endpoints, contacts };
  const byName = new Map(endpoints.map((e) => [e.name, e]));
  let sent = 0;
  return {
    backend: "fake AMI peer (test/helpers/ami-peer.ts)",
    host: peer.host,
    port: peer.port,
    flip(extensions) {
      let bytes = "";
      const statuses: string[] = [];
      for (const extension of extensions) {
        const endpoint = byName.get(extension);
        if (!endpoint) throw new Error(`unknown extension ${extension}`);
        endpoint.deviceState = endpoint.deviceState === "INUSE" ? "NOT_INUSE" : "INUSE";
        statuses.push(STATUS_OF[endpoint.deviceState]!);
        bytes += `Event: DeviceStateChange\r\nPrivilege: call,all\r\nDevice: PJSIP/${extension}\r\nState: ${endpoint.deviceState}\r\n\r\n`;
      }
      sent += extensions.length;
      void peer.replay(bytes);
      return statuses;
    },
    changeQuietly() {
      const statuses = new Map<string, string>();
      for (const endpoint of endpoints) {
        endpoint.deviceState = endpoint.deviceState === "INUSE" ? "NOT_INUSE" : "INUSE";
        statuses.set(endpoint.name, STATUS_OF[endpoint.deviceState]!);
      }
      return statuses;
    },
    eventsSent: () => sent,
    // replay() writes at once; what the kernel has not taken yet is not tracked here.
    flushed: async () => {},
    close: () => peer.close(),
  };
}
