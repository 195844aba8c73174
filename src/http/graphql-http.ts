// Apollo Server on a plain node:http request (no framework): translate request and response.
import type { IncomingMessage, ServerResponse } from "node:http";
import { HeaderMap, type ApolloServer } from "@apollo/server";
import type { GraphQLContext } from "../graphql/context.ts";
import { readJsonBody } from "./body.ts";

export async function handleGraphQLHttp(
  apollo: ApolloServer<GraphQLContext>,
  createContext: () => GraphQLContext,
  req: IncomingMessage,
  res: ServerResponse,
  bodyLimitBytes: number,
  extraHeaders: Readonly<Record<string, string>> = {},
): Promise<void> {
  const headers = new HeaderMap();
  for (const [key, value] of Object.entries({ ...req.headers, ...extraHeaders })) {
    if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(", ") : value);
  }
  const url = new URL(req.url ?? "/", "http://localhost");
  const body = req.method === "POST" ? await readJsonBody(req, bodyLimitBytes) : undefined;
  const response = await apollo.executeHTTPGraphQLRequest({
    httpGraphQLRequest: { method: (req.method ?? "GET").toUpperCase(), headers, search: url.search, body },
    context: async () => createContext(),
  });
  for (const [key, value] of response.headers) res.setHeader(key, value);
  res.statusCode = response.status ?? 200;
  if (response.body.kind === "complete") {
    res.end(response.body.string);
    return;
  }
  for await (const chunk of response.body.asyncIterator) res.write(chunk);
  res.end();
}
