// GraphQL over HTTP on the page's own origin: a typed document in, its typed data out.
import type { TypedDocumentString } from "../gql/graphql.ts";

export class GraphQLRequestError extends Error {}

export async function request<R, V>(document: TypedDocumentString<R, V>, variables?: V, signal?: AbortSignal): Promise<R> {
  const response = await fetch("/graphql", {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/graphql-response+json, application/json" },
    body: JSON.stringify({ query: document.toString(), variables }),
    signal,
  });
  const body = (await response.json().catch(() => ({}))) as { data?: R; errors?: Array<{ message: string }> };
  if (body.errors?.length || !body.data) throw new GraphQLRequestError(body.errors?.[0]?.message ?? `HTTP ${response.status}`);
  return body.data;
}

/** ws(s)://<this host>/graphql */
export function liveUrl(): string {
  return `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/graphql`;
}
