/**
 * copygraph's error vocabulary. Expected failures travel as values (`InvalidInput`, `UpstreamFailure`)
 * that resolvers turn into the `CopyError` union members of the schema; anything else is a bug and is
 * masked to `INTERNAL_SERVER_ERROR` on its way to the client (see `maskError`).
 *
 * Imports only the scrubber (a leaf itself), so datasources and resolvers may both use it.
 */
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { scrub } from './secrets.ts';

/** One enum for mutations and failed tasks alike; values equal keys. */
export const CopyErrorCode = {
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  ALREADY_EXISTS: 'ALREADY_EXISTS',
  LIMIT_EXCEEDED: 'LIMIT_EXCEEDED',
  RATE_LIMITED: 'RATE_LIMITED',
  UPSTREAM_UNAVAILABLE: 'UPSTREAM_UNAVAILABLE',
  UPSTREAM_ERROR: 'UPSTREAM_ERROR',
  OUTCOME_UNKNOWN: 'OUTCOME_UNKNOWN',
  TASK_EXPIRED: 'TASK_EXPIRED',
  CREDENTIALS_REQUIRED: 'CREDENTIALS_REQUIRED',
  IDEMPOTENCY_KEY_REUSED: 'IDEMPOTENCY_KEY_REUSED',
} as const;
export type CopyErrorCode = (typeof CopyErrorCode)[keyof typeof CopyErrorCode];

export const Provider = {
  COZE: 'COZE',
  FEISHU: 'FEISHU',
  QINIU: 'QINIU',
  PAN123: 'PAN123',
  BLUE: 'BLUE',
} as const;
export type Provider = (typeof Provider)[keyof typeof Provider];

export interface InvalidFieldDetail {
  readonly path: string;
  readonly message: string;
}

/** Input refused before anything went upstream. */
export class InvalidInput extends Error {
  override readonly name = 'InvalidInput';
  readonly code = CopyErrorCode.BAD_USER_INPUT;
  constructor(readonly fields: readonly InvalidFieldDetail[]) {
    super(fields.map((f) => `${f.path}: ${f.message}`).join('; '));
  }
}

export interface UpstreamFailureDetail {
  readonly code: CopyErrorCode;
  readonly provider: Provider;
  /** Human-readable; must never contain a credential. */
  readonly message: string;
  readonly upstreamCode?: string | undefined;
  readonly upstreamMessage?: string | undefined;
  readonly logId?: string | undefined;
  readonly retryable: boolean;
  readonly retryAfterSeconds?: number | undefined;
}

/** The upstream refused or failed a call, or could not be reached. Thrown by datasources. */
export class UpstreamFailure extends Error implements UpstreamFailureDetail {
  override readonly name = 'UpstreamFailure';
  readonly code: CopyErrorCode;
  readonly provider: Provider;
  readonly upstreamCode: string | undefined;
  readonly upstreamMessage: string | undefined;
  readonly logId: string | undefined;
  readonly retryable: boolean;
  readonly retryAfterSeconds: number | undefined;
  constructor(detail: UpstreamFailureDetail) {
    // Upstreams may echo a token in their messages: known secrets never leave this object.
    super(scrub(detail.message));
    this.code = detail.code;
    this.provider = detail.provider;
    this.upstreamCode = scrub(detail.upstreamCode);
    this.upstreamMessage = scrub(detail.upstreamMessage);
    this.logId = detail.logId;
    this.retryable = detail.retryable;
    this.retryAfterSeconds = detail.retryAfterSeconds;
  }
}

export function isUpstreamFailure(err: unknown): err is UpstreamFailure {
  return err instanceof UpstreamFailure;
}

/** A deliberate top-level GraphQL error (authentication, a missing task on a subscription). */
export function graphQLError(message: string, code: 'UNAUTHENTICATED' | 'NOT_FOUND' | 'BAD_USER_INPUT' | 'FORBIDDEN'): GraphQLError {
  return new GraphQLError(message, { extensions: { code } });
}

/** Codes Apollo Server or we set on purpose; anything else reaching the client is masked. */
const DELIBERATE_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'RATE_LIMITED',
  'LIMIT_EXCEEDED',
]);

/**
 * `instanceof` is not enough: a bundler or test runner may load a second copy of `graphql`, whose
 * GraphQLError class is another object. graphql-js stamps its errors with a string tag.
 */
export function isGraphQLError(err: unknown): err is GraphQLError {
  return err instanceof GraphQLError || Object.prototype.toString.call(err) === '[object GraphQLError]';
}

export const INTERNAL_ERROR_MESSAGE = 'Internal server error';

const CONTEXT_PREFIX = /^Context creation failed: /;

/**
 * Masks unexpected errors: the client sees a generic message with `INTERNAL_SERVER_ERROR`, and
 * `report` receives the original (for the log). Deliberate errors pass unchanged.
 */
export function maskError(formatted: GraphQLFormattedError, original: unknown, report: (err: unknown) => void): GraphQLFormattedError {
  const code = formatted.extensions?.['code'];
  const cause = isGraphQLError(original) ? original.originalError : original;
  const deliberate = isGraphQLError(original) && (cause === undefined || cause === null || isGraphQLError(cause));
  if (typeof code === 'string' && DELIBERATE_CODES.has(code) && deliberate) {
    const { extensions, message, ...rest } = formatted;
    // Never leak stack traces, even outside production.
    const { stacktrace: _stack, ...safeExtensions } = extensions ?? {};
    // Apollo Server prefixes errors thrown while building the context (a refused API key) over HTTP
    // only; without the prefix the refusal reads the same on graphql-ws and graphql-sse.
    return { ...rest, message: message.replace(CONTEXT_PREFIX, ''), extensions: safeExtensions };
  }
  report(cause ?? original);
  return {
    message: INTERNAL_ERROR_MESSAGE,
    ...(formatted.locations ? { locations: formatted.locations } : {}),
    ...(formatted.path ? { path: formatted.path } : {}),
    extensions: { code: 'INTERNAL_SERVER_ERROR' },
  };
}
