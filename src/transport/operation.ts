/**
 * What the streaming transports (graphql-ws, graphql-sse) check before running an operation, with the
 * codes Apollo Server gives the same failures over HTTP: a document that does not parse
 * (`GRAPHQL_PARSE_FAILED`), does not validate (`GRAPHQL_VALIDATION_FAILED`), names no runnable
 * operation (`OPERATION_RESOLUTION_FAILURE`) or has variables that do not coerce (`BAD_USER_INPUT`).
 * Without this, graphql-ws and graphql-sse send these errors without a code, and the masking turns
 * them into "Internal server error" (or graphql-ws closes the socket on a parse error).
 */
import type { DocumentNode, GraphQLError as GraphQLErrorType, GraphQLSchema, ValidationRule } from 'graphql';
import { createRequire } from 'node:module';

/**
 * Node's CommonJS copy of graphql: the one `@apollo/subgraph` built the schema with and the one
 * graphql-ws checks its refusals against (`instanceof GraphQLError`), whichever copy a bundler or
 * test runner gives this module.
 */
const graphql = createRequire(import.meta.url)('graphql') as typeof import('graphql');
const { GraphQLError, getOperationAST, parse, specifiedRules, validate } = graphql;
const { getVariableValues } = createRequire(import.meta.url)('graphql/execution/values.js') as typeof import('graphql/execution/values.js');

export interface OperationRequest {
  readonly query?: string | undefined;
  readonly variables?: Readonly<Record<string, unknown>> | null | undefined;
  readonly operationName?: string | null | undefined;
}

export interface PreparedOperation {
  readonly document: DocumentNode;
  readonly operationName: string | undefined;
  readonly variableValues: Record<string, unknown> | undefined;
}

export type Preparation = { readonly ok: true; readonly operation: PreparedOperation } | { readonly ok: false; readonly errors: readonly GraphQLErrorType[] };

/** Copies an error with a code, as Apollo Server's request pipeline stamps its own. */
function withCode(error: GraphQLErrorType, code: string): GraphQLErrorType {
  return new GraphQLError(error.message, {
    ...(error.nodes ? { nodes: error.nodes } : {}),
    ...(error.source ? { source: error.source } : {}),
    ...(error.positions ? { positions: error.positions } : {}),
    extensions: { ...error.extensions, code },
  });
}

/** A refusal built with the same GraphQLError class as the rest of this module. */
export function requestError(message: string, code: string): GraphQLErrorType {
  return new GraphQLError(message, { extensions: { code } });
}

/** The operation limits of HTTP (see src/operation-limits.ts), for the streaming transports too. */
export interface OperationChecks {
  readonly validationRules?: readonly ValidationRule[] | undefined;
  readonly maxTokens?: number | undefined;
}

/**
 * Documents that parsed and validated, per schema and checks, by query text: 10,000 subscribers of the
 * same subscription share one document (an AST with its token chain is several KB) and skip the parse
 * and validation. Bounded (oldest out first); documents are never mutated by execution.
 */
const DOCUMENT_CACHE_SIZE = 500;
const validDocuments = new WeakMap<GraphQLSchema, WeakMap<readonly ValidationRule[], Map<string, DocumentNode>>>();
const NO_RULES: readonly ValidationRule[] = [];

/** The cache for one schema and one list of extra rules (each transport passes the same list every time). */
function cachedDocuments(schema: GraphQLSchema, checks: OperationChecks): Map<string, DocumentNode> {
  const rules = checks.validationRules ?? NO_RULES;
  let bySchema = validDocuments.get(schema);
  if (!bySchema) validDocuments.set(schema, (bySchema = new WeakMap()));
  let docs = bySchema.get(rules);
  if (!docs) bySchema.set(rules, (docs = new Map()));
  return docs;
}

export function prepareOperation(schema: GraphQLSchema, request: OperationRequest, checks: OperationChecks = {}): Preparation {
  if (typeof request.query !== 'string' || request.query.trim() === '') {
    return { ok: false, errors: [requestError('GraphQL operations must contain a non-empty `query`.', 'BAD_REQUEST')] };
  }
  const docs = cachedDocuments(schema, checks);
  const cacheKey = `${checks.maxTokens ?? ''}:${request.query}`;
  let document = docs.get(cacheKey);
  if (!document) {
    try {
      document = parse(request.query, checks.maxTokens !== undefined ? { maxTokens: checks.maxTokens } : {});
    } catch (err) {
      return { ok: false, errors: [withCode(err as GraphQLErrorType, 'GRAPHQL_PARSE_FAILED')] };
    }
    const invalid = validate(schema, document, [...specifiedRules, ...(checks.validationRules ?? [])]);
    if (invalid.length > 0) return { ok: false, errors: invalid.map((e) => withCode(e, 'GRAPHQL_VALIDATION_FAILED')) };
    if (docs.size >= DOCUMENT_CACHE_SIZE) docs.delete(docs.keys().next().value as string);
    docs.set(cacheKey, document);
  }
  const operationName = request.operationName ?? undefined;
  const operation = getOperationAST(document, operationName);
  if (!operation) {
    const message = operationName ? `Unknown operation named "${operationName}".` : 'Must provide operation name if query contains multiple operations.';
    return { ok: false, errors: [requestError(message, 'OPERATION_RESOLUTION_FAILURE')] };
  }
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], { ...request.variables }, { maxErrors: 50 });
  if (coerced.errors) return { ok: false, errors: coerced.errors.map((e) => withCode(e, 'BAD_USER_INPUT')) };
  // The raw values go on: graphql-js coerces them again while executing, as it does over HTTP.
  return { ok: true, operation: { document, operationName, variableValues: request.variables ? { ...request.variables } : undefined } };
}
