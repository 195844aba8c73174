// Authorisation for GraphQL, in one place: the `@auth` directive of schema.graphql, applied to the
// executable schema by wrapping resolvers (and subscribe functions). HTTP and graphql-ws execute the
// same schema, so both are covered by this file alone. Every field needs an authenticated principal;
// `@auth(requires: …)` on a field or on its type raises the bar; `ownExtension: "arg"` lets an AGENT
// pass only one of their own extensions in that argument (supervisors and operators: any).
import { getDirective, MapperKind, mapSchema } from "@graphql-tools/utils";
import { defaultFieldResolver, GraphQLError, type GraphQLFieldConfig, type GraphQLSchema } from "graphql";
import type { Role } from "../config.ts";
import { hasRole, type Principal } from "../http/auth.ts";

interface AuthRule {
  requires: Role;
  ownExtension: string | null;
}

interface WithPrincipal {
  principal?: Principal | null;
}

export function forbidden(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: "FORBIDDEN", http: { status: 403 } } });
}

export function unauthenticated(message = "authentication required"): GraphQLError {
  return new GraphQLError(message, { extensions: { code: "UNAUTHENTICATED", http: { status: 401 } } });
}

export function applyAuthDirective(schema: GraphQLSchema): GraphQLSchema {
  return mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (field, fieldName, typeName) => {
      const type = schema.getType(typeName);
      const onField = rule(getDirective(schema, field, "auth")?.[0]);
      const onType = type ? rule(getDirective(schema, type, "auth")?.[0]) : null;
      const effective = strictest(onField, onType);
      // Nested fields are reached only through a root field, which already demanded a principal:
      // only root fields and stricter rules are wrapped, so the hot path (scalars) stays untouched.
      const root = typeName === schema.getQueryType()?.name || typeName === schema.getMutationType()?.name || typeName === schema.getSubscriptionType()?.name;
      if (!root && effective.requires === "agent" && !effective.ownExtension) return field;
      return guard(field, `${typeName}.${fieldName}`, effective);
    },
  });
}

function rule(args: Record<string, unknown> | undefined): AuthRule | null {
  if (!args) return null;
  const requires = String(args.requires ?? "AGENT").toLowerCase() as Role;
  return { requires, ownExtension: typeof args.ownExtension === "string" ? args.ownExtension : null };
}

const RANK: Record<Role, number> = { agent: 1, supervisor: 2, operator: 3 };

function strictest(a: AuthRule | null, b: AuthRule | null): AuthRule {
  const base: AuthRule = { requires: "agent", ownExtension: null };
  const rules = [a, b].filter((r): r is AuthRule => r !== null);
  return rules.reduce(
    (acc, r) => ({ requires: RANK[r.requires] > RANK[acc.requires] ? r.requires : acc.requires, ownExtension: acc.ownExtension ?? r.ownExtension }),
    base,
  );
}

function guard(field: GraphQLFieldConfig<unknown, WithPrincipal>, coordinate: string, auth: AuthRule): GraphQLFieldConfig<unknown, WithPrincipal> {
  const check = (args: Record<string, unknown>, context: WithPrincipal): void => {
    const principal = context?.principal;
    if (!principal) throw unauthenticated();
    if (!hasRole(principal, auth.requires)) throw forbidden(`${coordinate} requires the ${auth.requires} role`);
    if (auth.ownExtension && principal.role === "agent") {
      const value = args[auth.ownExtension];
      const wanted = Array.isArray(value) ? value.map(String) : value === undefined || value === null ? [] : [String(value)];
      if (wanted.some((extension) => !principal.extensions.includes(extension))) {
        throw forbidden(`${coordinate}: an agent may only act on their own extension`);
      }
    }
  };
  const resolve = field.resolve ?? defaultFieldResolver;
  const wrapped: GraphQLFieldConfig<unknown, WithPrincipal> = {
    ...field,
    resolve: (source, args, context, info) => {
      check(args, context);
      return resolve(source, args, context, info);
    },
  };
  if (field.subscribe) {
    const subscribe = field.subscribe;
    wrapped.subscribe = (source, args, context, info) => {
      check(args, context);
      return subscribe(source, args, context, info);
    };
  }
  return wrapped;
}
