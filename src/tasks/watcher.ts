/**
 * The task watcher: polls every non-final asynchronous task until it is final, with backoff, one poll
 * per task per interval however many clients watch it, and resumes the non-final tasks after a
 * restart. Each change goes through `TaskService.change`, which stores and publishes it.
 *
 * Credentials: tasks started with configured credentials resume after a restart. Tasks started with a
 * request's own credentials keep them here, in memory only; after a restart they wait (with a
 * `CREDENTIALS_REQUIRED` note) until their owner asks again with credentials (`resume`).
 */
import { CopyErrorCode, isUpstreamFailure, type Provider } from '../errors.ts';
import type { UpstreamCredentials } from '../credentials.ts';
import { isFinalStatus, TaskStatus, type CopyTaskRecord, type TaskChange } from './model.ts';

export interface TaskPoller {
  readonly provider: Provider;
  /**
   * Asks the upstream once how the task stands (and, for split copies, submits the next parts).
   * Returns the change to record, or undefined when nothing changed. Throws `UpstreamFailure`.
   */
  poll(task: CopyTaskRecord, credentials: UpstreamCredentials): Promise<TaskChange | undefined>;
}

export interface WatcherOptions {
  readonly initialIntervalMs: number;
  readonly maxIntervalMs: number;
  /** A task older than this ends FAILED with TASK_EXPIRED. */
  readonly maxTaskAgeMs: number;
  /** Consecutive non-retryable upstream errors after which a task ends FAILED. */
  readonly maxConsecutiveErrors: number;
}

/** Stores and publishes a change; implemented by `TaskService`. */
export type ChangeRecorder = (task: CopyTaskRecord, change: TaskChange) => Promise<CopyTaskRecord>;

/** Whether this replica may poll. One replica by default; a shared engine can elect one of many. */
export interface PollingLeadership {
  isLeader(): boolean;
}

interface Watch {
  task: CopyTaskRecord;
  intervalMs: number;
  errors: number;
  timer: NodeJS.Timeout | undefined;
  inFlight: Promise<void> | undefined;
}

export class TaskWatcher {
  readonly #pollers = new Map<Provider, TaskPoller>();
  readonly #watches = new Map<string, Watch>();
  /** Request credentials of running tasks: memory only. */
  readonly #requestCredentials = new Map<string, UpstreamCredentials>();
  #stopped = false;
  /** Polls made, per provider: for tests and benchmarks. */
  readonly pollCounts = new Map<Provider, number>();

  constructor(
    readonly options: WatcherOptions,
    private readonly configCredentials: UpstreamCredentials,
    private readonly record: ChangeRecorder,
    private readonly leadership: PollingLeadership = { isLeader: () => true },
    private readonly log: (msg: string, fields?: Record<string, unknown>) => void = () => {},
  ) {}

  register(poller: TaskPoller): void {
    this.#pollers.set(poller.provider, poller);
  }

  /** Starts watching a task that is not final. Request credentials are kept in memory only. */
  watch(task: CopyTaskRecord, requestCredentials?: UpstreamCredentials): void {
    if (this.#stopped || isFinalStatus(task.status)) return;
    if (requestCredentials) this.#requestCredentials.set(task.id, requestCredentials);
    const existing = this.#watches.get(task.id);
    if (existing) {
      existing.task = task;
      return;
    }
    const w: Watch = { task, intervalMs: this.options.initialIntervalMs, errors: 0, timer: undefined, inFlight: undefined };
    this.#watches.set(task.id, w);
    this.#schedule(w, this.options.initialIntervalMs);
  }

  isWatching(taskId: string): boolean {
    return this.#watches.has(taskId);
  }

  /**
   * Resumes the non-final tasks of a previous run. Tasks that need request credentials are marked so
   * and wait for `resume`.
   */
  async resumeAll(tasks: readonly CopyTaskRecord[]): Promise<void> {
    for (const task of tasks) {
      if (task.credentialSource === 'request' && !this.#requestCredentials.has(task.id)) {
        if (task.error?.code !== CopyErrorCode.CREDENTIALS_REQUIRED) {
          await this.record(task, {
            error: {
              code: CopyErrorCode.CREDENTIALS_REQUIRED,
              message:
                'This task was started with per-request credentials, which copygraph does not keep. Query it again with the same credentials to resume it.',
            },
          });
        }
        continue;
      }
      this.watch(task);
    }
  }

  /** Resumes a task waiting for request credentials, now that its owner sent them. */
  async resume(task: CopyTaskRecord, credentials: UpstreamCredentials): Promise<CopyTaskRecord> {
    if (isFinalStatus(task.status) || this.#watches.has(task.id)) return task;
    const resumed = task.error?.code === CopyErrorCode.CREDENTIALS_REQUIRED ? await this.record(task, { error: null }) : task;
    this.watch(resumed, credentials);
    return resumed;
  }

  /** Stops polling and waits for polls in flight. */
  async stop(): Promise<void> {
    this.#stopped = true;
    const inFlight: Promise<void>[] = [];
    for (const w of this.#watches.values()) {
      if (w.timer) clearTimeout(w.timer);
      if (w.inFlight) inFlight.push(w.inFlight);
    }
    await Promise.allSettled(inFlight);
    this.#watches.clear();
    this.#requestCredentials.clear();
  }

  #schedule(w: Watch, delayMs: number): void {
    if (this.#stopped) return;
    w.timer = setTimeout(() => {
      w.timer = undefined;
      w.inFlight = this.#tick(w).finally(() => {
        w.inFlight = undefined;
      });
    }, delayMs);
    w.timer.unref();
  }

  #forget(w: Watch): void {
    this.#watches.delete(w.task.id);
    this.#requestCredentials.delete(w.task.id);
  }

  async #tick(w: Watch): Promise<void> {
    if (this.#stopped) return;
    if (!this.leadership.isLeader()) return this.#schedule(w, this.options.maxIntervalMs);
    const task = w.task;
    const poller = this.#pollers.get(task.provider);
    const age = Date.now() - Date.parse(task.createdAt);
    if (age > this.options.maxTaskAgeMs) {
      await this.#finish(w, {
        status: TaskStatus.FAILED,
        error: {
          code: CopyErrorCode.TASK_EXPIRED,
          message: `The task did not finish within ${Math.round(this.options.maxTaskAgeMs / 1000)} s; copygraph stopped watching it.`,
        },
      });
      return;
    }
    if (!poller) {
      this.log('no poller for provider', { provider: task.provider, taskId: task.id });
      return this.#forget(w);
    }
    const creds = this.#requestCredentials.get(task.id) ?? this.configCredentials;
    this.pollCounts.set(task.provider, (this.pollCounts.get(task.provider) ?? 0) + 1);
    let change: TaskChange | undefined;
    try {
      change = await poller.poll(task, creds);
      w.errors = 0;
    } catch (err) {
      if (!isUpstreamFailure(err)) {
        this.log('poll failed unexpectedly', { taskId: task.id, err: String(err) });
        w.errors += 1;
      } else if (err.code === CopyErrorCode.NOT_FOUND) {
        await this.#finish(w, {
          status: TaskStatus.FAILED,
          error: {
            code: CopyErrorCode.TASK_EXPIRED,
            message: `${task.provider} no longer knows this task: ${err.message}`,
            upstreamCode: err.upstreamCode,
            logId: err.logId,
          },
        });
        return;
      } else if (!err.retryable) {
        w.errors += 1;
        if (w.errors >= this.options.maxConsecutiveErrors) {
          await this.#finish(w, {
            status: TaskStatus.FAILED,
            error: { code: err.code, message: err.message, upstreamCode: err.upstreamCode, logId: err.logId },
          });
          return;
        }
      }
      w.intervalMs = Math.min(w.intervalMs * 2, this.options.maxIntervalMs);
      return this.#schedule(
        w,
        err instanceof Error && isUpstreamFailure(err) && err.retryAfterSeconds ? Math.max(err.retryAfterSeconds * 1000, w.intervalMs) : w.intervalMs,
      );
    }
    if (this.#stopped) return;
    if (change) {
      w.task = await this.record(task, change);
      w.intervalMs = this.options.initialIntervalMs;
      if (isFinalStatus(w.task.status)) return this.#forget(w);
    } else {
      w.intervalMs = Math.min(Math.round(w.intervalMs * 1.5), this.options.maxIntervalMs);
    }
    this.#schedule(w, w.intervalMs);
  }

  async #finish(w: Watch, change: TaskChange): Promise<void> {
    this.#forget(w);
    await this.record(w.task, change);
  }
}
