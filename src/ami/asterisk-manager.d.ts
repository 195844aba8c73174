// Minimal types for the untyped `asterisk-manager` 0.2.0 (no bundled or @types package exists).
// Only what src/ami/manager-client.ts uses; see node_modules/asterisk-manager/lib/ami.js.
declare module "asterisk-manager" {
  import type { NetConnectOpts } from "node:net";

  /** A parsed message: header names lower-cased and trimmed; a repeated header becomes an array;
   * `Variable`/`ChanVariable` headers become a `name → value` object. */
  type RawMessage = Record<string, string | string[] | Record<string, string> | undefined>;

  interface ManagerInstance {
    /** Opens a socket with `net.createConnection(port, host)`: an options object in `port` is passed through. */
    connect(port: number | NetConnectOpts, host?: string, callback?: (err: null) => void): void;
    /** Sends `Action: login` with the constructor's credentials and the ignored header `Event:`.
     * On success the library marks the session authenticated and flushes actions it held back. */
    login(callback: (err?: RawMessage) => void): void;
    /** Writes the action (header names lower-cased, first letter upper-cased, lines sorted) and
     * returns the ActionID used. Actions other than `login` are held back until login succeeded. */
    action(fields: Record<string, string>, callback?: (err: RawMessage | undefined, response: RawMessage) => void): string;
    /** `end()`s the socket (no destroy) and forgets it. */
    disconnect(callback?: () => void): void;
    isConnected(): boolean;
    /** Never call: its reconnect is fixed at 10 s, console.logs and is a no-op once connected. */
    keepConnected(): void;

    on(event: "managerevent" | "response" | "asterisk", listener: (message: RawMessage) => void): void;
    /** Every parsed message, from the library's reader (its own handler re-emits responses by ActionID). */
    on(event: "rawevent", listener: (item: unknown) => void): void;
    on(event: "connect" | "end", listener: () => void): void;
    on(event: "close", listener: (hadError: boolean) => void): void;
    on(event: "error", listener: (error: unknown) => void): void;
    removeAllListeners(event?: string): void;
    listeners(event: string): unknown[];
    /** The login callback waits on its ActionID as an event name. */
    emit(event: string, ...args: unknown[]): boolean;
  }

  function Manager(port?: number, host?: string, username?: string, password?: string, events?: boolean): ManagerInstance;
  export = Manager;
}
