// GraphQL over HTTP on the page's own origin: a typed document in, its typed data out, with the
// credential when there is one (a 401/403 asks the page to sign in).
import { createContext } from "react";
import type { TypedDocumentString } from "../gql/graphql.ts";
import type { Credentials } from "./credentials.ts";

export class GraphQLRequestError extends Error {}

export const SIGN_IN = "Sign in to see the floor.";

/** The page's credentials, for components that query (set once in main.tsx). */
export const CredentialsContext = createContext<Credentials | null>(null);

export async function request<R, V>(document: TypedDocumentString<R, V>, variables: V | undefined, credentials: Credentials | null, signal?: AbortSignal): Promise<R> {
  const credential = credentials?.credential;
  const response = await fetch("/graphql", {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/graphql-response+json, application/json",
      ...(credential ? { authorization: `Bearer ${credential}` } : {}),
    },
    body: JSON.stringify({ query: document.toString(), variables }),
    signal,
  });
  const body = (await response.json().catch(() => ({}))) as { data?: R; errors?: Array<{ message: string }> };
  if (response.status === 401 || response.status === 403) {
    const said = body.errors?.[0]?.message ?? `HTTP ${response.status}`;
    // The board needs at least a supervisor: an agent's token cannot show it.
    credentials?.refuse(response.status === 403 ? `Not allowed: ${said}. The wallboard needs a supervisor's or operator's credential.` : credential ? `Refused: ${said}.` : SIGN_IN);
  } else {
    credentials?.accepted();
  }
  if (body.errors?.length || !body.data) throw new GraphQLRequestError(body.errors?.[0]?.message ?? `HTTP ${response.status}`);
  return body.data;
}

/** ws(s)://<this host>/graphql */
export function liveUrl(): string {
  return `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/graphql`;
}
