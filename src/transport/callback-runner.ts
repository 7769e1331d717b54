/**
 * Router callback subscriptions carried by this replica (Apollo's callback protocol, callback/1.0),
 * durable in the task store's engine so that any replica can carry a subscription on, as Apollo
 * recommends for callback mode:
 *
 * - A subscription accepted here is saved (`CallbackSubscriptionStore`, never a credential) under a
 *   lease held by this replica before the router is answered, then heartbeats (`check`) and events
 *   (`next`, then `complete`) go to the router's callback URL.
 * - The lease is renewed every third of its length; a subscription whose lease this replica lost
 *   (it stalled past the expiry and another replica claimed it) stops here without a `complete`.
 * - Every second the replica claims records whose lease expired (their replica died: kill -9) or was
 *   let go (a replica that drained), and runs their operation again as the stored principal: the
 *   router's next message is the task's current state (it may repeat the last one it got).
 * - The router ends a subscription by answering 404 (or another 4xx) to any message: it stops here
 *   and its record is removed; so does a `complete` after the stream ended.
 * - Drain lets every lease go at once without a `complete`: another replica, or this one started again
 *   on the same store, carries the subscriptions on.
 *
 * Retries follow Apollo's plugin: `check` before answering, `next` and `complete` up to 5 retries
 * (100 ms doubling to 1 s) on a 5xx or no answer; heartbeats are not retried, and 5 failed heartbeats
 * in a row end the subscription.
 */
import type { ExecutionResult } from 'graphql';
import type { CallbackSubscription, CallbackSubscriptionStore } from '../tasks/callback-subscriptions.ts';

export type CallbackAction = 'check' | 'next' | 'complete';

/** One message to the router, as the protocol has it. */
export interface CallbackMessage {
  readonly kind: 'subscription';
  readonly action: CallbackAction;
  readonly id: string;
  readonly verifier: string;
  readonly payload?: ExecutionResult;
  readonly errors?: readonly unknown[];
}

/** Posts one message to the router's callback URL; resolves with the HTTP status, rejects on no answer. */
export type CallbackPost = (url: string, message: CallbackMessage) => Promise<number>;

/** What running a subscription's operation gives: its event stream, or a result with errors (refused). */
export type CallbackExecution = AsyncIterable<ExecutionResult> | ExecutionResult;

/** Why a subscription stopped on this replica without a message to the router: another replica carries it on. */
export type CallbackHandover = 'lost' | 'drain';

export interface CallbackRunnerOptions {
  readonly store: CallbackSubscriptionStore;
  /** This replica's id as a lease holder. */
  readonly holder: string;
  readonly post: CallbackPost;
  /** Runs a claimed record's operation again, as its stored principal. */
  readonly resume: (record: CallbackSubscription) => Promise<CallbackExecution>;
  readonly leaseMs: number;
  /** How often expired leases are looked for (default 1 s). */
  readonly claimEveryMs?: number;
  /** Retries of `check` (before answering), `next` and `complete` on a 5xx or no answer (default 5). */
  readonly retries?: number;
  readonly maxHeartbeatFailures?: number;
  readonly log: (level: 'info' | 'warn', msg: string, fields: Record<string, unknown>) => void;
  /** A subscription stopped here without a message to the router (for the operation observer; its messages tell the other ends). */
  readonly onStop?: (id: string, how: CallbackHandover) => void;
}

interface Running {
  readonly record: CallbackSubscription;
  /** When it became this replica's (a renewal begun before it cannot have included it). */
  readonly since: number;
  heartbeat?: NodeJS.Timeout | undefined;
  heartbeatBusy: boolean;
  failures: number;
  iterator?: AsyncIterator<ExecutionResult> | undefined;
  stopped: boolean;
}

type Sent = 'ok' | 'gone' | 'failed';

const isAsyncIterable = (v: unknown): v is AsyncIterable<ExecutionResult> =>
  typeof v === 'object' && v !== null && typeof (v as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

export class CallbackRunner {
  readonly #o: CallbackRunnerOptions;
  readonly #running = new Map<string, Running>();
  readonly #inFlight = new Set<Promise<unknown>>();
  #renewTimer: NodeJS.Timeout | undefined;
  #claimTimer: NodeJS.Timeout | undefined;
  #draining = false;
  #claiming = false;

  constructor(options: CallbackRunnerOptions) {
    this.#o = options;
  }

  /** Starts renewing this replica's leases and claiming expired ones (at once, then every second). */
  start(): void {
    if (this.#renewTimer) return;
    this.#renewTimer = setInterval(() => void this.#track(this.#renew()), Math.max(100, Math.floor(this.#o.leaseMs / 3)));
    this.#claimTimer = setInterval(() => void this.#track(this.#claim()), this.#o.claimEveryMs ?? 1_000);
    void this.#track(this.#claim());
  }

  /** Subscriptions this replica carries now. */
  get size(): number {
    return this.#running.size;
  }

  /** The first `check`, before the subscribing request is answered: true when the router took it. */
  async check(record: Pick<CallbackSubscription, 'callbackUrl' | 'id' | 'verifier'>): Promise<boolean> {
    return (await this.#send(record, { action: 'check' }, true)) === 'ok';
  }

  /**
   * Records an accepted subscription under this replica's lease and starts it: heartbeats at once, then
   * the events of `execute` (the request's own execution). Rejects when the record cannot be saved
   * (the subscription is then not started; the request is answered with an error).
   */
  async accept(record: CallbackSubscription, execute: () => Promise<CallbackExecution>): Promise<void> {
    const saved = await this.#o.store.save(record, this.#o.holder, this.#o.leaseMs);
    if (!saved) throw new Error(`a callback subscription with id ${record.id} exists already`);
    this.#run(record, execute);
  }

  /** Lets every lease go without a `complete` (another replica carries the subscriptions on) and waits for calls in flight. */
  async drain(): Promise<void> {
    this.#draining = true;
    clearInterval(this.#renewTimer);
    clearInterval(this.#claimTimer);
    const running = [...this.#running.values()];
    for (const r of running) this.#stopLocal(r);
    await Promise.allSettled(
      running.map(async (r) => {
        try {
          await this.#o.store.release(r.record.id, this.#o.holder);
        } catch (err) {
          this.#o.log('warn', 'callback subscription lease not released (it expires instead)', { subscriptionId: r.record.id, err: String(err) });
        }
        this.#o.onStop?.(r.record.id, 'drain');
      }),
    );
    await Promise.allSettled([...this.#inFlight]);
  }

  #track<T>(p: Promise<T>): Promise<T> {
    this.#inFlight.add(p);
    void p.finally(() => this.#inFlight.delete(p)).catch(() => {});
    return p;
  }

  #run(record: CallbackSubscription, execute: () => Promise<CallbackExecution>): void {
    const r: Running = { record, since: performance.now(), heartbeatBusy: false, failures: 0, stopped: false };
    this.#running.set(record.id, r);
    // Heartbeats first: the router knows the subscription is alive while its operation starts.
    if (record.heartbeatIntervalMs > 0) {
      r.heartbeat = setInterval(() => void this.#track(this.#heartbeat(r)), record.heartbeatIntervalMs);
    }
    void this.#track(this.#consume(r, execute));
  }

  async #consume(r: Running, execute: () => Promise<CallbackExecution>): Promise<void> {
    let execution: CallbackExecution;
    try {
      execution = await execute();
    } catch (err) {
      await this.#complete(r, [{ message: err instanceof Error ? err.message : String(err) }]);
      return;
    }
    if (r.stopped) {
      if (isAsyncIterable(execution)) await execution[Symbol.asyncIterator]().return?.();
      return;
    }
    if (!isAsyncIterable(execution)) {
      await this.#complete(r, execution.errors ?? []);
      return;
    }
    const iterator = execution[Symbol.asyncIterator]();
    r.iterator = iterator;
    try {
      for (;;) {
        const step = await iterator.next();
        if (step.done || r.stopped) break;
        const sent = await this.#send(r.record, { action: 'next', payload: step.value });
        if (r.stopped) return;
        if (sent !== 'ok') {
          await this.#gone(r, sent);
          return;
        }
      }
    } catch (err) {
      await this.#complete(r, [err]);
      return;
    }
    await this.#complete(r);
  }

  async #heartbeat(r: Running): Promise<void> {
    if (r.stopped || r.heartbeatBusy) return;
    r.heartbeatBusy = true;
    try {
      const sent = await this.#send(r.record, { action: 'check' }, false);
      if (r.stopped) return;
      if (sent === 'ok') r.failures = 0;
      else if (sent === 'gone') await this.#gone(r, sent);
      else if (++r.failures >= (this.#o.maxHeartbeatFailures ?? 5)) await this.#gone(r, 'failed');
    } finally {
      r.heartbeatBusy = false;
    }
  }

  /** The stream ended (or failed): `complete`, then the record goes. */
  async #complete(r: Running, errors?: readonly unknown[]): Promise<void> {
    if (r.stopped) return;
    this.#stopLocal(r);
    const sent = await this.#send(r.record, { action: 'complete', ...(errors && errors.length > 0 ? { errors } : {}) });
    if (sent === 'failed') this.#o.log('warn', 'callback subscription complete not delivered', { subscriptionId: r.record.id });
    await this.#forget(r);
  }

  /** The router no longer takes the subscription (404 or another 4xx), or cannot be reached: it ends here and its record goes. */
  async #gone(r: Running, why: Sent): Promise<void> {
    if (r.stopped) return;
    this.#stopLocal(r);
    if (why === 'failed') this.#o.log('warn', 'callback subscription ended: the router could not be reached', { subscriptionId: r.record.id });
    await this.#forget(r);
  }

  async #forget(r: Running): Promise<void> {
    try {
      await this.#o.store.delete(r.record.id, this.#o.holder);
    } catch (err) {
      this.#o.log('warn', 'callback subscription record not removed', { subscriptionId: r.record.id, err: String(err) });
    }
  }

  #stopLocal(r: Running): void {
    r.stopped = true;
    clearInterval(r.heartbeat);
    this.#running.delete(r.record.id);
    void r.iterator?.return?.()?.catch(() => {});
  }

  /** Sends one message; retried on a 5xx or no answer (not heartbeats). */
  async #send(
    record: Pick<CallbackSubscription, 'callbackUrl' | 'id' | 'verifier'>,
    message: Pick<CallbackMessage, 'action' | 'payload' | 'errors'>,
    retry = true,
  ): Promise<Sent> {
    const body: CallbackMessage = { kind: 'subscription', id: record.id, verifier: record.verifier, ...message };
    const retries = retry ? (this.#o.retries ?? 5) : 0;
    for (let attempt = 0; ; attempt++) {
      try {
        const status = await this.#o.post(record.callbackUrl, body);
        if (status < 300) return 'ok';
        if (status < 500) return 'gone';
      } catch {
        // No answer: retried like a 5xx.
      }
      if (attempt >= retries) return 'failed';
      await sleep(Math.min(1_000, 100 * 2 ** attempt));
    }
  }

  async #renew(): Promise<void> {
    if (this.#draining) return;
    const startedAt = performance.now();
    let held: Set<string>;
    try {
      held = new Set(await this.#o.store.renew(this.#o.holder, this.#o.leaseMs));
    } catch (err) {
      this.#o.log('warn', 'callback subscription leases not renewed', { err: String(err) });
      return;
    }
    for (const r of [...this.#running.values()]) {
      if (r.since >= startedAt || held.has(r.record.id)) continue;
      // Another replica claimed it while this one stalled past the expiry: it carries it on.
      this.#stopLocal(r);
      this.#o.log('warn', 'callback subscription lease lost; another replica carries it on', { subscriptionId: r.record.id });
      this.#o.onStop?.(r.record.id, 'lost');
    }
  }

  async #claim(): Promise<void> {
    if (this.#draining || this.#claiming) return;
    this.#claiming = true;
    try {
      const claimed = await this.#o.store.claimExpired(this.#o.holder, this.#o.leaseMs, 100);
      for (const record of claimed) {
        if (this.#draining) {
          await this.#o.store.release(record.id, this.#o.holder);
          continue;
        }
        // Its own lease expired while it ran here (a stall) and nobody else took it: it carries on.
        if (this.#running.has(record.id)) continue;
        this.#o.log('info', 'carrying on a callback subscription', { subscriptionId: record.id, principal: record.principalId });
        this.#run(record, () => this.#o.resume(record));
      }
    } catch (err) {
      this.#o.log('warn', 'callback subscriptions not claimed', { err: String(err) });
    } finally {
      this.#claiming = false;
    }
  }
}
