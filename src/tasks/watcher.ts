/**
 * The task watcher: polls every non-final asynchronous task until it is final, with backoff, one poll
 * per task per interval however many clients watch it, within each provider's poll rate, and resumes
 * the non-final tasks after a restart. Each change goes through `TaskService.change`, which stores and
 * publishes it. Subscribers never cause polls: they read what the watcher publishes.
 *
 * Backoff: a task is first polled `initialIntervalMs` after it is watched; every poll that finds no
 * change waits 1.5 times longer, up to `maxIntervalMs`; a change resets the wait to the start (things
 * are moving); an error doubles it (or waits what the upstream asked for).
 *
 * Credentials: tasks started with configured credentials resume after a restart. Tasks started with a
 * request's own credentials keep them here, in memory only; after a restart they wait (with a
 * `CREDENTIALS_REQUIRED` note) until their owner asks again with credentials (`resume`).
 *
 * Nothing hangs forever: a task older than `maxTaskAgeMs` (watched or waiting for credentials), a task
 * the upstream no longer knows, a task no poller can follow, and a task whose polls keep failing
 * without hope of a retry helping all end `FAILED`.
 */
import type { UpstreamCredentials } from '../core/credentials.ts';
import { CopyErrorCode, isUpstreamFailure, type Provider } from '../core/errors.ts';
import { observePoll } from '../core/metrics.ts';
import { tracePoll } from '../core/tracing.ts';
import { type CopyTaskRecord, isFinalStatus, isSubmitting, interruptedWhileSubmitting, type TaskChange, TaskStatus } from './model.ts';

/** Records a change in the middle of a poll (e.g. an upstream task id right after its submit). */
export type Checkpoint = (change: TaskChange) => Promise<CopyTaskRecord>;

export interface TaskPoller {
  readonly provider: Provider;
  /** The most polls a second the watcher makes for this provider, over all its tasks. */
  readonly maxPollsPerSecond?: number;
  /**
   * Asks the upstream once how the task stands (and, for split copies, submits the next parts).
   * Returns the change to record, or undefined when nothing changed. Throws `UpstreamFailure`.
   * `checkpoint` stores a change at once (and returns the stored task): use it for anything that must
   * survive a crash before the poll ends, such as an upstream task id just created.
   */
  poll(task: CopyTaskRecord, credentials: UpstreamCredentials, checkpoint: Checkpoint): Promise<TaskChange | undefined>;
}

export interface WatcherOptions {
  readonly initialIntervalMs: number;
  readonly maxIntervalMs: number;
  /** A task older than this ends FAILED with TASK_EXPIRED. */
  readonly maxTaskAgeMs: number;
  /** Consecutive errors that a retry cannot fix after which a task ends FAILED. */
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
  /** When the next poll is due (epoch ms), for the poll-lag metric. */
  dueAt?: number;
}

/** setTimeout's largest delay; longer waits are taken in steps. */
const MAX_TIMER_MS = 2_147_483_647;

export class TaskWatcher {
  readonly #pollers = new Map<Provider, TaskPoller>();
  readonly #watches = new Map<string, Watch>();
  /** Request credentials of running tasks: memory only. */
  readonly #requestCredentials = new Map<string, UpstreamCredentials>();
  /** Tasks waiting for their owner's credentials, with the timer that expires them. */
  readonly #waiting = new Map<string, { task: CopyTaskRecord; timer: NodeJS.Timeout }>();
  /** Per provider, the earliest time the next poll may start (the poll rate). */
  readonly #nextSlot = new Map<Provider, number>();
  #stopped = false;
  /** Polls made, per provider: for tests and benchmarks. */
  readonly pollCounts = new Map<Provider, number>();
  /** Polls made, per task: for tests and benchmarks. */
  readonly taskPollCounts = new Map<string, number>();

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
    this.#stopWaiting(task.id);
    const existing = this.#watches.get(task.id);
    if (existing) {
      // Never step back to an older version: a change recorded on it would be refused as stale.
      if (task.version > existing.task.version) existing.task = task;
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
   * Resumes the non-final tasks of a previous run. A task still marked "submitting" (model.ts) ends
   * FAILED with OUTCOME_UNKNOWN, never re-submitted. Tasks that need request credentials are marked so
   * and wait for `resume` (or their maximum age).
   */
  async resumeAll(tasks: readonly CopyTaskRecord[]): Promise<void> {
    for (const task of tasks) {
      if (isFinalStatus(task.status)) continue;
      // Its upstream copy call was in flight when the last run stopped: reported, never sent again (model.ts).
      if (isSubmitting(task.watch)) {
        await this.record(task, interruptedWhileSubmitting(task));
        continue;
      }
      if (task.credentialSource === 'request' && !this.#requestCredentials.has(task.id)) {
        let waiting = task;
        if (this.#age(task) > this.options.maxTaskAgeMs) {
          await this.record(task, this.#expired());
          continue;
        }
        if (task.error?.code !== CopyErrorCode.CREDENTIALS_REQUIRED) {
          waiting = await this.record(task, {
            error: {
              code: CopyErrorCode.CREDENTIALS_REQUIRED,
              message:
                'This task was started with per-request credentials, which copygraph does not keep. Query it again with the same credentials to resume it.',
            },
          });
        }
        this.#wait(waiting);
        continue;
      }
      this.watch(task);
    }
  }

  /** Resumes a task waiting for request credentials, now that its owner sent them. */
  async resume(task: CopyTaskRecord, credentials: UpstreamCredentials): Promise<CopyTaskRecord> {
    if (isFinalStatus(task.status) || this.#watches.has(task.id)) return task;
    this.#stopWaiting(task.id);
    const resumed = task.error?.code === CopyErrorCode.CREDENTIALS_REQUIRED ? await this.record(task, { error: null }) : task;
    this.watch(resumed, credentials);
    return resumed;
  }

  /** Stops polling and waits for polls in flight (their changes are still recorded). */
  async stop(): Promise<void> {
    this.#stopped = true;
    const inFlight: Promise<void>[] = [];
    for (const w of this.#watches.values()) {
      if (w.timer) clearTimeout(w.timer);
      if (w.inFlight) inFlight.push(w.inFlight);
    }
    for (const { timer } of this.#waiting.values()) clearTimeout(timer);
    this.#waiting.clear();
    await Promise.allSettled(inFlight);
    this.#watches.clear();
    this.#requestCredentials.clear();
  }

  // ---- waiting for credentials ------------------------------------------------------------------

  #wait(task: CopyTaskRecord): void {
    this.#stopWaiting(task.id);
    const remaining = this.options.maxTaskAgeMs - this.#age(task);
    const timer = setTimeout(
      () => {
        const entry = this.#waiting.get(task.id);
        if (!entry || this.#stopped) return;
        if (this.#age(entry.task) <= this.options.maxTaskAgeMs) return this.#wait(entry.task);
        this.#waiting.delete(task.id);
        this.record(entry.task, this.#expired()).catch((err: unknown) => this.log('could not expire a task', { taskId: task.id, err: String(err) }));
      },
      Math.min(Math.max(remaining + 1, 0), MAX_TIMER_MS),
    );
    timer.unref();
    this.#waiting.set(task.id, { task, timer });
  }

  #stopWaiting(taskId: string): void {
    const entry = this.#waiting.get(taskId);
    if (entry) clearTimeout(entry.timer);
    this.#waiting.delete(taskId);
  }

  // ---- polling ----------------------------------------------------------------------------------

  #age(task: CopyTaskRecord): number {
    return Date.now() - Date.parse(task.createdAt);
  }

  #expired(): TaskChange {
    return {
      status: TaskStatus.FAILED,
      error: {
        code: CopyErrorCode.TASK_EXPIRED,
        message: `The task did not finish within ${Math.round(this.options.maxTaskAgeMs / 1000)} s (COPYGRAPH_TASK_MAX_AGE_S); copygraph stopped watching it.`,
      },
    };
  }

  #schedule(w: Watch, delayMs: number): void {
    if (this.#stopped) return;
    w.dueAt = Date.now() + delayMs;
    w.timer = setTimeout(
      () => {
        w.timer = undefined;
        this.#due(w);
      },
      Math.min(delayMs, MAX_TIMER_MS),
    );
    w.timer.unref();
  }

  /** The task's interval has passed: take the provider's next poll slot, then poll. */
  #due(w: Watch): void {
    if (this.#stopped) return;
    const poller = this.#pollers.get(w.task.provider);
    const rate = poller?.maxPollsPerSecond;
    if (rate !== undefined && rate > 0) {
      const now = Date.now();
      const slot = Math.max(now, this.#nextSlot.get(w.task.provider) ?? 0);
      this.#nextSlot.set(w.task.provider, slot + 1000 / rate);
      if (slot > now) {
        w.timer = setTimeout(() => {
          w.timer = undefined;
          this.#run(w);
        }, slot - now);
        w.timer.unref();
        return;
      }
    }
    this.#run(w);
  }

  #run(w: Watch): void {
    if (this.#stopped) return;
    w.inFlight = this.#tick(w)
      .catch((err: unknown) => {
        // A store failure or a bug: keep the task watched and try again later rather than lose it.
        this.log('task poll crashed', { taskId: w.task.id, err: String(err) });
        if (this.#stopped) return;
        this.#watches.set(w.task.id, w);
        w.intervalMs = Math.min(w.intervalMs * 2, this.options.maxIntervalMs);
        this.#schedule(w, w.intervalMs);
      })
      .finally(() => {
        w.inFlight = undefined;
      });
  }

  #forget(w: Watch): void {
    this.#watches.delete(w.task.id);
    this.#requestCredentials.delete(w.task.id);
  }

  async #tick(w: Watch): Promise<void> {
    if (this.#stopped) return;
    if (!this.leadership.isLeader()) return this.#schedule(w, this.options.maxIntervalMs);
    const task = w.task;
    if (this.#age(task) > this.options.maxTaskAgeMs) return this.#finish(w, this.#expired());
    const poller = this.#pollers.get(task.provider);
    if (!poller) {
      this.log('no poller for provider', { provider: task.provider, taskId: task.id });
      return this.#finish(w, {
        status: TaskStatus.FAILED,
        error: { code: CopyErrorCode.TASK_EXPIRED, message: `copygraph has no way to follow ${task.provider} tasks; it stopped watching this one.` },
      });
    }
    const creds = this.#requestCredentials.get(task.id) ?? this.configCredentials;
    this.pollCounts.set(task.provider, (this.pollCounts.get(task.provider) ?? 0) + 1);
    this.taskPollCounts.set(task.id, (this.taskPollCounts.get(task.id) ?? 0) + 1);
    let checkpointed = false;
    const checkpoint: Checkpoint = async (change) => {
      w.task = await this.record(w.task, change);
      checkpointed = true;
      return w.task;
    };
    let change: TaskChange | undefined;
    try {
      change = await observePoll(task.provider, w.dueAt, () => tracePoll(task, () => poller.poll(task, creds, checkpoint)));
      w.errors = 0;
    } catch (err) {
      if (isUpstreamFailure(err) && err.code === CopyErrorCode.NOT_FOUND) {
        return this.#finish(w, {
          status: TaskStatus.FAILED,
          error: {
            code: CopyErrorCode.TASK_EXPIRED,
            message: `${task.provider} no longer knows this task: ${err.message}`,
            upstreamCode: err.upstreamCode,
            logId: err.logId,
          },
        });
      }
      if (!isUpstreamFailure(err)) this.log('poll failed unexpectedly', { taskId: task.id, err: String(err) });
      // Retryable failures (throttling, an unreachable upstream) wait it out until the task's maximum age.
      if (!isUpstreamFailure(err) || !err.retryable) {
        w.errors += 1;
        if (w.errors >= this.options.maxConsecutiveErrors) {
          return this.#finish(
            w,
            isUpstreamFailure(err)
              ? { status: TaskStatus.FAILED, error: { code: err.code, message: err.message, upstreamCode: err.upstreamCode, logId: err.logId } }
              : {
                  status: TaskStatus.FAILED,
                  error: { code: CopyErrorCode.UPSTREAM_ERROR, message: 'copygraph could not follow this task (see the server log).' },
                },
          );
        }
      }
      if (isFinalStatus(w.task.status)) return this.#forget(w);
      w.intervalMs = Math.min(w.intervalMs * 2, this.options.maxIntervalMs);
      const asked = isUpstreamFailure(err) && err.retryAfterSeconds ? err.retryAfterSeconds * 1000 : 0;
      return this.#schedule(w, Math.max(asked, w.intervalMs));
    }
    // Recorded even when stopping: `stop` waits for this poll, and the store is still open.
    if (change) w.task = await this.record(w.task, change);
    if (isFinalStatus(w.task.status)) return this.#forget(w);
    w.intervalMs = change || checkpointed ? this.options.initialIntervalMs : Math.min(Math.round(w.intervalMs * 1.5), this.options.maxIntervalMs);
    this.#schedule(w, w.intervalMs);
  }

  async #finish(w: Watch, change: TaskChange): Promise<void> {
    this.#forget(w);
    w.task = await this.record(w.task, change);
  }
}
