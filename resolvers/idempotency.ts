/**
 * The idempotency wrapper every copy resolver goes through (via `runCopy`): with a key (the input's
 * `idempotencyKey`, else the `Idempotency-Key` header) the copy runs only if the key is claimed, its
 * task is stored under the claimed id, and a repeat answers that task. The rules are in
 * src/tasks/idempotency.ts.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { RequestContext } from '../src/context.ts';
import { credentialKey } from '../src/core/credentials.ts';
import { CopyErrorCode, InvalidInput, isUpstreamFailure, type Provider } from '../src/core/errors.ts';
import { fingerprint, IDEMPOTENCY_KEY_PATTERN, IdempotencyKeyReused } from '../src/tasks/idempotency.ts';
import { type CopyTaskRecord, TaskStatus } from '../src/tasks/model.ts';

/** The task id a claimed key reserved, for the one task the running copy records. */
const claimed = new AsyncLocalStorage<{ taskId: string; used: boolean }>();

/** The id reserved for the task being recorded now (once per claim), if the copy runs under a key. */
export function takeClaimedTaskId(): string | undefined {
  const scope = claimed.getStore();
  if (!scope || scope.used) return undefined;
  scope.used = true;
  return scope.taskId;
}

/** The key of this copy: the input field wins over the header. Refuses a malformed key. */
function keyOf(ctx: RequestContext, fromInput: string | null | undefined): string | undefined {
  const [key, path] = fromInput != null ? [fromInput, 'idempotencyKey'] : [ctx.idempotencyKey, '(header Idempotency-Key)'];
  if (key === undefined) return undefined;
  if (!IDEMPOTENCY_KEY_PATTERN.test(key)) throw new InvalidInput([{ path, message: 'an idempotency key is 1 to 255 printable ASCII characters' }]);
  return key;
}

/**
 * Runs `copy` at most once per key: `operation` and the validated `request` make the fingerprint.
 * Without a key, just runs it.
 */
export async function idempotent(
  ctx: RequestContext,
  provider: Provider,
  operation: string,
  keyInput: string | null | undefined,
  request: unknown,
  copy: () => Promise<CopyTaskRecord>,
): Promise<CopyTaskRecord> {
  const key = keyOf(ctx, keyInput);
  if (key === undefined) return copy();
  const keys = ctx.services.idempotency;
  const owner = ctx.principal.id;
  const decision = await keys.begin(owner, key, fingerprint(operation, request));
  if (decision.kind === 'replay') return decision.task;
  if (decision.kind === 'reused') throw new IdempotencyKeyReused(key, decision.taskId);
  const { taskId } = decision;
  try {
    return await claimed.run({ taskId, used: false }, copy);
  } catch (err) {
    if (await ctx.services.store.get(taskId)) throw err; // recorded (e.g. FAILED): the key answers it from now on
    const unknown = !(err instanceof InvalidInput) && !(isUpstreamFailure(err) && err.code !== CopyErrorCode.OUTCOME_UNKNOWN);
    if (!unknown) {
      // Provably not run (refused before or by the upstream): the key is free again.
      await keys.release(owner, key, taskId);
      throw err;
    }
    // It may have run: the key keeps a task that says so, and a repeat answers it instead of copying again.
    const message = isUpstreamFailure(err) ? err.message : 'copygraph failed while the copy was under way; whether it ran upstream is unknown';
    await ctx.services.tasks.create({
      id: taskId,
      owner,
      provider,
      credentialSource: ctx.requestCredentials[credentialKey(provider)] !== undefined ? 'request' : 'config',
      change: {
        status: TaskStatus.FAILED,
        error: {
          code: CopyErrorCode.OUTCOME_UNKNOWN,
          message,
          upstreamCode: isUpstreamFailure(err) ? err.upstreamCode : undefined,
          logId: isUpstreamFailure(err) ? err.logId : undefined,
        },
      },
    });
    throw err;
  }
}
