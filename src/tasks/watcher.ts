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
import { createInProcessLeases, type TaskLeases } from './leases.ts';
import { StaleWriteError } from './service.ts';
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

/**
 * Stores and publishes a change; implemented by `TaskService`. With `fenced`, a write refused as stale
 * (another replica stored a newer version) rejects with `StaleWriteError` instead of resolving with the
 * stored task: the checkpoints of a poll are fenced, so a poller that lost its lease mid-poll never
 * sends what it checkpointed (a 123pan part's submit) after the new holder changed the task.
 */
export type ChangeRecorder = (task: CopyTaskRecord, change: TaskChange, options?: { readonly fenced?: boolean }) => Promise<CopyTaskRecord>;

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
    /** Which replica polls which task (see leases.ts); one process by default. */
    private readonly leases: TaskLeases = createInProcessLeases(),
    private readonly log: (msg: string, fields?: Record<string, unknown>) => void = () => {},
    /** Reads a task from the store: after taking a lease over, another replica may have advanced it. */
    private readonly read: (id: string) => Promise<CopyTaskRecord | undefined> = async () => undefined,
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
    this.#claimLease(task.id);
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

  #forget(w: Watch, releaseLease = true): void {
    this.#watches.delete(w.task.id);
    this.#requestCredentials.delete(w.task.id);
    if (releaseLease) this.#releaseLease(w.task.id);
  }

  // ---- poll leases (which replica polls which task) ------------------------------------------------

  /** Takes the lease as soon as a task is watched, so no other replica claims it as orphaned meanwhile. */
  #claimLease(taskId: string): void {
    if (!this.leases.shared) return;
    this.leases.hold(taskId).catch((err: unknown) => this.log('could not take a poll lease', { taskId, err: String(err) }));
  }

  #releaseLease(taskId: string): void {
    if (!this.leases.shared) return;
    this.leases.release(taskId).catch((err: unknown) => this.log('could not release a poll lease', { taskId, err: String(err) }));
  }

  /**
   * Before each poll: keeps (or takes) the task's lease. Another replica holding it polls it instead:
   * this one stops watching. A lease just taken over means another replica may have advanced the task
   * (submitted a part, say): the stored state replaces the one in memory before anything is sent.
   */
  async #holdLease(w: Watch): Promise<boolean> {
    const outcome = await this.leases.hold(w.task.id);
    if (outcome === 'held-elsewhere') {
      this.#forget(w, false);
      return false;
    }
    if (outcome === 'acquired') {
      const stored = await this.read(w.task.id);
      if (stored && stored.version > w.task.version) w.task = stored;
      if (isFinalStatus(w.task.status)) {
        this.#forget(w);
        return false;
      }
    }
    return true;
  }

  async #tick(w: Watch): Promise<void> {
    if (this.#stopped) return;
    if (!(await this.#holdLease(w))) return;
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
      w.task = await this.record(w.task, change, { fenced: true });
      checkpointed = true;
      return w.task;
    };
    let change: TaskChange | undefined;
    try {
      change = await observePoll(task.provider, w.dueAt, () => tracePoll(task, () => poller.poll(task, creds, checkpoint)));
      w.errors = 0;
    } catch (err) {
      if (err instanceof StaleWriteError) {
        // Another replica took the task over while this poll ran (its lease expired): this one stops
        // here; the next tick finds the lease held elsewhere (or, if it was let go, resumes from the store).
        if (err.stored && err.stored.version > w.task.version) w.task = err.stored;
        this.log('a poll lost its task to another replica (stale checkpoint refused)', { taskId: task.id });
        if (isFinalStatus(w.task.status)) return this.#forget(w);
        return this.#schedule(w, w.intervalMs);
      }
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
