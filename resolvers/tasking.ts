/**
 * What every copy resolver does around its provider call: record the task under the caller (noting
 * whether its credentials can be found again after a restart), hand an asynchronous task to the
 * watcher, and turn a failed entity reference into what federation expects.
 */
import type { RequestContext } from '../src/context.ts';
import { credentialKey } from '../src/core/credentials.ts';
import { CopyErrorCode, graphQLError, isUpstreamFailure, type Provider, UpstreamFailure } from '../src/core/errors.ts';
import { type CopyTaskRecord, submittingMarker, type TaskChange, type TaskErrorRecord, TaskStatus } from '../src/tasks/model.ts';
import type { CopyRequestRecord } from '../src/tasks/request-summary.ts';

/** Whether this request brought its own credentials for the provider. */
function usesRequestCredentials(ctx: RequestContext, provider: Provider): boolean {
  return ctx.requestCredentials[credentialKey(provider)] !== undefined;
}

/** Records a new task owned by the caller, with what it was asked to do; resolves once it is stored. */
export function recordTask(ctx: RequestContext, provider: Provider, change: TaskChange, request?: CopyRequestRecord): Promise<CopyTaskRecord> {
  return ctx.services.tasks.create({
    owner: ctx.principal.id,
    provider,
    credentialSource: usesRequestCredentials(ctx, provider) ? 'request' : 'config',
    change,
    request,
  });
}

/**
 * Makes one upstream copy call under the "submitting" record (src/tasks/model.ts): the task is stored
 * `RUNNING` with the marker (beside `watchFields`) *before* the call, so a crash during the call is
 * found after the restart and reported, never sent again. The answer's change (`settle`) is recorded
 * without the marker; a failure is recorded as the task's error (FAILED) and thrown on, so the mutation
 * answers with it. Every provider's copy goes through here (123pan marks its parts instead).
 */
export async function submitCopy<T>(
  ctx: RequestContext,
  provider: Provider,
  call: () => Promise<T>,
  settle: (answer: T) => TaskChange,
  watchFields: Readonly<Record<string, unknown>> = {},
  request?: CopyRequestRecord,
): Promise<CopyTaskRecord> {
  const task = await recordTask(ctx, provider, { status: TaskStatus.RUNNING, watch: { ...watchFields, ...submittingMarker() } }, request);
  let answer: T;
  try {
    answer = await call();
  } catch (err) {
    await ctx.services.tasks.change(task, { status: TaskStatus.FAILED, watch: null, error: failedCallError(err) });
    throw err;
  }
  return ctx.services.tasks.change(task, { watch: null, ...settle(answer) });
}

function failedCallError(err: unknown): TaskErrorRecord {
  if (isUpstreamFailure(err)) return { code: err.code, message: err.message, upstreamCode: err.upstreamCode, logId: err.logId };
  // A bug after the request may have been sent: nobody can say the copy did not run.
  return {
    code: CopyErrorCode.OUTCOME_UNKNOWN,
    message: 'copygraph failed while making the copy call (see the server log); the copy may or may not have happened.',
  };
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
