// What the supervisor must know before trusting the board: the link to the service, and AMI.
import type { LinkState } from "../../client/live-client.ts";
import type { FloorStatusQuery } from "../gql/graphql.ts";
import { useNow } from "../lib/use-floor.ts";
import { formatDuration } from "./Elapsed.tsx";

/** No event for this long while connected: say so (the demo and any live floor change far more often). */
const QUIET_MS = 120_000;

export function Banner(props: { link: LinkState; ami: FloorStatusQuery["amiStatus"] | null; statusError: string | null; lastEventAt: number | null; anyStale: boolean }) {
  const now = useNow();
  let message: string | null = null;
  let tone = "warn";
  if (props.link !== "connected") {
    message = props.link === "connecting" ? "Connecting to the service…" : "Reconnecting to the service… the board shows the last known state.";
    tone = "error";
  } else if (props.ami && !props.ami.connected) {
    message = `AMI is down${props.ami.lastError ? ` (${props.ami.lastError})` : ""}: agents show their last known state and are not offered for transfers.`;
    tone = "error";
  } else if (props.ami && !props.ami.synced) {
    message = "Resyncing with Asterisk…";
  } else if (props.anyStale) {
    message = "Some agents' state is stale.";
  } else if (props.statusError) {
    message = `Queue figures unavailable: ${props.statusError}`;
  } else if (props.lastEventAt !== null && now - props.lastEventAt > QUIET_MS) {
    message = `No change for ${formatDuration(now - props.lastEventAt)}.`;
    tone = "info";
  }
  return (
    <div role="status" aria-live="polite" className={message ? `banner banner-${tone}` : "banner banner-hidden"} data-link={props.link}>
      {message}
    </div>
  );
}
