// Which PBX an extension is on, when one deployment watches several. Extensions are one namespace across
// the PBXs (dashboards, the CRM's users and the API name an agent by extension alone), so the first PBX
// that reports an extension owns it until a resync of that PBX no longer has it; another PBX reporting
// the same extension meanwhile is a collision: its reports of it are ignored and the collision is kept
// here for amiStatus, /readyz and the log. Pure and synchronous.

export interface Collision {
  extension: string;
  /** The PBX whose reports of the extension are served. */
  owner: string;
}

export class ExtensionOwners {
  private readonly owners = new Map<string, string>();
  /** By refused PBX: extension → the PBX that owns it. */
  private readonly refused = new Map<string, Map<string, string>>();

  constructor(
    /** Told once per new collision (not at every event of the refused extension). */
    private readonly onCollision: (pbx: string, collision: Collision) => void = () => undefined,
    /** Several instances: the PBX another instance serves an extension from (the cluster's stream), if any. */
    private readonly elsewhere: (extension: string) => string | null = () => null,
  ) {}

  ownerOf(extension: string): string | null {
    return this.owners.get(extension) ?? null;
  }

  /** May `pbx` report `extension`? Yes when it owns it, or nobody does (then it owns it from now on). */
  claim(pbx: string, extension: string): boolean {
    const owner = this.owners.get(extension) ?? this.elsewhere(extension) ?? undefined;
    if (owner === undefined || owner === pbx) {
      if (owner === undefined) this.owners.set(extension, pbx);
      this.refused.get(pbx)?.delete(extension);
      return true;
    }
    const refused = this.refused.get(pbx) ?? new Map<string, string>();
    this.refused.set(pbx, refused);
    if (refused.get(extension) !== owner) {
      refused.set(extension, owner);
      this.onCollision(pbx, { extension, owner });
    }
    return false;
  }

  /** A layer fact (presence, DND, queue) of an extension: passed unless another PBX owns it; claims nothing. */
  mayReport(pbx: string, extension: string): boolean {
    const owner = this.owners.get(extension) ?? this.elsewhere(extension) ?? undefined;
    return owner === undefined || owner === pbx;
  }

  /** A resync of `pbx` reported exactly `kept`: it gives up the others, and its collisions are only among `kept`. */
  keepOnly(pbx: string, kept: ReadonlySet<string>): void {
    for (const [extension, owner] of this.owners) if (owner === pbx && !kept.has(extension)) this.owners.delete(extension);
    const refused = this.refused.get(pbx);
    if (refused) for (const extension of [...refused.keys()]) if (!kept.has(extension)) refused.delete(extension);
  }

  /** The extensions `pbx` reports that another PBX owns. */
  collisionsOf(pbx: string): Collision[] {
    return [...(this.refused.get(pbx) ?? new Map<string, string>())].map(([extension, owner]) => ({ extension, owner })).sort((a, b) => (a.extension < b.extension ? -1 : a.extension > b.extension ? 1 : 0));
  }
}
