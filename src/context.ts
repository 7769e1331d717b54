/**
 * What every resolver receives: who is calling, which upstream credentials apply to this request, the
 * long-lived services, and DataLoaders made for this request only (never shared between principals).
 */
import type { Principal } from './auth.ts';
import type { UpstreamCredentials } from './core/credentials.ts';
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
}
