// The serialised form of cacheable GraphQL responses (src/graphql/response-cache.ts decides which are):
// an identical HTTP request, from a caller of the same role, while the data version is unchanged, is
// answered with the very bytes and headers Apollo sent last time, without parsing the body or running
// Apollo's pipeline (for a cached list of 500 agents, JSON.stringify was most of the cost).
//
// "Identical" is everything Apollo's answer depends on: method, query string, body text and the headers
// it reads (content type, accept, the CSRF-prevention headers). Credentials are checked before this
// cache is consulted, and the role is part of the key (a role hides fields).
import type { IncomingHttpHeaders } from "node:http";
import { isCurrent, type Cacheable, type ScopedVersions } from "../graphql/response-cache.ts";

export interface StoredResponse {
  status: number;
  headers: ReadonlyArray<readonly [string, string]>;
  /** Kept as the string Apollo made: node:http writes a string body in one write with its headers
   * (a Buffer body goes out as a second chunk, on loopback a second packet for the client). */
  body: string;
}

interface Entry extends StoredResponse, Cacheable {
  /** `headers` and the content length as writeHead takes them ([name, value, …]): one call, no header map. */
  flatHeaders: readonly string[];
  bytes: number;
}

/** The request headers Apollo's response depends on (runHttpQuery, preventCsrf). */
const VARYING_HEADERS = ["content-type", "accept", "apollo-require-preflight", "x-apollo-operation-name"] as const;

export class ResponseBytes {
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;

  constructor(
    private readonly options: {
      dataVersion: () => string;
      /** Versions of results that read only some agents (their entries carry a scope). */
      scoped?: ScopedVersions<never>;
      /** Until when the data behind `dataVersion` was last confirmed against its source (epoch ms):
       * an entry past its own TTL is still good while its version is current and this is ahead. */
      confirmedUntil?: () => number;
      /** Keys and bodies kept at most; past it the cache starts again empty. 0: off. */
      maxBytes: number;
      maxEntries: number;
      now?: () => number;
    },
  ) {}

  get enabled(): boolean {
    return this.options.maxBytes > 0;
  }

  key(partition: string, method: string, search: string, headers: IncomingHttpHeaders, extraHeaders: Readonly<Record<string, string>>, body: string): string {
    let key = `${partition}\u0000${method}\u0000${search}`;
    for (const name of VARYING_HEADERS) key += `\u0000${extraHeaders[name] ?? headers[name] ?? ""}`;
    return `${key}\u0000${body}`;
  }

  get(key: string): (StoredResponse & { flatHeaders: readonly string[] }) | null {
    const entry = this.entries.get(key);
    if (!entry) return null;
    const now = (this.options.now ?? Date.now)();
    const current = isCurrent(entry, this.options.dataVersion, this.options.scoped);
    if (current && entry.expiresAt <= now) {
      // Same data version, and the source re-read since (the status cache's TTL reload found no change):
      // as fresh as executing again would be.
      const confirmed = this.options.confirmedUntil?.() ?? 0;
      if (confirmed > now) entry.expiresAt = confirmed;
    }
    if (!current || entry.expiresAt <= now) {
      this.entries.delete(key);
      this.bytes -= entry.bytes;
      return null;
    }
    return entry;
  }

  set(key: string, cacheable: Cacheable, response: StoredResponse): void {
    if (!this.enabled) return;
    const bytes = 2 * (key.length + response.body.length); // UTF-16 in memory
    const old = this.entries.get(key);
    if (old) this.bytes -= old.bytes;
    if (this.bytes + bytes > this.options.maxBytes || (!old && this.entries.size >= this.options.maxEntries)) {
      this.entries.clear();
      this.bytes = 0;
    }
    if (bytes > this.options.maxBytes) return;
    this.entries.set(key, { ...response, flatHeaders: flatHeaders(response), ...cacheable, bytes });
    this.bytes += bytes;
  }
}

/** The headers as one writeHead list, with the content length node would otherwise add at end(). */
function flatHeaders(response: StoredResponse): readonly string[] {
  const flat = response.headers.flat();
  if (!response.headers.some(([name]) => name.toLowerCase() === "content-length")) flat.push("content-length", String(Buffer.byteLength(response.body)));
  return flat;
}
