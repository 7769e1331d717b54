/**
 * A copy call that was sent and got no answer (`OUTCOME_UNKNOWN`), for a provider where copygraph can
 * look upstream: instead of an error, the mutation answers the task, recorded `RUNNING` with the error
 * `OUTCOME_UNKNOWN` and what to look up, and the provider's outcome poller finds out whether the copy
 * ran (src/pollers/outcome-resolution.ts); the subscription publishes the answer.
 */
import type { RequestContext } from '../src/context.ts';
import { credentialKey } from '../src/core/credentials.ts';
import { CopyErrorCode, isUpstreamFailure, type Provider } from '../src/core/errors.ts';
import { type FeishuOutcomeDetail, feishuOutcomeDetail } from '../src/pollers/outcome-feishu.ts';
import { blueOutcomeDetail } from '../src/pollers/outcome-blue.ts';
import { outcomeWatch } from '../src/pollers/outcome-resolution.ts';
import { type QiniuOutcomeDetail, qiniuOutcomeDetail } from '../src/pollers/outcome-qiniu.ts';
import { type CopyTaskRecord, type TaskChange, TaskStatus } from '../src/tasks/model.ts';
import { inCopyScope } from './idempotency.ts';
import { watchTask } from './tasking.ts';

/**
 * Per copy operation whose outcome can be looked up: the detail its lookup needs, from the validated
 * input and the failure (undefined: this failure left nothing to look up with).
 */
const LOOKUPS: Readonly<Record<string, (request: never, err: unknown) => unknown>> = {
  copyObject: (request: QiniuOutcomeDetail) => qiniuOutcomeDetail(request),
  copyWikiNode: (request: FeishuOutcomeDetail) => feishuOutcomeDetail(request),
  copyTodo: blueOutcomeDetail,
};

/** Runs `copy`; an `OUTCOME_UNKNOWN` it throws becomes a task that looks upstream, where that is possible. */
export async function lookingUpUnknown(
  ctx: RequestContext,
  provider: Provider,
  operation: string,
  request: unknown,
  taskId: string,
  copy: () => Promise<CopyTaskRecord>,
): Promise<CopyTaskRecord> {
  const lookup = LOOKUPS[operation] as ((request: unknown, err: unknown) => unknown) | undefined;
  if (!lookup) return inCopyScope(taskId, false, copy);
  const since = new Date();
  try {
    return await inCopyScope(taskId, true, copy);
  } catch (err) {
    if (!isUpstreamFailure(err) || err.code !== CopyErrorCode.OUTCOME_UNKNOWN) throw err;
    const detail = lookup(request, err);
    const error = { code: CopyErrorCode.OUTCOME_UNKNOWN, message: err.message, upstreamCode: err.upstreamCode, logId: err.logId };
    const change: TaskChange =
      detail === undefined
        ? { status: TaskStatus.FAILED, watch: null, error }
        : {
            status: TaskStatus.RUNNING,
            watch: outcomeWatch(since, detail),
            error: { ...error, message: `${err.message} copygraph is looking at ${provider} to find out; the task will say.` },
          };
    // Stored already when the call went through `submitCopy` (RUNNING, "submitting"); created otherwise.
    const stored = await ctx.services.store.get(taskId);
    const task = stored
      ? await ctx.services.tasks.change(stored, change)
      : await ctx.services.tasks.create({
          id: taskId,
          owner: ctx.principal.id,
          provider,
          credentialSource: ctx.requestCredentials[credentialKey(provider)] !== undefined ? 'request' : 'config',
          change,
        });
    if (detail === undefined) throw err;
    watchTask(ctx, task);
    return task;
  }
}
