// Revoking credentials before they expire (operator mutations): the in-memory list every request
// checks, kept in the database so every instance and every restart refuses the same credentials.
// Each instance reloads the list every AUTH_REVOCATION_REFRESH_MS; a database that does not answer
// leaves the last list in force (nothing already revoked is ever accepted again because of an outage).
import type { Log } from "../domain/ports.ts";
import { withDeadline } from "../deadline.ts";
import type { Revocation, RevocationKind, RevocationList } from "../http/revocations.ts";
import type { RevocationStore } from "../store/revocation-store.ts";

export class RevocationInputError extends Error {}
export class RevocationStorageError extends Error {}

export interface RevokeRequest {
  subject?: string | null;
  tokenId?: string | null;
  reason?: string | null;
}

const MAX_TEXT = 200;
// Control characters would reach logs and the database: refused, as elsewhere.
const PRINTABLE = /^[^\p{Cc}]*$/u;

export class CredentialRevocations {
  private timer: NodeJS.Timeout | undefined;
  private loading: Promise<void> | null = null;
  /** Moves with every local change; a reload that overlapped one (or a write still in flight) is not applied. */
  private localChanges = 0;
  private writesInFlight = 0;

  constructor(
    private readonly list: RevocationList,
    private readonly store: RevocationStore,
    private readonly options: { refreshMs: number; retentionS: number; timeoutMs: number; log: Log; now?: () => number },
  ) {}

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  /** Loads the list once (a failure is logged: the service starts, and the next refresh retries), then keeps it fresh. */
  async start(): Promise<void> {
    await this.reload();
    this.timer = setInterval(() => void this.reload(), this.options.refreshMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  reload(): Promise<void> {
    const changesBefore = this.localChanges;
    this.loading ??= withDeadline(this.store.list(this.now()), this.options.timeoutMs, "loading revoked credentials")
      .then((entries) => {
        // The database may not hold this instance's latest change yet: the next reload will.
        if (this.writesInFlight === 0 && this.localChanges === changesBefore) this.list.replace(entries);
      })
      .catch((error: Error) => this.options.log.warn({ err: error.message }, "revoked credentials not reloaded: the last list stays in force"))
      .finally(() => (this.loading = null));
    return this.loading;
  }

  current(): Revocation[] {
    return this.list.list();
  }

  /** Refuses at once on this instance (open sockets closed), then stores it for the others and for restarts. */
  async revoke(request: RevokeRequest): Promise<Revocation[]> {
    const subject = text(request.subject, "subject");
    const tokenId = text(request.tokenId, "tokenId");
    const reason = text(request.reason, "reason");
    if (!subject && !tokenId) throw new RevocationInputError("give a subject (a JWT sub or api-key:<name>), a tokenId (a JWT jti), or both");
    const now = this.now();
    const retained = now + this.options.retentionS * 1000;
    const entries: Revocation[] = [];
    if (tokenId) entries.push({ kind: "token", value: tokenId, revokedAt: now, expiresAt: retained, reason });
    // An API key has no issue time or expiry: its revocation holds until lifted.
    if (subject) entries.push({ kind: "subject", value: subject, revokedAt: now, expiresAt: subject.startsWith("api-key:") ? null : retained, reason });
    for (const entry of entries) this.list.add(entry);
    this.options.log.info({ subject, tokenId, reason }, "credentials revoked");
    await this.persist(entries.map((entry) => this.store.save(entry)));
    return entries;
  }

  /** Lifts a revocation (a key re-issued, a mistake). */
  async restore(request: { subject?: string | null; tokenId?: string | null }): Promise<boolean> {
    const targets: Array<[RevocationKind, string]> = [];
    const subject = text(request.subject, "subject");
    const tokenId = text(request.tokenId, "tokenId");
    if (subject) targets.push(["subject", subject]);
    if (tokenId) targets.push(["token", tokenId]);
    if (targets.length === 0) throw new RevocationInputError("give the subject or tokenId to restore");
    let found = false;
    for (const [kind, value] of targets) found = this.list.remove(kind, value) || found;
    const stored = await this.persist(targets.map(([kind, value]) => this.store.remove(kind, value)));
    this.options.log.info({ subject, tokenId }, "revocation lifted");
    return found || stored.some(Boolean);
  }

  private async persist<T>(writes: Array<Promise<T>>): Promise<T[]> {
    this.localChanges += 1;
    this.writesInFlight += 1;
    const all = Promise.all(writes);
    try {
      return await withDeadline(all, this.options.timeoutMs, "storing revoked credentials");
    } catch (error) {
      throw new RevocationStorageError(`applied on this instance only; the database did not take it (${(error as Error).message}): try again`);
    } finally {
      // A write past its deadline may still land: it counts as in flight until it settles.
      void all.then(
        () => (this.writesInFlight -= 1),
        () => (this.writesInFlight -= 1),
      );
    }
  }
}

function text(value: string | null | undefined, name: string): string | null {
  if (value === null || value === undefined || value.trim() === "") return null;
  if (value.length > MAX_TEXT) throw new RevocationInputError(`${name}: at most ${MAX_TEXT} characters`);
  if (!PRINTABLE.test(value)) throw new RevocationInputError(`${name}: no control characters`);
  return value.trim();
}
