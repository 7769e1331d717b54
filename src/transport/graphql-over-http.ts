/**
 * Where copygraph's HTTP answers follow the GraphQL-over-HTTP spec beyond what Apollo Server does on
 * its own (decisions, checked by `graphql-http`'s audit in test/federation/graphql-over-http.test.ts):
 *
 * - Request errors (parse, validation, variable coercion) answered as `application/json` get 200:
 *   the spec says SHOULD for that legacy media type, and Apollo Router and older clients read the
 *   body of a 200 but treat a 4xx from a subgraph as a transport failure. Answered as
 *   `application/graphql-response+json` they keep Apollo's 400 (the spec's 4xx).
 * - A missing or unknown API key stays 401 with `WWW-Authenticate: Bearer` (HTTP's own meaning of
 *   the status, which clients and routers act on); the spec leaves authentication to HTTP.
 * - `application/graphql` bodies (the query text itself; older clients) are taken as `{ query }`.
 * - Batched arrays (Apollo `BatchHttpLink`, urql's batch exchange, Apollo Router's subgraph batching)
 *   are accepted up to {@link MAX_BATCH_OPERATIONS} operations; every operation in a batch passes
 *   through the whole request pipeline (validation and any operation limits) on its own.
 */

/** Most operations in one batched request; a longer batch is refused with 400 before any runs. */
export const MAX_BATCH_OPERATIONS = 20;

/** Codes of request errors: the operation never ran. */
const REQUEST_ERROR_CODES = new Set(['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_USER_INPUT', 'OPERATION_RESOLUTION_FAILURE']);

/** The status to answer with, given Apollo's status, content type and complete body. */
export function answerStatus(status: number, contentType: string | undefined, body: string): number {
  if (status !== 400 || !(contentType ?? '').startsWith('application/json')) return status;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return status;
  }
  // A batch is answered 400 as a whole when one of its operations had a request error; the others ran.
  const batch = Array.isArray(parsed);
  const answers: unknown[] = Array.isArray(parsed) ? parsed : [parsed];
  const fine = answers.every((answer) => {
    if (!answer || typeof answer !== 'object') return false;
    if ('data' in answer) return batch;
    const errors = (answer as { errors?: unknown }).errors;
    return (
      Array.isArray(errors) &&
      errors.length > 0 &&
      errors.every((e: { extensions?: { code?: unknown } }) => REQUEST_ERROR_CODES.has(String(e?.extensions?.code)))
    );
  });
  return fine ? 200 : status;
}

/** An `application/graphql` body as the JSON request Apollo Server takes; anything else unchanged. */
export function graphqlBody(contentType: string | undefined): boolean {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() === 'application/graphql';
}

export function tooLargeBatch(body: unknown): boolean {
  return Array.isArray(body) && body.length > MAX_BATCH_OPERATIONS;
}
