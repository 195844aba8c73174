// Floor for HTTP queries: node:http + graphql-js, nothing else. Documents are parsed and validated once
// (a parse cache, as any production server has); every request is executed and serialised.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { buildSchema, execute, parse, validate, type DocumentNode, type GraphQLError } from "graphql";
import { FLOOR_SCHEMA, floorAgents, floorRoot } from "./agents.ts";

export interface GraphqlJsFloorOptions {
  first: number;
  agents: number;
}

export async function start(options: GraphqlJsFloorOptions) {
  const schema = buildSchema(FLOOR_SCHEMA);
  const rootValue = floorRoot(floorAgents(options.first, options.agents));
  const documents = new Map<string, DocumentNode | readonly GraphQLError[]>();
  const prepare = (query: string) => {
    let prepared = documents.get(query);
    if (!prepared) {
      const document = parse(query);
      const errors = validate(schema, document);
      prepared = errors.length ? errors : document;
      documents.set(query, prepared);
    }
    return prepared;
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = JSON.parse(Buffer.concat(chunks).toString()) as { query: string; variables?: Record<string, unknown>; operationName?: string };
      const prepared = prepare(body.query);
      const result = "kind" in prepared ? execute({ schema, document: prepared, rootValue, variableValues: body.variables, operationName: body.operationName }) : { errors: prepared };
      const json = JSON.stringify(result);
      res.writeHead(200, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(json) });
      res.end(json);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
