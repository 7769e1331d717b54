/**
 * What every resolver receives: who is calling, which upstream credentials apply to this request, the
 * long-lived services, and DataLoaders made for this request only (never shared between principals).
 */
import { randomUUID } from 'node:crypto';
import type { Principal } from './auth.ts';
import type { UpstreamCredentials } from './core/credentials.ts';
import type { PrincipalPolicy } from './core/policy.ts';
import type { Quotas } from './quotas.ts';
import type { Logger } from './core/logger.ts';
import type { Loaders } from './loaders.ts';
import type { Services } from './services.ts';

export interface RequestContext {
  readonly principal: Principal;
  /** Configuration credentials overridden by this request's own, provider by provider. */
  readonly credentials: UpstreamCredentials;
  /** Only the request's own overrides (memory only; tells whether a task can resume after a restart). */
  readonly requestCredentials: UpstreamCredentials;
  readonly services: Services;
  readonly loaders: Loaders;
  /** The request's `Idempotency-Key` header, if any (a copy input's `idempotencyKey` wins over it). */
  readonly idempotencyKey?: string | undefined;
  /** What this principal may use; undefined: unrestricted (no policy configured for it). */
  readonly policy?: PrincipalPolicy | undefined;
  /** Per-key quotas (requests a second, copies in progress). */
  readonly quotas?: Quotas | undefined;
  /** The request's id (`x-request-id` if the caller sent a well-formed one, else generated). */
  readonly requestId: string;
  /** Logs with this request's `requestId` and `traceId` on every line. */
  readonly logger: Logger;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The caller's `x-request-id` when it is well-formed (letters, digits, `._:-`, ≤ 128), else a new UUID. */
export function requestIdOf(header: string | undefined): string {
  const v = header?.trim();
  return v && REQUEST_ID.test(v) ? v : randomUUID();
}
