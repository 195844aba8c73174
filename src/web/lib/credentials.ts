// The wallboard's credential when the service requires one (AUTH_MODE=token): an access token or an
// API key (both go as `Authorization: Bearer …` and in connection_init), typed into the sign-in form
// or given once in the URL fragment (`/#token=…`, for a wall screen: a fragment never reaches the
// server or its logs, and is removed from the address bar at once). Kept in sessionStorage, so it
// is gone when the tab closes. A 401/403 or a WebSocket closed 4401/4403 asks for it again.
const STORAGE_KEY = "agent-availability.credential";

export interface CredentialState {
  credential: string | null;
  /** Why the service refused us, when it did: the sign-in form shows it. */
  refused: string | null;
}

export class Credentials {
  private state: CredentialState;
  private readonly listeners = new Set<() => void>();

  constructor(private readonly storage: Storage = sessionStorage) {
    this.state = { credential: this.fromUrl() ?? storage.getItem(STORAGE_KEY), refused: null };
  }

  get credential(): string | null {
    return this.state.credential;
  }

  getState = (): CredentialState => this.state;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  signIn(credential: string): void {
    this.storage.setItem(STORAGE_KEY, credential);
    this.set({ credential, refused: null });
  }

  signOut(): void {
    this.storage.removeItem(STORAGE_KEY);
    this.set({ credential: null, refused: null });
  }

  /** The service refused the credential (or wants one): the page asks for it. */
  refuse(reason: string): void {
    if (this.state.refused !== reason) this.set({ ...this.state, refused: reason });
  }

  /** The service accepted us: the form goes away. */
  accepted(): void {
    if (this.state.refused !== null) this.set({ ...this.state, refused: null });
  }

  private set(next: CredentialState): void {
    this.state = next;
    for (const listener of this.listeners) listener();
  }

  private fromUrl(): string | null {
    if (typeof location === "undefined") return null;
    const match = /(?:^#|&)token=([^&]+)/.exec(location.hash);
    if (!match?.[1]) return null;
    const credential = decodeURIComponent(match[1]);
    this.storage.setItem(STORAGE_KEY, credential);
    history.replaceState(null, "", location.pathname + location.search);
    return credential;
  }
}
