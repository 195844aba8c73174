// Credentials revoked before they expire. A JWT is otherwise valid until its `exp`; an API key until
// the configuration drops it. Two kinds of entry:
// - `token`: one JWT, by its `jti`;
// - `subject`: everything a subject holds that was issued at or before the revocation (a JWT `sub`,
//   "log out everywhere": a token issued later is accepted again), or an API key (`api-key:<name>`),
//   which has no issue time and stays refused until the revocation is lifted.
// The list is kept in memory (every request checks it) and in the database (every instance reloads
// it, so a revocation made on one reaches all); a change closes the WebSockets it now refuses.
import type { Principal } from "./auth.ts";

export type RevocationKind = "token" | "subject";

export interface Revocation {
  kind: RevocationKind;
  value: string;
  revokedAt: number;
  /** Epoch ms after which the entry is dropped (every token it could refuse has expired); null: kept until lifted. */
  expiresAt: number | null;
  reason: string | null;
}

export class RevocationList {
  private tokens = new Map<string, Revocation>();
  private subjects = new Map<string, Revocation>();
  private readonly listeners = new Set<() => void>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Whether this principal's credential has been revoked (and the revocation still holds). */
  isRevoked(principal: Principal): boolean {
    if (this.tokens.size === 0 && this.subjects.size === 0) return false;
    const now = this.now();
    const live = (entry: Revocation | undefined): entry is Revocation => entry !== undefined && (entry.expiresAt === null || entry.expiresAt > now);
    if (principal.tokenId !== undefined && live(this.tokens.get(principal.tokenId))) return true;
    const subject = this.subjects.get(principal.subject);
    if (!live(subject)) return false;
    // A token issued after the revocation (the user signed in again) is accepted.
    return principal.issuedAt === undefined || principal.issuedAt <= subject.revokedAt;
  }

  /** Adds (or replaces) one entry; listeners hear of it at once. */
  add(entry: Revocation): void {
    this.mapFor(entry.kind).set(entry.value, entry);
    this.changed();
  }

  remove(kind: RevocationKind, value: string): boolean {
    const removed = this.mapFor(kind).delete(value);
    if (removed) this.changed();
    return removed;
  }

  /** Replaces the whole list with what the database holds; listeners hear of it when it differs. */
  replace(entries: readonly Revocation[]): void {
    const tokens = new Map<string, Revocation>();
    const subjects = new Map<string, Revocation>();
    for (const entry of entries) (entry.kind === "token" ? tokens : subjects).set(entry.value, entry);
    const same = sameEntries(tokens, this.tokens) && sameEntries(subjects, this.subjects);
    this.tokens = tokens;
    this.subjects = subjects;
    if (!same) this.changed();
  }

  list(): Revocation[] {
    return [...this.tokens.values(), ...this.subjects.values()].sort((a, b) => b.revokedAt - a.revokedAt);
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private mapFor(kind: RevocationKind): Map<string, Revocation> {
    return kind === "token" ? this.tokens : this.subjects;
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }
}

function sameEntries(a: ReadonlyMap<string, Revocation>, b: ReadonlyMap<string, Revocation>): boolean {
  if (a.size !== b.size) return false;
  for (const [key, entry] of a) {
    const other = b.get(key);
    if (!other || other.revokedAt !== entry.revokedAt || other.expiresAt !== entry.expiresAt) return false;
  }
  return true;
}
