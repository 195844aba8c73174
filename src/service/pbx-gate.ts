// Between one PBX's AMI bridge and its service: only the extensions this PBX owns pass (ExtensionOwners),
// so an extension two PBXs report is served from the first one only, whatever the second says about it.
import type { AmiListener } from "../domain/ports.ts";
import type { ExtensionOwners } from "../domain/pbx/extension-owners.ts";
import type { AsteriskSnapshot, Fact } from "../domain/types.ts";

export class PbxGate implements AmiListener {
  constructor(
    private readonly pbx: string,
    private readonly owners: ExtensionOwners,
    private readonly service: AmiListener,
  ) {}

  onFact(fact: Fact): void {
    if (this.passes(fact)) this.service.onFact(fact);
  }

  onSnapshot(snapshot: AsteriskSnapshot): void {
    const reported = new Set([...snapshot.endpoints.map((e) => e.endpoint), ...snapshot.contacts.map((c) => c.endpoint)]);
    const owned = new Set([...reported].filter((extension) => this.owners.claim(this.pbx, extension)));
    this.owners.keepOnly(this.pbx, reported);
    if (owned.size === reported.size) {
      this.service.onSnapshot(snapshot);
      return;
    }
    const mine = (extension: string) => this.owners.mayReport(this.pbx, extension);
    this.service.onSnapshot({
      endpoints: snapshot.endpoints.filter((e) => owned.has(e.endpoint)),
      contacts: snapshot.contacts.filter((c) => owned.has(c.endpoint)),
      deviceStates: new Map([...snapshot.deviceStates].filter(([extension]) => mine(extension))),
      dnd: snapshot.dnd && new Map([...snapshot.dnd].filter(([extension]) => mine(extension))),
      presence: snapshot.presence && new Map([...snapshot.presence].filter(([extension]) => mine(extension))),
      queueMembers: snapshot.queueMembers && snapshot.queueMembers.filter((m) => mine(m.endpoint)),
    });
  }

  onConnectionChange(connected: boolean, reason?: string): void {
    this.service.onConnectionChange(connected, reason);
  }

  private passes(fact: Fact): boolean {
    switch (fact.kind) {
      // What makes an extension exist in the tracker: a claim.
      case "contact":
      case "contactRemoved":
      case "deviceState":
      case "peerStatus":
      case "endpoint":
        return this.owners.claim(this.pbx, fact.endpoint);
      default:
        return this.owners.mayReport(this.pbx, fact.endpoint);
    }
  }
}
