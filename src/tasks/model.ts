/**
 * The copy task as copygraph records it. One record per copy, synchronous ones included; the store
 * keeps it, the watcher advances it, the subscription streams it. It never holds a credential.
 */
import { CopyErrorCode, type Provider } from '../core/errors.ts';
import type { CopyRequestRecord } from './request-summary.ts';

export const TaskStatus = {
  QUEUED: 'QUEUED',
  RUNNING: 'RUNNING',
  SUCCEEDED: 'SUCCEEDED',
  FAILED: 'FAILED',
  PARTIALLY_SUCCEEDED: 'PARTIALLY_SUCCEEDED',
} as const;
export type TaskStatus = (typeof TaskStatus)[keyof typeof TaskStatus];

const FINAL: ReadonlySet<TaskStatus> = new Set([TaskStatus.SUCCEEDED, TaskStatus.FAILED, TaskStatus.PARTIALLY_SUCCEEDED]);

export function isFinalStatus(status: TaskStatus): boolean {
  return FINAL.has(status);
}

/**
 * The copied resource, as the reference a resolver needs to resolve it (`__typename` plus the key
 * fields and whatever the copy response already told us).
 */
export interface ResourceRef {
  readonly __typename: string;
}

export interface ItemFailure {
  readonly itemId: string;
  readonly name?: string | undefined;
  readonly kind?: string | undefined;
  readonly reason?: string | undefined;
}

export interface TaskErrorRecord {
  readonly code: CopyErrorCode;
  readonly message: string;
  readonly upstreamCode?: string | undefined;
  readonly logId?: string | undefined;
}

/** Where the credentials of an asynchronous task come from: configuration survives a restart; a request's do not. */
export type CredentialSource = 'config' | 'request';

export interface CopyTaskRecord {
  readonly id: string;
  /** The principal that started the task; no one else can see it. */
  readonly owner: string;
  readonly provider: Provider;
  readonly status: TaskStatus;
  /** ISO-8601 timestamps. */
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly finishedAt: string | null;
  readonly upstreamTaskId: string | null;
  readonly progress: { readonly completed: number; readonly total: number } | null;
  readonly result: ResourceRef | null;
  readonly failures: readonly ItemFailure[];
  readonly error: TaskErrorRecord | null;
  readonly credentialSource: CredentialSource;
  /**
   * Provider-specific polling state (which upstream tasks exist, which ids still wait), JSON only,
   * never a credential. Null for tasks that need no polling.
   */
  readonly watch: unknown;
  /** Incremented on every change; subscribers use it to drop stale or repeated states. */
  readonly version: number;
  /**
   * What the copy was asked to do (source and destination), set at creation; never a credential.
   * Absent on tasks recorded before it was kept.
   */
  readonly request?: CopyRequestRecord | null | undefined;
  /** W3C `traceparent` of the request that created the task (watcher polls link to it); not a secret. */
  readonly traceparent?: string | undefined;
}

export type TaskChange = Partial<Omit<CopyTaskRecord, 'id' | 'owner' | 'provider' | 'createdAt' | 'version' | 'request'>>;

/** Applies a change, stamping `updatedAt`, `version` and (on a final status) `finishedAt`. */
export function applyChange(task: CopyTaskRecord, change: TaskChange, now: Date = new Date()): CopyTaskRecord {
  const status = change.status ?? task.status;
  const iso = now.toISOString();
  return {
    ...task,
    ...change,
    status,
    updatedAt: iso,
    finishedAt: isFinalStatus(status) ? (task.finishedAt ?? iso) : null,
    version: task.version + 1,
  };
}

// ---- the "submitting" record ------------------------------------------------------------------
//
// A copy is not idempotent, so copygraph writes down that it is about to call the upstream *before*
// every upstream copy call, and a restart that finds the note knows a copy may have run unseen.
//
// Task level (Coze, Qiniu, Feishu, Blue): the task is created `RUNNING` with `watch` holding
//   { "submitting": { "since": "<ISO-8601, when the call was about to be sent>" }, ...provider fields }
// (Coze keeps `entityId`, `entityType`, `toWorkspaceId` beside it). When the upstream answers, the same
// change that records the answer drops the marker (final tasks: `watch: null`; Coze async: its watch
// without `submitting`). Written by `submitCopy` (resolvers/tasking.ts).
//
// Part level (123pan): each part of the plan in `watch.parts[]` goes `QUEUED` → `SUBMITTING` (stored,
// with `submittingSince`) → `WAITING` with its `taskId` once 123pan answered (src/pollers/pan123.ts).
//
// Found after a restart (`TaskWatcher.resumeAll` for a task, `advancePan123Copy` for a part), the marker
// is never re-submitted: the task (part) becomes FAILED with OUTCOME_UNKNOWN and `interruptedError()`.
// A resolver of OUTCOME_UNKNOWN (looking upstream) can find these tasks by that code and marker.

/** The task-level marker inside `watch`. */
export interface SubmittingMarker {
  readonly submitting: { readonly since: string };
}

export function submittingMarker(now: Date = new Date()): SubmittingMarker {
  return { submitting: { since: now.toISOString() } };
}

/** Whether a task's `watch` says its upstream copy call was (maybe) in flight. */
export function isSubmitting(watch: unknown): boolean {
  if (!watch || typeof watch !== 'object') return false;
  const marker = (watch as { submitting?: unknown }).submitting;
  return typeof marker === 'object' && marker !== null && typeof (marker as { since?: unknown }).since === 'string';
}

/** The error of a task or part found "submitting" after a restart. */
export function interruptedError(provider: Provider): TaskErrorRecord {
  return {
    code: CopyErrorCode.OUTCOME_UNKNOWN,
    message: `interrupted while submitting; copygraph cannot tell whether it ran (copygraph stopped while its copy call to ${provider} was in flight). Check the destination before trying again.`,
  };
}

/** The change that closes a task found "submitting" after a restart: never sent again. */
export function interruptedWhileSubmitting(task: CopyTaskRecord): TaskChange {
  return { status: TaskStatus.FAILED, error: interruptedError(task.provider) };
}
