/**
 * Poll leases: which replica polls which task. Each non-final task is polled by the one replica that
 * holds its lease; the lease expires unless its holder keeps renewing it, so the tasks of a replica that
 * died (kill -9, a lost host) are claimed by another replica once their leases expire.
 *
 * One process (SQLite) needs no coordination: `createInProcessLeases` grants every lease and claims
 * nothing (the watcher resumes the store's unfinished tasks at start). The PostgreSQL implementation
 * (`leases/postgres.ts`) keeps the leases in a table.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { CopyTaskRecord } from './model.ts';

/**
 * `renewed`: this replica held the lease without a break (its view of the task is current);
 * `acquired`: it has just taken the lease (free or expired), so another replica may have changed the
 * task meanwhile: read it again before polling; `held-elsewhere`: another replica polls it.
 */
export type LeaseOutcome = 'renewed' | 'acquired' | 'held-elsewhere';

export interface TaskLeases {
  /** Whether other replicas share these leases (false: one process, no takeover needed). */
  readonly shared: boolean;
  /** Takes the lease of a task for this replica, or keeps it. */
  hold(taskId: string): Promise<LeaseOutcome>;
  /** Gives a lease up (the task is final, or waits for its owner's credentials). */
  release(taskId: string): Promise<void>;
  /**
   * Claims up to `limit` non-final tasks that no live replica holds (their holder died or let go, or
   * they were never leased and have not changed for a lease period); resolves with their ids. Tasks
   * waiting for their owner's per-request credentials are left alone unless older than `maxTaskAgeMs`.
   */
  claimOrphans(limit: number, maxTaskAgeMs: number): Promise<string[]>;
  /** Releases every lease this replica holds (a graceful stop hands its tasks over at once). */
  close(): Promise<void>;
}

export function createInProcessLeases(): TaskLeases {
  return {
    shared: false,
    hold: async () => 'renewed',
    release: async () => {},
    claimOrphans: async () => [],
    close: async () => {},
  };
}

/** What the takeover loop needs of the watcher. */
export interface LeaseWatcher {
  resumeAll(tasks: readonly CopyTaskRecord[]): Promise<void>;
  isWatching(taskId: string): boolean;
}

export interface TakeoverOptions {
  readonly leases: TaskLeases;
  readonly watcher: LeaseWatcher;
  readonly read: (ids: readonly string[]) => Promise<CopyTaskRecord[]>;
  /** How often to look for orphaned tasks (jittered ±25 %). */
  readonly intervalMs: number;
  readonly maxTaskAgeMs: number;
  readonly batch?: number;
  readonly log?: (msg: string, fields?: Record<string, unknown>) => void;
}

/** The loop that claims orphaned tasks (`start` runs the first look at once). */
export interface Takeover {
  start(): void;
  /** Runs one look now (or joins the one running); resolves with how many tasks it claimed. */
  scanNow(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Periodically claims orphaned tasks and watches them. A claimed task this replica cannot poll (it
 * waits for per-request credentials) has its lease released again, so the replica its owner's next
 * request reaches can take it.
 */
export function createTakeover(options: TakeoverOptions): Takeover {
  const log = options.log ?? (() => {});
  let stopped = false;
  let started = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | undefined;

  const scan = async (): Promise<number> => {
    const ids = await options.leases.claimOrphans(options.batch ?? 50, options.maxTaskAgeMs);
    if (ids.length === 0) return 0;
    const tasks = await options.read(ids);
    await options.watcher.resumeAll(tasks);
    for (const id of ids) if (!options.watcher.isWatching(id)) await options.leases.release(id);
    log('took over orphaned tasks', { count: ids.length });
    return ids.length;
  };
  const scanNow = (): Promise<number> => {
    if (stopped) return Promise.resolve(0);
    running ??= scan().finally(() => {
      running = undefined;
    });
    return running;
  };
  const loop = () => {
    if (stopped) return;
    scanNow()
      .catch((err: unknown) => log('lease takeover scan failed', { err: String(err) }))
      .finally(() => {
        if (stopped) return;
        timer = setTimeout(loop, options.intervalMs * (0.75 + Math.random() * 0.5));
        timer.unref();
      });
  };
  return {
    start() {
      if (started) return;
      started = true;
      loop();
    },
    scanNow,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running?.catch(() => {});
    },
  };
}

/** A new name for this replica as a lease holder (`host:pid:random`): unique per app, also in one process. */
export function newHolderId(): string {
  return `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
}
