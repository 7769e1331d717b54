/**
 * The one HTTP call every REST datasource makes: a timeout, and transport failures mapped to typed
 * errors that say whether the request may have reached the upstream. Copying is not idempotent, so a
 * request that was sent and got no answer is `OUTCOME_UNKNOWN`, never retried here.
 */
import { CopyErrorCode, type Provider, UpstreamFailure } from '../src/errors.ts';

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

export interface UpstreamResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
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

export async function sendUpstream(req: UpstreamRequest): Promise<UpstreamResponse> {
  let res: Response;
  try {
    res = await fetch(req.url, {
      method: req.method,
      headers: req.headers ?? {},
      ...(req.body !== undefined ? { body: req.body } : {}),
      signal: AbortSignal.timeout(req.timeoutMs),
    });
  } catch (err) {
    throw transportFailure(req, err);
  }
  try {
    return { status: res.status, headers: res.headers, text: await res.text() };
  } catch (err) {
    throw transportFailure(req, err);
  }
}

function transportFailure(req: UpstreamRequest, err: unknown): UpstreamFailure {
  const code = causeCode(err);
  const timedOut = err instanceof DOMException && (err.name === 'TimeoutError' || err.name === 'AbortError');
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

/** Parses a JSON body, or undefined when it is not JSON. */
export function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
