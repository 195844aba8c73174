// React bindings: the live floor (one store per page), a shared one-second clock, and polled queries.
import { useContext, useEffect, useRef, useState, useSyncExternalStore } from "react";
import type { TypedDocumentString } from "../gql/graphql.ts";
import { CredentialsContext, request } from "./http.ts";
import type { CredentialState } from "./credentials.ts";
import { LiveAgents, type FloorState } from "./live-agents.ts";

export function useFloor(store: LiveAgents): FloorState {
  return useSyncExternalStore(store.subscribe, store.getState);
}

const NO_CREDENTIALS: CredentialState = { credential: null, refused: null };
const noop = () => () => undefined;

/** The page's credential and whether the service asks for one. */
export function useCredentials(): CredentialState {
  const credentials = useContext(CredentialsContext);
  return useSyncExternalStore(credentials?.subscribe ?? noop, credentials?.getState ?? (() => NO_CREDENTIALS));
}

const clockListeners = new Set<() => void>();
let clockNow = Date.now();
let clockTimer: ReturnType<typeof setInterval> | null = null;
function subscribeClock(listener: () => void): () => void {
  clockListeners.add(listener);
  clockTimer ??= setInterval(() => {
    clockNow = Date.now();
    for (const l of clockListeners) l();
  }, 1_000);
  return () => {
    clockListeners.delete(listener);
    if (clockListeners.size === 0 && clockTimer !== null) {
      clearInterval(clockTimer);
      clockTimer = null;
    }
  };
}

/** The time, moving once a second: only the components that show a duration re-render. */
export function useNow(): number {
  return useSyncExternalStore(subscribeClock, () => clockNow);
}

export interface Polled<R> {
  data: R | null;
  error: string | null;
}

/** Runs the query now, every `intervalMs`, and whenever `key` changes (at most once per `intervalMs` / 2). */
export function usePolledQuery<R, V>(document: TypedDocumentString<R, V>, variables: V, intervalMs: number, key: unknown = null, enabled = true): Polled<R> {
  const [result, setResult] = useState<Polled<R>>({ data: null, error: null });
  const credentials = useContext(CredentialsContext);
  const { credential } = useCredentials();
  const variablesKey = JSON.stringify(variables);
  useEffect(() => {
    if (!enabled) return;
    const controller = new AbortController();
    request(document, JSON.parse(variablesKey) as V, credentials, controller.signal).then(
      (data) => setResult({ data, error: null }),
      (error: unknown) => !controller.signal.aborted && setResult((r) => ({ data: r.data, error: String((error as Error).message ?? error) })),
    );
    return () => controller.abort();
  }, [document, variablesKey, useThrottledKey(key, intervalMs / 2), useTick(intervalMs), enabled, credentials, credential]);
  return result;
}

function useTick(intervalMs: number): number {
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => setTick((t) => t + 1), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return tick;
}

/** `key`, but changing at most once per `ms` (the last value always lands). */
function useThrottledKey<T>(key: T, ms: number): T {
  const [value, setValue] = useState(key);
  const latest = useRef(key);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  latest.current = key;
  useEffect(() => {
    if (Object.is(key, value) || timer.current !== null) return;
    timer.current = setTimeout(() => {
      timer.current = null;
      setValue(() => latest.current);
    }, ms);
  }, [key, value, ms]);
  useEffect(() => () => void (timer.current !== null && clearTimeout(timer.current)), []);
  return value;
}
