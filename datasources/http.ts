/**
 * The one HTTP call every REST datasource makes: a timeout, and transport failures mapped to typed
 * errors that say whether the request may have reached the upstream. Copying is not idempotent, so a
 * request that was sent and got no answer is `OUTCOME_UNKNOWN`, never retried here.
 */
import { Agent, request } from 'undici';
import { CopyErrorCode, type Provider, UpstreamFailure } from '../src/core/errors.ts';
import { observeUpstream } from '../src/core/metrics.ts';
import { traceUpstream } from '../src/core/tracing.ts';

export interface UpstreamRequest {
  readonly provider: Provider;
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  readonly url: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
  readonly timeoutMs: number;
  /** Read-only calls may be retried by the caller; a non-idempotent call that times out is OUTCOME_UNKNOWN. */
  readonly idempotent: boolean;
}

/** Response headers, read like the Fetch API's (`get` is case-insensitive and gives null when absent). */
export interface ResponseHeaders {
  get(name: string): string | null;
}

export interface UpstreamResponse {
  readonly status: number;
  readonly headers: ResponseHeaders;
  readonly text: string;
}

/**
 * One keep-alive connection pool for every upstream. undici's `request` is about 2.5 times the
 * throughput of the global `fetch` on these machines (measured: 7.5k vs 2.9k requests a second).
 */
const agent = new Agent({ keepAliveTimeout: 10_000, connections: 128 });

function headersOf(raw: Record<string, string | string[] | undefined>): ResponseHeaders {
  return {
    get: (name) => {
      const v = raw[name.toLowerCase()];
      return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
    },
  };
}

/** Error codes of Node's HTTP client that mean the request never left this machine. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ERR_INVALID_URL']);

function causeCode(err: unknown): string | undefined {
  let e: unknown = err;
  for (let depth = 0; depth < 4 && e && typeof e === 'object'; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** One upstream call, measured (metrics) and traced: the wrapper around `send` below. */
export function sendUpstream(req: UpstreamRequest): Promise<UpstreamResponse> {
  return traceUpstream(req, () => observeUpstream(req, () => send(req)));
}

async function send(req: UpstreamRequest): Promise<UpstreamResponse> {
  try {
    const res = await request(req.url, {
      method: req.method,
      headers: req.headers ?? {},
      ...(req.body !== undefined ? { body: req.body } : {}),
      dispatcher: agent,
      signal: AbortSignal.timeout(req.timeoutMs),
    });
    return { status: res.statusCode, headers: headersOf(res.headers), text: await res.body.text() };
  } catch (err) {
    throw transportFailure(req, err);
  }
}

function transportFailure(req: UpstreamRequest, err: unknown): UpstreamFailure {
  const code = causeCode(err);
  const name = err instanceof Error ? err.name : '';
  const timedOut = name === 'TimeoutError' || name === 'AbortError' || code === 'UND_ERR_ABORTED' || code === 'UND_ERR_HEADERS_TIMEOUT';
  if (code !== undefined && NOT_SENT.has(code)) {
    return new UpstreamFailure({
      code: CopyErrorCode.UPSTREAM_UNAVAILABLE,
      provider: req.provider,
      message: `${req.provider} could not be reached (${code}); nothing was sent.`,
      retryable: true,
    });
  }
  const what = timedOut ? `no answer within ${req.timeoutMs} ms` : `the connection failed (${code ?? 'unknown error'})`;
  if (req.idempotent) {
    return new UpstreamFailure({ code: CopyErrorCode.UPSTREAM_UNAVAILABLE, provider: req.provider, message: `${req.provider}: ${what}.`, retryable: true });
  }
  return new UpstreamFailure({
    code: CopyErrorCode.OUTCOME_UNKNOWN,
    provider: req.provider,
    message: `${req.provider}: ${what} after the request was sent; the copy may or may not have happened. Check the destination before trying again.`,
    retryable: false,
  });
}

// ---- the retry contract ------------------------------------------------------------------------
//
// One rule for every provider. A copy is not idempotent, so after a copy request was sent only an
// answer that *proves* the copy did not run may be retried (or called retryable):
//   - nothing was sent (connection refused, DNS failure: `transportFailure` above);
//   - the provider's own body (or a status its docs or official SDK give a meaning) names a documented
//     refusal: bad input, bad token, not found, exists, throttled (429/4013/99991400/573), lock
//     contention (131009)… Each datasource lists those as `Refusal`s.
// Everything else after a copy was sent — a timeout, a reset, a 5xx without the provider's body, a body
// code the docs call an internal error (131001/131007, Qiniu 599, Blue INTERNAL_SERVER_ERROR), a code
// the docs do not list — is `OUTCOME_UNKNOWN`, `retryable: false`. Reads (idempotent) may be retried
// after a server-side failure. The README's "Retry contract" table lists every code per provider.

/** What a provider's documentation says one of its answers means. */
export interface Refusal {
  readonly code: CopyErrorCode;
  /**
   * `refused`: documented as "nothing was done" (safe to report as such; retryable when sending it again
   * can help). `internal`: the provider failed in its own code: a copy may or may not have run.
   */
  readonly outcome: 'refused' | 'internal';
  /** For a refusal: whether sending the same call again can succeed. For an internal failure: whether a read may be retried. */
  readonly retryable: boolean;
}

/** What a datasource knows about one failed answer. */
export interface FailedAnswer {
  /** The provider's meaning of the answer, when its docs give one. */
  readonly documented: Refusal | undefined;
  /** The HTTP status (or the provider's status code, e.g. Qiniu's 612). */
  readonly status: number;
  /** Human-readable, no credential: what the provider said. */
  readonly message: string;
  readonly upstreamCode?: string | undefined;
  readonly upstreamMessage?: string | undefined;
  readonly logId?: string | undefined;
  readonly retryAfterSeconds?: number | undefined;
}

/** Statuses that mean "the server is in trouble" for a read, when no body says more. */
const READ_RETRYABLE = new Set([408, 429, 500, 502, 503, 504]);

/**
 * The one place a failed answer becomes a typed failure. `call.idempotent` is what `sendUpstream`
 * was told: a non-idempotent call (a copy) gets `OUTCOME_UNKNOWN` unless the answer is a documented refusal.
 */
export function answerFailure(call: { readonly provider: Provider; readonly idempotent: boolean }, answer: FailedAnswer): UpstreamFailure {
  const base = {
    provider: call.provider,
    upstreamCode: answer.upstreamCode ?? String(answer.status),
    upstreamMessage: answer.upstreamMessage,
    logId: answer.logId,
  };
  const doc = answer.documented;
  if (doc?.outcome === 'refused') {
    return new UpstreamFailure({
      ...base,
      code: doc.code,
      message: answer.message,
      retryable: doc.retryable,
      retryAfterSeconds: doc.retryable ? answer.retryAfterSeconds : undefined,
    });
  }
  if (!call.idempotent) {
    return new UpstreamFailure({
      ...base,
      code: CopyErrorCode.OUTCOME_UNKNOWN,
      message: `${answer.message} The copy request was sent and this answer does not prove it did not run: the copy may or may not have happened. Check the destination before trying again.`,
      retryable: false,
    });
  }
  const retryable = doc ? doc.retryable : READ_RETRYABLE.has(answer.status);
  return new UpstreamFailure({
    ...base,
    code: doc?.code ?? (answer.status >= 500 ? CopyErrorCode.UPSTREAM_UNAVAILABLE : CopyErrorCode.UPSTREAM_ERROR),
    message: answer.message,
    retryable,
    retryAfterSeconds: retryable ? answer.retryAfterSeconds : undefined,
  });
}

/** Shorthand for a documented refusal. */
export const refused = (code: CopyErrorCode, retryable = false): Refusal => ({ code, outcome: 'refused', retryable });
/** Shorthand for a documented internal failure of the provider (a copy may have run). */
export const internal = (retryableRead: boolean): Refusal => ({ code: CopyErrorCode.UPSTREAM_ERROR, outcome: 'internal', retryable: retryableRead });

/** Parses a JSON body, or undefined when it is not JSON. */
export function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
