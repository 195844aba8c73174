// Apollo Server on a plain node:http request (no framework): translate request and response.
// Credentials are checked before Apollo sees the request: without valid ones nothing is parsed or run.
import type { IncomingMessage, ServerResponse } from "node:http";
import { HeaderMap, type ApolloServer } from "@apollo/server";
import type { GraphQLContext } from "../graphql/context.ts";
import { credentialsFromHeaders, type Authenticator, type Principal } from "./auth.ts";
import { HttpError, MAX_JSON_DEPTH, nestingExceeds, readJsonBody } from "./body.ts";

export async function handleGraphQLHttp(
  apollo: ApolloServer<GraphQLContext>,
  createContext: (principal: Principal) => GraphQLContext,
  authenticator: Authenticator,
  req: IncomingMessage,
  res: ServerResponse,
  bodyLimitBytes: number,
  extraHeaders: Readonly<Record<string, string>> = {},
): Promise<void> {
  const auth = await authenticator.authenticate(credentialsFromHeaders(req.headers));
  if (!auth.ok) {
    if (auth.status === 401) res.setHeader("www-authenticate", 'Bearer realm="agent-availability"');
    res.writeHead(auth.status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" });
    const code = auth.status === 401 ? "UNAUTHENTICATED" : "FORBIDDEN";
    res.end(JSON.stringify({ errors: [{ message: auth.reason, extensions: { code } }] }));
    return;
  }
  const headers = new HeaderMap();
  for (const [key, value] of Object.entries({ ...req.headers, ...extraHeaders })) {
    if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(", ") : value);
  }
  const url = new URL(req.url ?? "/", "http://localhost");
  for (const name of ["variables", "extensions"]) {
    const value = url.searchParams.get(name);
    if (value !== null && nestingExceeds(value, MAX_JSON_DEPTH)) throw new HttpError(400, `${name} nested deeper than ${MAX_JSON_DEPTH} levels`);
  }
  const body = req.method === "POST" ? await readJsonBody(req, bodyLimitBytes) : undefined;
  const response = await apollo.executeHTTPGraphQLRequest({
    httpGraphQLRequest: { method: (req.method ?? "GET").toUpperCase(), headers, search: url.search, body },
    context: async () => createContext(auth.principal),
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
