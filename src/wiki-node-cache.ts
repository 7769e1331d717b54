/**
 * A short-lived cache of Feishu `get_node` answers, shared between requests, so that wiki-backed
 * pages do not spend Feishu's 100 calls a minute re-reading the same nodes (50 `WikiNode` references
 * cost 50 `get_node` calls per page view without it; the third view in a minute waited a minute).
 *
 * What it trades: a node read from the cache may be up to `ttlMs` old. A change made in Feishu
 * itself (a rename, a move, a new child, a permission taken away) shows after at most `ttlMs`;
 * copygraph's own copies invalidate what they change at once (the target parent's `hasChild`) and
 * put the new node in the cache. Only answers are kept, never failures: a node that was not found or
 * not readable is asked again next time.
 *
 * Scopes: an entry belongs to one credential scope, the hash of the exact Feishu credentials that
 * read it (the user token, or app id and secret). Two principals share entries only when they use the
 * very same credentials (and so would read the same answer from Feishu); a user token never sees what
 * the app read, nor another user's reads. The hash is kept, never the credential.
 *
 * Reads in flight are shared too: two requests that want the same node in the same scope at the same
 * time cost one `get_node` (a read that a copy invalidates while it is in flight is not kept).
 *
 * Bounded by `maxEntries` over all scopes (least recently used first out); `ttlMs` 0 turns it off.
 * In-process: each replica has its own (invalidation by another replica's copies is not seen, so its
 * entries may lag by up to `ttlMs`, as with changes made in Feishu).
 */
import { createHash } from 'node:crypto';
import type { FeishuCredentials } from './core/credentials.ts';
import type { WikiNodeModel } from '../datasources/feishu-wiki.ts';

export interface WikiNodeCacheOptions {
  /** How long an answer is reused; 0 turns the cache off. */
  readonly ttlMs: number;
  /** The most nodes kept, all scopes together. */
  readonly maxEntries: number;
  readonly now?: () => number;
}

interface Entry {
  readonly node: WikiNodeModel;
  readonly expiresAt: number;
}

/** The scope of a set of Feishu credentials: a hash that tells them apart and reveals nothing of them. */
export function feishuScope(creds: FeishuCredentials): string {
  const identity = creds.userAccessToken ? ['user', creds.userAccessToken] : ['app', creds.appId ?? '', creds.appSecret ?? ''];
  return createHash('sha256').update(identity.join('\u0000')).digest('base64url');
}

export class WikiNodeCache {
  readonly #options: WikiNodeCacheOptions;
  readonly #now: () => number;
  /** `scope \0 nodeToken` → entry; Map order is recency (oldest first). */
  readonly #entries = new Map<string, Entry>();
  /** nodeToken → the keys holding it, for invalidation across scopes. */
  readonly #byToken = new Map<string, Set<string>>();
  /** `scope \0 nodeToken` → the answer of a read in flight. */
  readonly #inflight = new Map<string, Promise<WikiNodeModel | Error>>();
  /** Hits and misses since start (tests, metrics). */
  readonly stats = { hits: 0, misses: 0 };

  constructor(options: WikiNodeCacheOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  get enabled(): boolean {
    return this.#options.ttlMs > 0 && this.#options.maxEntries > 0;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** A fresh answer for this node in this scope, or undefined. */
  get(scope: string, nodeToken: string): WikiNodeModel | undefined {
    if (!this.enabled) return undefined;
    const key = `${scope}\u0000${nodeToken}`;
    const entry = this.#entries.get(key);
    if (!entry || entry.expiresAt <= this.#now()) {
      if (entry) this.#delete(key, nodeToken);
      this.stats.misses++;
      return undefined;
    }
    // Most recently used goes last.
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    this.stats.hits++;
    return entry.node;
  }

  /**
   * The nodes of `tokens` for this scope: fresh answers from the cache, reads in flight shared, and
   * `fetch` (one call, for the rest) for what is left; its answers are kept, its failures returned
   * and not kept. One result per token, in order. With the cache off, just `fetch`.
   */
  async read(
    scope: string,
    tokens: readonly string[],
    fetch: (tokens: readonly string[]) => Promise<readonly (WikiNodeModel | Error)[]>,
  ): Promise<(WikiNodeModel | Error)[]> {
    if (!this.enabled) return [...(await fetch(tokens))];
    const results: (WikiNodeModel | Error | undefined)[] = tokens.map((t) => this.get(scope, t));
    const shared: Promise<void>[] = [];
    const missing: string[] = [];
    const missingAt: number[] = [];
    tokens.forEach((token, i) => {
      if (results[i] !== undefined) return;
      const pending = this.#inflight.get(`${scope}\u0000${token}`);
      if (pending) shared.push(pending.then((r) => void (results[i] = r)));
      else {
        missing.push(token);
        missingAt.push(i);
      }
    });
    if (missing.length > 0) {
      const batch = fetch(missing).then(
        (answers) => [...answers],
        (err: unknown) => missing.map(() => (err instanceof Error ? err : new Error(String(err)))),
      );
      missing.forEach((token, j) => {
        const key = `${scope}\u0000${token}`;
        const one = batch.then((answers) => answers[j] ?? new Error('no answer'));
        this.#inflight.set(key, one);
        void one.then((answer) => {
          // Kept only if no copy invalidated the node meanwhile (that dropped the in-flight entry).
          if (this.#inflight.get(key) !== one) return;
          this.#inflight.delete(key);
          if (!(answer instanceof Error)) this.set(scope, answer);
        });
      });
      const answers = await batch;
      missingAt.forEach((i, j) => {
        results[i] = answers[j];
      });
    }
    await Promise.all(shared);
    return results as (WikiNodeModel | Error)[];
  }

  /** Keeps an answer read (or made, by a copy) with these credentials. */
  set(scope: string, node: WikiNodeModel): void {
    if (!this.enabled) return;
    const key = `${scope}\u0000${node.nodeToken}`;
    this.#entries.delete(key);
    this.#entries.set(key, { node, expiresAt: this.#now() + this.#options.ttlMs });
    let keys = this.#byToken.get(node.nodeToken);
    if (!keys) this.#byToken.set(node.nodeToken, (keys = new Set()));
    keys.add(key);
    while (this.#entries.size > this.#options.maxEntries) {
      const oldest = this.#entries.keys().next().value as string;
      this.#delete(oldest, oldest.slice(oldest.indexOf('\u0000') + 1));
    }
  }

  /** Forgets a node in every scope (copygraph changed it). */
  invalidate(nodeToken: string): void {
    for (const key of this.#byToken.get(nodeToken) ?? []) this.#entries.delete(key);
    this.#byToken.delete(nodeToken);
    for (const key of this.#inflight.keys()) if (key.endsWith(`\u0000${nodeToken}`)) this.#inflight.delete(key);
  }

  /**
   * A copy made through copygraph: the target parent now has a child (every scope's answer for it
   * is stale), and the new node, as the copy answered it, is known to the copier's scope.
   */
  noteCopy(scope: string, copy: WikiNodeModel): void {
    if (copy.parentNodeToken) this.invalidate(copy.parentNodeToken);
    this.set(scope, copy);
  }

  clear(): void {
    this.#entries.clear();
    this.#byToken.clear();
    this.#inflight.clear();
  }

  #delete(key: string, nodeToken: string): void {
    this.#entries.delete(key);
    const keys = this.#byToken.get(nodeToken);
    keys?.delete(key);
    if (keys?.size === 0) this.#byToken.delete(nodeToken);
  }
}
