/**
 * What every copy resolver does around its provider call: record the task under the caller (noting
 * whether its credentials can be found again after a restart), hand an asynchronous task to the
 * watcher, and turn a failed entity reference into what federation expects.
 */
import type { RequestContext } from '../src/context.ts';
import { credentialKey } from '../src/core/credentials.ts';
import { CopyErrorCode, graphQLError, type Provider, UpstreamFailure } from '../src/core/errors.ts';
import type { CopyTaskRecord, TaskChange } from '../src/tasks/model.ts';
import { takeClaimedTaskId } from './idempotency.ts';

/** Whether this request brought its own credentials for the provider. */
function usesRequestCredentials(ctx: RequestContext, provider: Provider): boolean {
  return ctx.requestCredentials[credentialKey(provider)] !== undefined;
}

/** Records a new task owned by the caller (under the id its idempotency key reserved, if any); resolves once it is stored. */
export function recordTask(ctx: RequestContext, provider: Provider, change: TaskChange): Promise<CopyTaskRecord> {
  return ctx.services.tasks.create({
    id: takeClaimedTaskId(),
    owner: ctx.principal.id,
    provider,
    credentialSource: usesRequestCredentials(ctx, provider) ? 'request' : 'config',
    change,
  });
}

/** Hands a recorded, not yet final task to the watcher, with the request's credentials when it used its own. */
export function watchTask(ctx: RequestContext, task: CopyTaskRecord): void {
  ctx.services.watcher.watch(task, usesRequestCredentials(ctx, task.provider) ? ctx.requestCredentials : undefined);
}

/**
 * An entity reference that cannot be loaded: not found (or not visible) resolves to null, as
 * federation expects; refused credentials are a deliberate error; anything else is masked as a bug.
 */
export function referenceFailure(err: unknown): null {
  if (err instanceof UpstreamFailure) {
    if (err.code === CopyErrorCode.NOT_FOUND) return null;
    if (err.code === CopyErrorCode.FORBIDDEN || err.code === CopyErrorCode.UNAUTHENTICATED) throw graphQLError(err.message, err.code);
  }
  throw err;
}
