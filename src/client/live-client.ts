// A graphql-ws client that never gives up: it reconnects forever with a capped, jittered backoff,
// after a clean close, a close with no frame (1006), a server restart (1001/1012) and a refused
// connection (ECONNREFUSED, where graphql-ws's own default stops at once). Works in browsers and Node.
//
//   const client = createLiveClient({ url: "ws://localhost:4000/graphql", onState: (s) => show(s) });
//   client.subscribe({ query }, sink);   // re-subscribed on every reconnect: a fresh snapshot each time
import { createClient, type Client, type ClientOptions } from "graphql-ws";

export type LinkState = "connecting" | "connected" | "reconnecting";

/** graphql-ws closes the service uses for credentials: missing or invalid (4401), refused, expired or revoked (4403). */
export const AUTH_CLOSE_CODES: ReadonlySet<number> = new Set([4401, 4403]);

export interface LiveClientOptions extends Omit<ClientOptions, "retryAttempts" | "shouldRetry" | "retryWait"> {
  /** Cap of the wait between two attempts (default 10 s). */
  maxRetryDelayMs?: number;
  /** Told when the link changes: "connecting" (first time), "connected", "reconnecting". */
  onState?: (state: LinkState) => void;
}

export function createLiveClient(options: LiveClientOptions): Client {
  const { maxRetryDelayMs = 10_000, onState, on, ...rest } = options;
  let connectedOnce = false;
  return createClient({
    ...rest,
    retryAttempts: Infinity,
    // Any close or socket error is worth another try; graphql-ws still stops on its own fatal codes
    // (4400 bad request, 4406 bad subprotocol, ...), which a retry cannot fix.
    shouldRetry: () => true,
    retryWait: (retries) => new Promise((resolve) => setTimeout(resolve, backoffDelay(retries, maxRetryDelayMs))),
    on: {
      ...on,
      connecting: (isRetry) => {
        onState?.(connectedOnce || isRetry ? "reconnecting" : "connecting");
        on?.connecting?.(isRetry);
      },
      connected: (socket, payload, wasRetry) => {
        connectedOnce = true;
        onState?.("connected");
        on?.connected?.(socket, payload, wasRetry);
      },
      closed: (event) => {
        if (connectedOnce) onState?.("reconnecting");
        on?.closed?.(event);
      },
    },
  });
}

/** Wait before attempt `retries` (0-based): 0.5 s, 1 s, 2 s, … up to `capMs`, each between half and all of it. */
export function backoffDelay(retries: number, capMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(capMs, 500 * 2 ** Math.min(retries, 20));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
