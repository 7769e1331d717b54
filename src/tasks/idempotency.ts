/**
 * Idempotency keys: a client may send the same copy again with the same key and be sure that it runs
 * upstream at most once. The rules (also in the README and the SDL):
 *
 * - A key is scoped to the principal, and names one copy: the operation and its validated input, as a
 *   fingerprint (SHA-256 of canonical JSON; the input never holds a credential).
 * - The first request claims the key: a row under a unique (owner, key) constraint, holding the id the
 *   task will get. Claiming happens before anything goes upstream; the task is stored under that id.
 * - A later request with the same key and fingerprint answers that task and sends nothing upstream. While
 *   the claim has no task yet (the first request is still running, here or on another replica) it waits.
 *   A claim whose task never appears within `inFlightMs` belonged to a process that died before storing
 *   it: that copy is treated as never run, and the waiting request takes the key over (one winner).
 * - The same key with another fingerprint is refused (`IDEMPOTENCY_KEY_REUSED`, naming the key's task).
 * - A copy that provably did not run (refused before or by the upstream) releases its claim: the key is
 *   free again. A copy that may have run keeps it, with a task saying so.
 * - Keys are forgotten `ttlMs` after they were claimed.
 *
 * This module is the logic and the store interface; `store/sqlite-idempotency.ts` and
 * `store/postgres-idempotency.ts` hold the keys on each engine.
 */
import { createHash, randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { CopyTaskRecord } from './model.ts';
import { createPostgresIdempotencyStore } from './store/postgres-idempotency.ts';
import { createSqliteIdempotencyStore } from './store/sqlite-idempotency.ts';
import type { TaskStore } from './store/sqlite.ts';

/** One claimed key. Times are epoch milliseconds. */
export interface KeyClaim {
  readonly owner: string;
  readonly key: string;
  readonly fingerprint: string;
  /** The id the key's task has (or will have, while the claimer is still running the copy). */
  readonly taskId: string;
  readonly claimedAt: number;
  readonly expiresAt: number;
}

/** Where claims live: one row per (owner, key), under a unique constraint shared by every replica. */
export interface IdempotencyKeyStore {
  /**
   * Inserts `claim` unless a live (not expired) claim of the same owner and key exists; an expired one
   * is replaced. Resolves with the claim in force afterwards: `claim` itself when it won.
   */
  claim(claim: KeyClaim, now: number): Promise<KeyClaim>;
  /** Moves a stale claim (its task never stored) to a new task id; false when someone else moved it first. */
  takeOver(owner: string, key: string, staleTaskId: string, next: Pick<KeyClaim, 'taskId' | 'claimedAt' | 'expiresAt'>): Promise<boolean>;
  /** Frees a key whose copy provably did not run (only if it still names `taskId`). */
  release(owner: string, key: string, taskId: string): Promise<void>;
  /** Forgets every claim expired at `now`; resolves with how many. */
  purgeExpired(now: number): Promise<number>;
}

export interface IdempotencyOptions {
  readonly ttlMs: number;
  readonly inFlightMs: number;
  /** Epoch milliseconds (tests move it forward to expire keys). */
  readonly now?: (() => number) | undefined;
}

/** What a request with a key does next. */
export type KeyDecision =
  /** Run the copy, storing its task under `taskId`; then `settle` the claim. */
  | { readonly kind: 'run'; readonly taskId: string }
  /** The key's copy exists: answer its task, send nothing upstream. */
  | { readonly kind: 'replay'; readonly task: CopyTaskRecord }
  /** The key belongs to another input. */
  | { readonly kind: 'reused'; readonly taskId: string };

/** The key is already used, by the same principal, for another input. Nothing was sent upstream. */
export class IdempotencyKeyReused extends Error {
  override readonly name = 'IdempotencyKeyReused';
  constructor(
    readonly idempotencyKey: string,
    readonly taskId: string,
  ) {
    super(`This idempotency key already belongs to task ${taskId}, made with a different input; nothing was copied. Use a new key for a new copy.`);
  }
}

/** JSON with object keys sorted at every level (undefined members left out): equal inputs, equal text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** The fingerprint of one copy: its operation and its validated input (which never holds a credential). */
export function fingerprint(operation: string, input: unknown): string {
  return createHash('sha256').update(operation).update('\n').update(canonicalJson(input)).digest('hex');
}

/** What the keys may say is a valid key: 1 to 255 printable ASCII characters (as HTTP header values allow). */
export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e][\x20-\x7e]{0,254}$/;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const PURGE_EVERY_MS = 60_000;

export class IdempotencyKeys {
  readonly #now: () => number;
  #lastPurge = 0;

  constructor(
    readonly store: IdempotencyKeyStore,
    private readonly tasks: Pick<TaskStore, 'get'>,
    private readonly options: IdempotencyOptions,
  ) {
    this.#now = options.now ?? Date.now;
  }

  /** Claims `key` for a copy with this fingerprint, or says what its earlier request left. */
  async begin(owner: string, key: string, print: string): Promise<KeyDecision> {
    await this.#purge();
    let wait = 20;
    for (;;) {
      const now = this.#now();
      const mine: KeyClaim = { owner, key, fingerprint: print, taskId: randomUUID(), claimedAt: now, expiresAt: now + this.options.ttlMs };
      const held = await this.store.claim(mine, now);
      if (held.taskId === mine.taskId) return { kind: 'run', taskId: mine.taskId };
      if (held.fingerprint !== print) return { kind: 'reused', taskId: held.taskId };
      const task = await this.tasks.get(held.taskId);
      if (task && task.owner === owner) return { kind: 'replay', task };
      if (now - held.claimedAt >= this.options.inFlightMs) {
        // Its claimer died before storing the task: that copy never ran as far as anyone can know.
        const next = { taskId: mine.taskId, claimedAt: now, expiresAt: mine.expiresAt };
        if (await this.store.takeOver(owner, key, held.taskId, next)) return { kind: 'run', taskId: mine.taskId };
        continue;
      }
      // The first request is still running (here or on another replica): wait for its task.
      await sleep(wait);
      wait = Math.min(wait * 2, 250);
    }
  }

  /** After a run: a copy that provably did not run (no task stored) frees its key. */
  async release(owner: string, key: string, taskId: string): Promise<void> {
    await this.store.release(owner, key, taskId);
  }

  async #purge(): Promise<void> {
    const now = this.#now();
    if (now - this.#lastPurge < PURGE_EVERY_MS) return;
    this.#lastPurge = now;
    await this.store.purgeExpired(now);
  }
}

/** A task store of a known engine, whose handle the key store shares. */
type EngineStore = TaskStore &
  ({ readonly engine: 'sqlite'; readonly db: import('better-sqlite3').Database } | { readonly engine: 'postgres'; readonly pool: pg.Pool });

function hasEngine(store: TaskStore): store is EngineStore {
  return 'engine' in store;
}

/** The key store on the task store's own engine (the same SQLite file, or the same PostgreSQL database). */
export function idempotencyStoreFor(store: TaskStore): IdempotencyKeyStore {
  if (!hasEngine(store)) throw new Error('idempotency keys need a task store that names its engine (sqlite or postgres)');
  return store.engine === 'sqlite' ? createSqliteIdempotencyStore(store.db) : createPostgresIdempotencyStore(store.pool);
}
