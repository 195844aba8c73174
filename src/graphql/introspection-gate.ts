// Introspection is the operator's tool (GraphiQL's schema docs, codegen): when GRAPHQL_INTROSPECTION
// is on, `__schema` and `__type` still need the operator role, so an agent's token cannot map the
// API. `__typename` stays open: clients' caches ask for it in every query. Subscriptions cannot
// select `__schema`/`__type` at their root, so HTTP (this Apollo plugin) is the only way in.
import type { ApolloServerPlugin } from "@apollo/server";
import { BREAK, visit, type DocumentNode } from "graphql";
import { hasRole, type Principal } from "../http/auth.ts";
import { forbidden } from "./auth-directive.ts";

/** Cheap first look (most documents never mention either), then the parsed document decides. */
const MENTIONS_INTROSPECTION = /__(schema|type)\b/;

export function asksForIntrospection(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    Field(node) {
      if (node.name.value === "__schema" || node.name.value === "__type") {
        found = true;
        return BREAK;
      }
      return undefined;
    },
  });
  return found;
}

export function introspectionGatePlugin<Context extends { principal: Principal | null }>(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document, contextValue }) {
          // No query text (a persisted query): the document alone decides.
          if (request.query !== undefined && !MENTIONS_INTROSPECTION.test(request.query)) return;
          if (!asksForIntrospection(document)) return;
          const principal = contextValue.principal;
          if (principal && hasRole(principal, "operator")) return;
          throw forbidden("introspection requires the operator role");
        },
      };
    },
  };
}
