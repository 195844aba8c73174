// The executable schema: schema.graphql (the contract) + resolvers, and the validation rules both
// HTTP and WebSocket operations go through.
import { readFileSync } from "node:fs";
import { makeExecutableSchema } from "@graphql-tools/schema";
import { NoSchemaIntrospectionCustomRule, type GraphQLSchema, type ValidationRule } from "graphql";
import { resolvers } from "./resolvers/index.ts";
import { depthLimit } from "./depth-limit.ts";

const SCHEMA_FILE = new URL("../../schema.graphql", import.meta.url);

export function buildSchema(): GraphQLSchema {
  return makeExecutableSchema({ typeDefs: readFileSync(SCHEMA_FILE, "utf8"), resolvers: resolvers as never });
}

export function validationRules(options: { maxDepth: number; introspection: boolean }): ValidationRule[] {
  const rules: ValidationRule[] = [depthLimit(options.maxDepth)];
  if (!options.introspection) rules.push(NoSchemaIntrospectionCustomRule);
  return rules;
}
