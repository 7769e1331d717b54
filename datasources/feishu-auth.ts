/**
 * Feishu / Lark app auth: `tenant_access_token` from app id and secret
 * (`POST /open-apis/auth/v3/tenant_access_token/internal`, fields at the top level of the answer),
 * cached until shortly before it expires and fetched once however many calls want it at the same time
 * (single-flight). A call that is refused with a token-invalid code drops the token it used
 * (`invalidate`), so the next `tenantToken` fetches a new one.
 *
 * The cache key is the app id AND a hash of the secret: a request that sends its own app id with a
 * wrong secret must never ride on the token fetched with the configured (right) secret.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { CopyErrorCode, Provider, UpstreamFailure } from '../src/core/errors.ts';
import { parseJson, sendUpstream } from './http.ts';
import { registerSecret } from '../src/core/secrets.ts';

export interface FeishuAppKeys {
  readonly appId: string;
  readonly appSecret: string;
}

export interface TenantToken {
  readonly token: string;
  /** Whether it came from the cache (rather than a fetch made for this very call). */
  readonly fromCache: boolean;
}

export interface FeishuAuthOptions {
  readonly baseUrl: string;
  readonly timeoutMs: number;
  readonly now?: (() => number) | undefined;
  /**
   * Drop a token this long before Feishu says it expires (the official SDK uses 3 minutes), so a call
   * never starts with a token about to die in flight.
   */
  readonly refreshMarginMs?: number | undefined;
}

export const TOKEN_PATH = '/open-apis/auth/v3/tenant_access_token/internal';

const TokenBody = z
  .object({
    code: z.number(),
    msg: z.string().optional(),
    tenant_access_token: z.string().min(1).optional(),
    expire: z.number().int().positive().optional(),
  })
  .loose();

interface Cached {
  readonly token: string;
  readonly expiresAt: number;
}

export function appCacheKey(keys: FeishuAppKeys): string {
  return `${keys.appId}:${createHash('sha256').update(keys.appSecret).digest('hex').slice(0, 32)}`;
}

export class FeishuTokenManager {
  readonly #options: FeishuAuthOptions;
  readonly #now: () => number;
  readonly #marginMs: number;
  readonly #cache = new Map<string, Cached>();
  readonly #inflight = new Map<string, Promise<Cached>>();
  /** Tokens fetched (not served from cache): for tests and benchmarks. */
  fetches = 0;

  constructor(options: FeishuAuthOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#marginMs = options.refreshMarginMs ?? 180_000;
  }

  /** A live tenant token for the app: cached, or fetched once for all concurrent callers. */
  async tenantToken(keys: FeishuAppKeys): Promise<TenantToken> {
    const key = appCacheKey(keys);
    const cached = this.#cache.get(key);
    if (cached && this.#now() < cached.expiresAt) return { token: cached.token, fromCache: true };
    let pending = this.#inflight.get(key);
    const joined = pending !== undefined;
    if (!pending) {
      pending = this.#fetch(keys).finally(() => this.#inflight.delete(key));
      this.#inflight.set(key, pending);
    }
    const fresh = await pending;
    if (!joined) this.#cache.set(key, fresh);
    return { token: fresh.token, fromCache: false };
  }

  /** Forgets `token` if it is still the cached one (a newer token fetched meanwhile stays). */
  invalidate(keys: FeishuAppKeys, token: string): void {
    const key = appCacheKey(keys);
    if (this.#cache.get(key)?.token === token) this.#cache.delete(key);
  }

  async #fetch(keys: FeishuAppKeys): Promise<Cached> {
    this.fetches += 1;
    const res = await sendUpstream({
      provider: Provider.FEISHU,
      method: 'POST',
      url: `${this.#options.baseUrl}${TOKEN_PATH}`,
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ app_id: keys.appId, app_secret: keys.appSecret }),
      timeoutMs: this.#options.timeoutMs,
      idempotent: true,
    });
    const logId = res.headers.get('x-tt-logid') ?? undefined;
    const parsed = TokenBody.safeParse(parseJson(res.text));
    if (res.status === 429 || (parsed.success && parsed.data.code === 99991400)) {
      const reset = Number(res.headers.get('x-ogw-ratelimit-reset'));
      throw new UpstreamFailure({
        code: CopyErrorCode.RATE_LIMITED,
        provider: Provider.FEISHU,
        message: 'Feishu throttled the tenant_access_token request.',
        upstreamCode: parsed.success ? String(parsed.data.code) : String(res.status),
        upstreamMessage: parsed.success ? parsed.data.msg : undefined,
        logId,
        retryable: true,
        retryAfterSeconds: Number.isFinite(reset) && reset > 0 ? Math.ceil(reset) : undefined,
      });
    }
    if (!parsed.success) {
      throw new UpstreamFailure({
        code: res.status >= 500 ? CopyErrorCode.UPSTREAM_UNAVAILABLE : CopyErrorCode.UPSTREAM_ERROR,
        provider: Provider.FEISHU,
        message: `Feishu answered the tenant_access_token request with HTTP ${res.status} and no Feishu error body.`,
        upstreamCode: String(res.status),
        logId,
        retryable: res.status >= 500,
      });
    }
    const body = parsed.data;
    if (body.code !== 0 || body.tenant_access_token === undefined || body.expire === undefined) {
      // 10003 invalid param, 10014 app id/secret refused or app not enabled, 10015 wrong secret.
      throw new UpstreamFailure({
        code: CopyErrorCode.UNAUTHENTICATED,
        provider: Provider.FEISHU,
        message: `Feishu refused the app credentials when issuing a tenant_access_token (${body.code}${body.msg ? ` ${body.msg}` : ''}).`,
        upstreamCode: String(body.code),
        upstreamMessage: body.msg,
        logId,
        retryable: false,
      });
    }
    const lifetimeMs = body.expire * 1000;
    // Short-lived answers (Feishu re-serves a token with < 2 h left) keep at least half their life.
    const margin = Math.min(this.#marginMs, lifetimeMs / 2);
    registerSecret(body.tenant_access_token);
    return { token: body.tenant_access_token, expiresAt: this.#now() + lifetimeMs - margin };
  }
}
