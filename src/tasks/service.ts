/**
 * The one way tasks are created, changed and read: every change is stored, then published, and
 * reads enforce ownership (another principal's task does not exist for you).
 */
import { randomUUID } from 'node:crypto';
import type { Provider } from '../core/errors.ts';
import { countTaskChanged, countTaskCreated } from '../core/metrics.ts';
import { currentTraceparent } from '../core/tracing.ts';
import { applyChange, type CopyTaskRecord, type CredentialSource, type TaskChange, TaskStatus } from './model.ts';
import type { TaskPubSub } from './pubsub.ts';
import type { CopyRequestRecord } from './request-summary.ts';
import type { TaskListFilter, TaskPage, TaskStore } from './store/sqlite.ts';

export interface NewTask {
  /** The task's id when it was reserved beforehand (an idempotency key's claim); a new one otherwise. */
  readonly id?: string | undefined;
  readonly owner: string;
  readonly provider: Provider;
  readonly credentialSource: CredentialSource;
  readonly change: TaskChange;
  /** What the copy was asked to do (`CopyTask.request`); never a credential. */
  readonly request?: CopyRequestRecord | undefined;
}

/**
 * A fenced write was refused: another writer (the replica that took this task's lease over while this
 * one was paused or slow) stored a newer version since this one read the task. The caller must not act
 * on its view (e.g. send a submit it checkpointed): the stored task is `stored`.
 */
export class StaleWriteError extends Error {
  override readonly name = 'StaleWriteError';
  constructor(readonly stored: CopyTaskRecord | undefined) {
    super('The task changed since it was read (another replica holds it now); nothing was written.');
  }
}

export class TaskService {
  constructor(
    readonly store: TaskStore,
    readonly pubsub: TaskPubSub,
  ) {}

  /** Records a new task; resolves only once it is stored. */
  async create(input: NewTask): Promise<CopyTaskRecord> {
    const now = new Date().toISOString();
    const traceparent = currentTraceparent();
    const base: CopyTaskRecord = {
      id: input.id ?? randomUUID(),
      owner: input.owner,
      provider: input.provider,
      status: TaskStatus.QUEUED,
      createdAt: now,
      updatedAt: now,
      finishedAt: null,
      upstreamTaskId: null,
      progress: null,
      result: null,
      failures: [],
      error: null,
      credentialSource: input.credentialSource,
      watch: null,
      version: 0,
      request: input.request ?? null,
      ...(traceparent ? { traceparent } : {}),
    };
    const task = applyChange(base, input.change);
    await this.store.insert(task);
    countTaskCreated(task);
    // Published too, so that "my tasks" subscribers (`copyTasksUpdated`) see a new task at once.
    await this.pubsub.publish(task);
    return task;
  }

  /**
   * Stores and publishes a change. A stale write (someone stored a newer version) keeps the stored one,
   * or, with `fenced`, throws `StaleWriteError`. The write is a compare-and-set on the version (it
   * lands only if the stored version is still the one `task` was read at), in the same statement.
   */
  async change(task: CopyTaskRecord, change: TaskChange, options: { readonly fenced?: boolean } = {}): Promise<CopyTaskRecord> {
    const next = applyChange(task, change);
    if (!(await this.store.update(next))) {
      const stored = await this.store.get(task.id);
      if (options.fenced) throw new StaleWriteError(stored);
      return stored ?? next;
    }
    countTaskChanged(task, next);
    await this.pubsub.publish(next);
    return next;
  }

  /** The task if it exists and belongs to `owner`; undefined otherwise (the same answer either way). */
  async get(id: string, owner: string): Promise<CopyTaskRecord | undefined> {
    const task = await this.store.get(id);
    return task && task.owner === owner ? task : undefined;
  }

  list(owner: string, filter: TaskListFilter, first: number, after?: string): Promise<TaskPage> {
    return this.store.list(owner, filter, first, after);
  }

  listBefore(owner: string, filter: TaskListFilter, last: number, before?: string): Promise<TaskPage> {
    return this.store.listBefore(owner, filter, last, before);
  }

  count(owner: string, filter: TaskListFilter): Promise<number> {
    return this.store.count(owner, filter);
  }
}
