/**
 * Follows an asynchronous Coze copy: asks `GET /v1/entities/copy_tasks/:task_id` until the task is
 * `successful` (the task gets its `CozeEntity`) or `failed` (its `failed_reasons` become per-item
 * failures). A same-workspace bot copy is synchronous and never reaches this poller.
 */
import { z } from 'zod';
import type { CozeClient, CozeCopyTaskState, CozeEntityKind, CozeEntityRef } from '../../datasources/coze.ts';
import { requireCredentials, type UpstreamCredentials } from '../core/credentials.ts';
import { CopyErrorCode, Provider } from '../core/errors.ts';
import { type CopyTaskRecord, type ItemFailure, type TaskChange, TaskStatus } from '../tasks/model.ts';
import type { TaskPoller } from '../tasks/watcher.ts';

/** What a Coze task keeps in its `watch` column: the request, so the result can be described. No secret. */
export interface CozeWatchState {
  readonly entityId: string;
  readonly entityType: CozeEntityKind;
  readonly toWorkspaceId: string | null;
}

const WatchState = z.object({ entityId: z.string(), entityType: z.enum(['BOT', 'APP', 'WORKFLOW']), toWorkspaceId: z.string().nullable() });

/** The change a Coze task state means for the copygraph task; undefined when nothing changed. */
export function cozeTaskChange(task: CopyTaskRecord, watch: CozeWatchState, state: CozeCopyTaskState): TaskChange | undefined {
  if (state.status === 'in_progress') return task.status === TaskStatus.RUNNING ? undefined : { status: TaskStatus.RUNNING };
  if (state.status === 'successful') {
    const result: CozeEntityRef | null = state.targetEntityId
      ? {
          __typename: 'CozeEntity',
          id: state.targetEntityId,
          type: watch.entityType,
          workspaceId: state.targetWorkspaceId ?? watch.toWorkspaceId,
          sourceEntityId: state.sourceEntityId ?? watch.entityId,
        }
      : null;
    return { status: TaskStatus.SUCCEEDED, result, error: null };
  }
  const failures: ItemFailure[] = state.failedReasons.map((r) => ({
    itemId: r.entityId || watch.entityId,
    name: r.entityName || undefined,
    kind: r.entityType || undefined,
    reason: r.reason || undefined,
  }));
  const reasons = state.failedReasons.map((r) => `${r.entityName || r.entityId || r.entityType}: ${r.reason}`).filter(Boolean);
  return {
    status: TaskStatus.FAILED,
    failures,
    error: {
      code: CopyErrorCode.UPSTREAM_ERROR,
      message: `Coze could not copy the ${watch.entityType.toLowerCase()}${reasons.length > 0 ? ` (${reasons.join('; ')})` : ''}.`,
      logId: state.logId,
    },
  };
}

export class CozePoller implements TaskPoller {
  readonly provider = Provider.COZE;
  /**
   * @param maxPollsPerSecond over all Coze tasks (COZE_POLLS_PER_SECOND). Coze documents no limit for
   * the task query [U]; its other per-account limits are around 5 QPS, hence the default.
   */
  constructor(
    private readonly client: CozeClient,
    readonly maxPollsPerSecond = 5,
  ) {}

  async poll(task: CopyTaskRecord, credentials: UpstreamCredentials): Promise<TaskChange | undefined> {
    const creds = requireCredentials(credentials, 'coze');
    const watch = WatchState.safeParse(task.watch);
    if (!task.upstreamTaskId || !watch.success) {
      return { status: TaskStatus.FAILED, error: { code: CopyErrorCode.TASK_EXPIRED, message: 'The task lost its Coze task id; it cannot be followed.' } };
    }
    return cozeTaskChange(task, watch.data, await this.client.getCopyTask(creds, task.upstreamTaskId));
  }
}
