// The executable schema: schema.graphql (the contract) + resolvers + the @auth directive, and the
// validation rules both HTTP and WebSocket operations go through.
import { readFileSync } from "node:fs";
import { makeExecutableSchema } from "@graphql-tools/schema";
import { costLimitRule } from "@escape.tech/graphql-armor-cost-limit";
import { maxAliasesRule } from "@escape.tech/graphql-armor-max-aliases";
import { maxDepthRule } from "@escape.tech/graphql-armor-max-depth";
import { maxDirectivesRule } from "@escape.tech/graphql-armor-max-directives";
import { GraphQLError, NoSchemaIntrospectionCustomRule, type GraphQLSchema, type ValidationContext, type ValidationRule } from "graphql";
import { resolvers } from "./resolvers/index.ts";
import { applyAuthDirective } from "./auth-directive.ts";

const SCHEMA_FILE = new URL("../../schema.graphql", import.meta.url);

export function buildSchema(): GraphQLSchema {
  return applyAuthDirective(makeExecutableSchema({ typeDefs: readFileSync(SCHEMA_FILE, "utf8"), resolvers: resolvers as never }));
}

export interface CostLimits {
  introspection: boolean;
  maxDepth: number;
  maxAliases: number;
  maxDirectives: number;
  maxCost: number;
}

/** GraphQL Armor's rules: each memoizes fragments, so validation stays linear whatever the nesting of
 * fragment spreads (the hand-written depth rule was exponential in it). Rejections are reported as
 * validation errors (HTTP 400) instead of thrown out of validate(). */
export function validationRules(options: CostLimits): ValidationRule[] {
  const report = (code: string) => ({
    propagateOnRejection: false,
    onReject: [
      (context: ValidationContext | null, error: GraphQLError) =>
        context?.reportError(new GraphQLError(error.message.replace(/^Syntax Error: /, ""), { extensions: { code } })),
    ],
  });
  const rules: ValidationRule[] = [
    maxDepthRule({ n: options.maxDepth, flattenFragments: true, ...report("QUERY_TOO_DEEP") }) as ValidationRule,
    maxAliasesRule({ n: options.maxAliases, ...report("TOO_MANY_ALIASES") }) as ValidationRule,
    maxDirectivesRule({ n: options.maxDirectives, ...report("TOO_MANY_DIRECTIVES") }) as ValidationRule,
    costLimitRule({ maxCost: options.maxCost, flattenFragments: true, ...report("QUERY_TOO_COSTLY") }) as ValidationRule,
  ];
  if (!options.introspection) rules.push(NoSchemaIntrospectionCustomRule);
  return rules;
}
