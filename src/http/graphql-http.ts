// Apollo Server on a plain node:http request (no framework): translate request and response.
// Credentials are checked before Apollo sees the request: without valid ones nothing is parsed or run.
// A request identical to one whose cacheable answer is still valid gets that answer's bytes (ResponseBytes).
import type { IncomingMessage, ServerResponse } from "node:http";
import { HeaderMap, type ApolloServer } from "@apollo/server";
import type { GraphQLContext } from "../graphql/context.ts";
import { credentialsFromHeaders, type Authenticator, type Principal } from "./auth.ts";
import { HttpError, MAX_JSON_DEPTH, nestingExceeds, parseBody, readBodyText } from "./body.ts";
import type { ResponseBytes } from "./response-bytes.ts";

export async function handleGraphQLHttp(
  apollo: ApolloServer<GraphQLContext>,
  createContext: (principal: Principal) => GraphQLContext,
  authenticator: Authenticator,
  req: IncomingMessage,
  res: ServerResponse,
  /** The request URL's query string, with its "?" ("" when none). */
  search: string,
  bodyLimitBytes: number,
  extraHeaders: Readonly<Record<string, string>> = {},
  cache?: ResponseBytes,
): Promise<void> {
  const auth = await authenticator.authenticate(credentialsFromHeaders(req.headers));
  if (!auth.ok) {
    if (auth.status === 401) res.setHeader("www-authenticate", 'Bearer realm="agent-availability"');
    res.writeHead(auth.status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" });
    const code = auth.status === 401 ? "UNAUTHENTICATED" : "FORBIDDEN";
    res.end(JSON.stringify({ errors: [{ message: auth.reason, extensions: { code } }] }));
    return;
  }
  if (search.length > 1) {
    const params = new URLSearchParams(search);
    for (const name of ["variables", "extensions"]) {
      const value = params.get(name);
      if (value !== null && nestingExceeds(value, MAX_JSON_DEPTH)) throw new HttpError(400, `${name} nested deeper than ${MAX_JSON_DEPTH} levels`);
    }
  }
  const method = (req.method ?? "GET").toUpperCase();
  const text = req.method === "POST" ? await readBodyText(req, bodyLimitBytes) : "";
  const cacheKey = cache?.enabled ? cache.key(auth.principal.role, method, search, req.headers, extraHeaders, text) : null;
  const stored = cacheKey === null ? null : cache!.get(cacheKey);
  if (stored) {
    res.writeHead(stored.status, stored.flatHeaders as string[]);
    res.end(stored.body);
    return;
  }
  const body = req.method === "POST" ? parseBody(text, req.headers["content-type"]) : undefined;
  const headers = new HeaderMap();
  for (const [key, value] of Object.entries({ ...req.headers, ...extraHeaders })) {
    if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(", ") : value);
  }
  let contextValue: GraphQLContext | undefined;
  const response = await apollo.executeHTTPGraphQLRequest({
    httpGraphQLRequest: { method, headers, search, body },
    context: async () => (contextValue = createContext(auth.principal)),
  });
  for (const [key, value] of response.headers) res.setHeader(key, value);
  res.statusCode = response.status ?? 200;
  if (response.body.kind === "complete") {
    // Set by the response cache plugin when this is a reusable result (never for a batch: one context, several operations).
    const cacheable = cacheKey !== null && !Array.isArray(body) ? contextValue?.reuse.cacheable : null;
    if (cacheable && res.statusCode === 200) {
      cache!.set(cacheKey!, cacheable, { status: res.statusCode, headers: [...response.headers], body: response.body.string });
    }
    res.end(response.body.string);
    return;
  }
  for await (const chunk of response.body.asyncIterator) res.write(chunk);
  res.end();
}
