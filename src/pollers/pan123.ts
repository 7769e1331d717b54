/**
 * Runs a 123pan image copy of any size. The upstream takes at most 100 ids a task and at most 3
 * unfinished tasks an account, so copygraph splits the ids into parts of ≤ 100, keeps at most 3 of
 * them submitted and unfinished at once, and submits the next part as a slot frees up. One copygraph
 * task reports all of it: `progress` counts the parts, `failures` lists every failed file, and the
 * status is `PARTIALLY_SUCCEEDED` when some files failed.
 *
 * The plan (each part's ids, state and upstream task id) lives in the task's `watch` JSON, which the
 * store keeps, so a restart resumes where the last run stopped. Each upstream task id is stored right
 * after its submit answered (a `checkpoint`), never batched to the end of a poll: an upstream task
 * copygraph forgot would hold a slot and copy files no one reports.
 *
 * The mutation submits the first parts (up to 3) before it answers; the watcher does the rest
 * through `Pan123Poller`. Both use `advancePan123Copy`.
 */
import { z } from 'zod';
import { PAN123_MAX_IDS_PER_TASK, type Pan123Client } from '../../datasources/pan123.ts';
import { type Pan123Credentials, requireCredentials, type UpstreamCredentials } from '../core/credentials.ts';
import { CopyErrorCode, isUpstreamFailure, Provider, type UpstreamFailure } from '../core/errors.ts';
import { type CopyTaskRecord, type ItemFailure, interruptedError, type TaskChange, type TaskErrorRecord, TaskStatus } from '../tasks/model.ts';
import type { Checkpoint, TaskPoller } from '../tasks/watcher.ts';

/**
 * A part's state in copygraph: `QUEUED` not yet submitted (waiting for a slot), `SUBMITTING` stored
 * just before its submit is sent (the "submitting" record, src/tasks/model.ts: found again after a
 * restart, it fails with OUTCOME_UNKNOWN and is never sent again — 123pan documents no task list to
 * look it up in), `WAITING` submitted and waiting upstream (status 4), `RUNNING` (status 1), `DONE`
 * (status 2, fail list read), `FAILED` (status 3, or refused, or forgotten upstream, or its submit's
 * outcome is unknown).
 */
export type PartState = 'QUEUED' | 'SUBMITTING' | 'WAITING' | 'RUNNING' | 'DONE' | 'FAILED';

const Part = z.object({
  ids: z.array(z.string()),
  state: z.enum(['QUEUED', 'SUBMITTING', 'WAITING', 'RUNNING', 'DONE', 'FAILED']),
  submittingSince: z.string().optional(),
  taskId: z.string().optional(),
  failedCount: z.number().int().optional(),
  failMsg: z.string().optional(),
  errorCode: z.string().optional(),
});
const WatchState = z.object({ toParentFileId: z.string(), parts: z.array(Part) });

export type Pan123Part = z.infer<typeof Part>;
/** The `watch` JSON of a 123pan task: the plan and where each part stands. No secret. */
export type Pan123WatchState = z.infer<typeof WatchState>;

/** What a resolver holds of a `PanImageCopy` (kept in the task's `result`). */
export interface PanImageCopyRef {
  readonly __typename: 'PanImageCopy';
  readonly taskId: string;
  readonly toParentFileId: string;
  readonly requestedFileCount: number;
  readonly failedFileCount: number;
  readonly parts: readonly PanImageCopyPartRef[];
}

export interface PanImageCopyPartRef {
  readonly index: number;
  readonly upstreamTaskId: string | null;
  readonly status: TaskStatus;
  readonly fileCount: number;
  readonly failedFileCount: number;
  readonly failMessage: string | null;
}

const NOT_COPIED = '123pan did not copy this file (it is on the task\u2019s fail list: not an image of an allowed format, or over 100 MB)';

/** Splits the ids into parts of at most 100, in order. */
export function planPan123Copy(fileIds: readonly string[], toParentFileId: string): Pan123WatchState {
  const parts: Pan123Part[] = [];
  for (let i = 0; i < fileIds.length; i += PAN123_MAX_IDS_PER_TASK) parts.push({ ids: fileIds.slice(i, i + PAN123_MAX_IDS_PER_TASK), state: 'QUEUED' });
  return { toParentFileId, parts };
}

export function parsePan123Watch(watch: unknown): Pan123WatchState | undefined {
  const parsed = WatchState.safeParse(watch);
  return parsed.success ? parsed.data : undefined;
}

const isOpen = (p: Pan123Part) => p.state === 'WAITING' || p.state === 'RUNNING';
const isFinalPart = (p: Pan123Part) => p.state === 'DONE' || p.state === 'FAILED';

function partStatus(p: Pan123Part): TaskStatus {
  switch (p.state) {
    case 'QUEUED':
    case 'WAITING':
      return TaskStatus.QUEUED;
    case 'SUBMITTING':
      return TaskStatus.RUNNING;
    case 'RUNNING':
      return TaskStatus.RUNNING;
    case 'DONE':
      return (p.failedCount ?? 0) > 0 ? TaskStatus.PARTIALLY_SUCCEEDED : TaskStatus.SUCCEEDED;
    case 'FAILED':
      return TaskStatus.FAILED;
  }
}

function failWhole(part: Pan123Part, failMsg: string, errorCode: CopyErrorCode): ItemFailure[] {
  part.state = 'FAILED';
  part.failMsg = failMsg;
  part.errorCode = errorCode;
  part.failedCount = part.ids.length;
  return part.ids.map((itemId) => ({ itemId, reason: failMsg }));
}

/** The task's visible state, derived from the plan and the failures so far. */
function summarize(task: CopyTaskRecord, state: Pan123WatchState, failures: readonly ItemFailure[]): TaskChange {
  const parts = state.parts;
  const completed = parts.filter(isFinalPart).length;
  const requested = parts.reduce((n, p) => n + p.ids.length, 0);
  let status: TaskStatus;
  let error: TaskErrorRecord | null = null;
  if (completed === parts.length) {
    const failedIds = new Set(failures.map((f) => f.itemId));
    const nothingCopied = parts.every((p) => p.state === 'FAILED') || parts.every((p) => p.ids.every((id) => failedIds.has(id)));
    status = nothingCopied ? TaskStatus.FAILED : failures.length > 0 ? TaskStatus.PARTIALLY_SUCCEEDED : TaskStatus.SUCCEEDED;
    if (status === TaskStatus.FAILED) {
      const wholeFailures = parts.filter((p) => p.state === 'FAILED');
      const codes = new Set(wholeFailures.map((p) => p.errorCode));
      const only = codes.size === 1 ? ([...codes][0] as CopyErrorCode | undefined) : undefined;
      const firstMsg = wholeFailures[0]?.failMsg;
      error = {
        code: only ?? CopyErrorCode.UPSTREAM_ERROR,
        message: firstMsg ? `123pan could not copy the files: ${firstMsg}` : '123pan copied none of the files; see failures.',
      };
    }
  } else {
    const started = parts.some((p) => p.state === 'RUNNING' || isFinalPart(p));
    status = started ? TaskStatus.RUNNING : TaskStatus.QUEUED;
  }
  const upstreamIds = parts.flatMap((p) => (p.taskId ? [p.taskId] : []));
  const result: PanImageCopyRef = {
    __typename: 'PanImageCopy',
    taskId: task.id,
    toParentFileId: state.toParentFileId,
    requestedFileCount: requested,
    failedFileCount: failures.length,
    parts: parts.map((p, index) => ({
      index,
      upstreamTaskId: p.taskId ?? null,
      status: partStatus(p),
      fileCount: p.ids.length,
      failedFileCount: p.failedCount ?? 0,
      failMessage: p.failMsg ?? null,
    })),
  };
  return {
    status,
    progress: { completed, total: parts.length },
    upstreamTaskId: upstreamIds.length > 0 ? upstreamIds.join(',') : null,
    failures: [...failures],
    result,
    error,
    watch: state,
  };
}

/** Whether a change would alter anything visible or stored. */
function differs(task: CopyTaskRecord, change: TaskChange): boolean {
  const keys = Object.keys(change) as (keyof TaskChange)[];
  return keys.some((k) => JSON.stringify(change[k]) !== JSON.stringify(task[k]));
}

export interface AdvanceOutcome {
  /** The change still to record (everything after the last checkpoint), or undefined. */
  readonly change: TaskChange | undefined;
  /** The first refusal of a submit that a retry cannot fix, if any (the mutation answers with it). */
  readonly submitError: UpstreamFailure | undefined;
}

/**
 * One step of a copy: reads every submitted, unfinished part's state (and the fail list of a part that
 * finished), then submits queued parts while fewer than 3 are unfinished. Each submit is checkpointed
 * at once. A read that fails with a retryable error stops the step: what was learned is checkpointed
 * and the error is thrown, so the watcher backs off. A submit refused because the account's slots are
 * throttled (or not sent at all) keeps its part queued for the next step; any answer that does not
 * prove the submit did not run fails the part with OUTCOME_UNKNOWN (never re-submitted).
 */
export async function advancePan123Copy(client: Pan123Client, creds: Pan123Credentials, task: CopyTaskRecord, checkpoint: Checkpoint): Promise<AdvanceOutcome> {
  const parsed = parsePan123Watch(task.watch);
  if (!parsed) {
    return {
      change: { status: TaskStatus.FAILED, error: { code: CopyErrorCode.TASK_EXPIRED, message: 'The task lost its copy plan; it cannot be followed.' } },
      submitError: undefined,
    };
  }
  const state: Pan123WatchState = structuredClone(parsed);
  const failures: ItemFailure[] = [...task.failures];
  let current = task;

  // 0. A part still "submitting" was interrupted by a stop during its submit: it may run upstream under
  //    an id copygraph never saw. Reported, never sent again.
  for (const part of state.parts) {
    if (part.state !== 'SUBMITTING') continue;
    const error = interruptedError(Provider.PAN123);
    failures.push(...failWhole(part, error.message, error.code));
  }

  // 1. Where do the submitted parts stand?
  for (const part of state.parts) {
    if (!isOpen(part) || !part.taskId) continue;
    try {
      const progress = await client.copyProgress(creds, part.taskId);
      if (progress.status === 4 || progress.status === 1) client.slots.hold(creds.clientId, part.taskId);
      else client.slots.release(creds.clientId, part.taskId);
      if (progress.status === 4) part.state = 'WAITING';
      else if (progress.status === 1) part.state = 'RUNNING';
      else if (progress.status === 3) failures.push(...failWhole(part, progress.failMsg || '123pan failed the copy task', CopyErrorCode.UPSTREAM_ERROR));
      else {
        const failed = await client.failedFiles(creds, part.taskId);
        failures.push(...failed.map((f) => ({ itemId: f.fileId, name: f.filename || undefined, reason: NOT_COPIED })));
        part.state = 'DONE';
        part.failedCount = failed.length;
      }
    } catch (err) {
      if (isUpstreamFailure(err) && err.code === CopyErrorCode.NOT_FOUND) {
        client.slots.release(creds.clientId, part.taskId);
        failures.push(...failWhole(part, `123pan no longer knows upstream task ${part.taskId}`, CopyErrorCode.TASK_EXPIRED));
        continue;
      }
      const change = summarize(current, state, failures);
      if (differs(current, change)) await checkpoint(change);
      throw err;
    }
  }

  // 2. Submit queued parts while a slot is free.
  let submitError: UpstreamFailure | undefined;
  for (const part of state.parts) {
    if (part.state !== 'QUEUED') continue;
    // At most 3 unfinished upstream tasks per account, over all of this process's copies.
    const slot = client.slots.reserve(creds.clientId);
    if (slot === undefined) break;
    // The "submitting" record: stored before the submit is sent, so a crash in the call is recognised.
    part.state = 'SUBMITTING';
    part.submittingSince = new Date().toISOString();
    try {
      current = await checkpoint(summarize(current, state, failures));
    } catch (err) {
      client.slots.release(creds.clientId, slot);
      throw err;
    }
    let taskId: string;
    try {
      ({ taskId } = await client.submitCopy(creds, part.ids, state.toParentFileId));
    } catch (err) {
      client.slots.release(creds.clientId, slot);
      delete part.submittingSince;
      if (!isUpstreamFailure(err)) {
        // A bug after the request may have been sent: the part is not sent again.
        failures.push(
          ...failWhole(part, 'copygraph failed while submitting this part (see the server log); it may or may not run.', CopyErrorCode.OUTCOME_UNKNOWN),
        );
        await checkpoint(summarize(current, state, failures));
        throw err;
      }
      // Provably not run and worth another try (throttled, not sent at all): the part waits for the next step.
      if (err.retryable) {
        part.state = 'QUEUED';
        break;
      }
      submitError ??= err;
      if (err.code === CopyErrorCode.OUTCOME_UNKNOWN) {
        // The part may be running upstream under an id copygraph never saw: never sent again.
        failures.push(...failWhole(part, err.message, err.code));
        continue;
      }
      // A documented refusal the same request would get again (credentials): every queued part fails.
      failures.push(...failWhole(part, err.message, err.code));
      for (const p of state.parts) if (p.state === 'QUEUED') failures.push(...failWhole(p, err.message, err.code));
      break;
    }
    client.slots.hold(creds.clientId, taskId, slot);
    part.taskId = taskId;
    part.state = 'WAITING';
    delete part.submittingSince;
    current = await checkpoint(summarize(current, state, failures));
  }

  const change = summarize(current, state, failures);
  return { change: differs(current, change) ? change : undefined, submitError };
}

export class Pan123Poller implements TaskPoller {
  readonly provider = Provider.PAN123;
  /**
   * @param maxPollsPerSecond over all 123pan tasks (PAN123_POLLS_PER_SECOND). 123pan documents no limit
   * for the copy endpoints [U]; its other listed limits are 1 to 10 QPS, hence the default of 5.
   */
  constructor(
    private readonly client: Pan123Client,
    readonly maxPollsPerSecond = 5,
  ) {}

  async poll(task: CopyTaskRecord, credentials: UpstreamCredentials, checkpoint: Checkpoint): Promise<TaskChange | undefined> {
    const { change } = await advancePan123Copy(this.client, requireCredentials(credentials, 'pan123'), task, checkpoint);
    return change;
  }
}
