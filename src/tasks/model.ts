/**
 * The copy task as copygraph records it. One record per copy, synchronous ones included; the store
 * keeps it, the watcher advances it, the subscription streams it. It never holds a credential.
 */
import type { CopyErrorCode, Provider } from '../core/errors.ts';

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
  /** W3C `traceparent` of the request that created the task (watcher polls link to it); not a secret. */
  readonly traceparent?: string | undefined;
}

export type TaskChange = Partial<Omit<CopyTaskRecord, 'id' | 'owner' | 'provider' | 'createdAt' | 'version'>>;

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
