// "3 min" since a moment, or "4 s" until one: re-rendered by the shared one-second clock only.
import { useNow } from "../lib/use-floor.ts";

export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function Since({ at }: { at: number }) {
  return <>{formatDuration(useNow() - at)}</>;
}

export function Until({ at }: { at: number }) {
  const left = at - useNow();
  return left > 0 ? <>{formatDuration(left)}</> : null;
}
