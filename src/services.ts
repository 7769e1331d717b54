/**
 * The long-lived parts of a running copygraph, wired once from configuration: the task store, pub/sub,
 * task service and watcher, and one datasource client per provider.
 */
import { QiniuClient } from '../datasources/qiniu.ts';
import { FeishuWikiClient, feishuFairReserve } from '../datasources/feishu-wiki.ts';
import { BlueClient } from '../datasources/blue.ts';
import { CozeClient } from '../datasources/coze.ts';
import { Pan123Client } from '../datasources/pan123.ts';
import { CozePoller } from './pollers/coze.ts';
import { Pan123Poller } from './pollers/pan123.ts';
import { BlueOutcomeLookup } from './pollers/outcome-blue.ts';
import { FeishuOutcomeLookup } from './pollers/outcome-feishu.ts';
import { QiniuOutcomeLookup } from './pollers/outcome-qiniu.ts';
import { OutcomePoller } from './pollers/outcome-resolution.ts';
import { createPostgresLock, type KeyedLock } from './core/locks.ts';
import { qiniuBulkPoller } from './pollers/qiniu-bulk.ts';
import { feishuTreePoller } from './pollers/feishu-bulk.ts';
import { blueBulkPoller } from './pollers/blue-bulk.ts';
import { withCozeBulk } from './pollers/coze-bulk.ts';
import type { TaskItemStore } from './tasks/items.ts';
import { callbackStoreFor, itemStoreFor } from './tasks/store/engine-stores.ts';
import type { CallbackSubscriptionStore } from './tasks/callback-subscriptions.ts';
import { type LimiterClock, type RateBudget, SharedRateBudget } from './core/rate-limiter.ts';
import { routeByKind } from './pollers/routing.ts';
import type { Config } from './config.ts';
import type { Logger } from './core/logger.ts';
import { createInProcessLeases, createTakeover, newHolderId, type Takeover, type TaskLeases } from './tasks/leases.ts';
import { createPostgresLeases } from './tasks/leases/postgres.ts';
import { withPollBudget } from './tasks/poll-budget.ts';
import { createInProcessPubSub, type TaskPubSub } from './tasks/pubsub.ts';
import { IdempotencyKeys, type IdempotencyKeyStore, idempotencyStoreFor } from './tasks/idempotency.ts';
import { createPostgresPubSub } from './tasks/pubsub/postgres.ts';
import { TaskService } from './tasks/service.ts';
import { createPostgresTaskStore } from './tasks/store/postgres.ts';
import { createSqliteTaskStore, type TaskStore } from './tasks/store/sqlite.ts';
import { TaskWatcher } from './tasks/watcher.ts';
import { WikiNodeCache } from './wiki-node-cache.ts';

export interface Services {
  readonly config: Config;
  readonly logger: Logger;
  readonly store: TaskStore;
  /** The items of bulk copies, in the task store's engine. */
  readonly items: TaskItemStore;
  /** Router callback subscriptions, durable in the task store's engine (any replica carries them on). */
  readonly callbacks: CallbackSubscriptionStore;
  /** This app among the replicas: the holder of its poll leases and of the callback subscriptions it carries. */
  readonly replicaId: string;
  readonly pubsub: TaskPubSub;
  /** Which replica polls which task (in-process unless the engine is shared). */
  readonly leases: TaskLeases;
  /** Claims the tasks of replicas that died (a no-op loop on one process). */
  readonly takeover: Takeover;
  readonly tasks: TaskService;
  readonly watcher: TaskWatcher;
  /** Idempotency keys of copy mutations, on the task store's engine. */
  readonly idempotency: IdempotencyKeys;
  readonly qiniu: QiniuClient;
  readonly feishu: FeishuWikiClient;
  /** Feishu `get_node` answers reused across requests, per credential scope. */
  readonly wikiNodes: WikiNodeCache;
  readonly blue: BlueClient;
  readonly coze: CozeClient;
  readonly pan123: Pan123Client;
}

export interface ServiceOverrides {
  readonly store?: TaskStore;
  readonly pubsub?: TaskPubSub;
  readonly leases?: TaskLeases;
  /** How often a replica looks for orphaned tasks to take over (default 2 s). */
  readonly takeoverIntervalMs?: number;
  /** The clock of client-side rate limiters (tests link it to an emulator's clock). */
  readonly rateLimitClock?: LimiterClock;
  /** Where idempotency keys live (default: the task store's own engine). */
  readonly idempotencyStore?: IdempotencyKeyStore;
  /** The clock of idempotency keys, in epoch milliseconds (tests move it to expire keys). */
  readonly idempotencyClock?: () => number;
  /** Upstream budgets and locks shared by the replicas (set by `openSharedEngine`). */
  readonly shared?: SharedBudgets;
  /** This replica's name as a lease holder, of poll leases and callback subscriptions alike (set by `openSharedEngine`). */
  readonly replicaId?: string;
}

/** What several replicas must share beyond the store: call budgets, poll rates, copy serialisation. */
export interface SharedBudgets {
  /** Feishu calls per API and identity a minute. */
  readonly feishu: RateBudget;
  /** Task polls a second, per provider (one budget per provider). */
  readonly polls: { readonly coze: RateBudget; readonly pan123: RateBudget };
  /** Blue copies into one list, one at a time. */
  readonly blueListLock: KeyedLock;
}

export function createServices(config: Config, logger: Logger, overrides: ServiceOverrides = {}): Services {
  const store = overrides.store ?? createSqliteTaskStore(config.dbPath);
  const items = itemStoreFor(store);
  const callbacks = callbackStoreFor(store);
  const replicaId = overrides.replicaId ?? newHolderId();
  const pubsub = overrides.pubsub ?? createInProcessPubSub();
  const leases = overrides.leases ?? createInProcessLeases();
  const tasks = new TaskService(store, pubsub);
  const idempotency = new IdempotencyKeys(overrides.idempotencyStore ?? idempotencyStoreFor(store), store, {
    ...config.idempotency,
    now: overrides.idempotencyClock,
  });
  const watcher = new TaskWatcher(
    {
      initialIntervalMs: config.poll.initialIntervalMs,
      maxIntervalMs: config.poll.maxIntervalMs,
      maxTaskAgeMs: config.poll.maxTaskAgeMs,
      maxConsecutiveErrors: 5,
    },
    config.credentials,
    (task, change, options) => tasks.change(task, change, options),
    leases,
    (msg, fields) => logger.warn(fields ?? {}, msg),
    (id) => store.get(id),
  );
  const takeover = createTakeover({
    leases,
    watcher,
    read: (ids) => store.getMany(ids),
    intervalMs: overrides.takeoverIntervalMs ?? 2_000,
    maxTaskAgeMs: config.poll.maxTaskAgeMs,
    log: (msg, fields) => logger.info(fields ?? {}, msg),
  });
  const qiniu = new QiniuClient({
    rsUrl: config.urls.qiniuRs,
    rsfUrl: config.urls.qiniuRsf,
    timeoutMs: config.upstreamTimeoutMs,
    signature: config.qiniuSignature,
  });
  const feishu = new FeishuWikiClient({
    baseUrl: config.urls.feishu,
    timeoutMs: config.upstreamTimeoutMs,
    rateLimitPerMinute: config.feishuRateLimitPerMinute,
    clock: overrides.rateLimitClock,
    budget: overrides.shared?.feishu,
  });
  const blue = new BlueClient({ endpoint: config.urls.blue, timeoutMs: config.upstreamTimeoutMs, listLock: overrides.shared?.blueListLock });
  const coze = new CozeClient({ baseUrl: config.urls.coze, timeoutMs: config.upstreamTimeoutMs });
  const pan123 = new Pan123Client({ baseUrl: config.urls.pan123, timeoutMs: config.upstreamTimeoutMs });
  // Registered before `resumeTasks` runs, so resumed Coze and 123pan tasks find their poller.
  const cozePoller = withCozeBulk(new CozePoller(coze, config.pollsPerSecond.coze), coze, items);
  const pan123Poller = new Pan123Poller(pan123, config.pollsPerSecond.pan123);
  const shared = overrides.shared;
  watcher.register(shared ? withPollBudget(cozePoller, shared.polls.coze) : cozePoller);
  watcher.register(shared ? withPollBudget(pan123Poller, shared.polls.pan123) : pan123Poller);
  // On the limiters' clock: tests that move time for the limiter move the cache's too.
  const clock = overrides.rateLimitClock;
  const wikiNodes = new WikiNodeCache({ ...config.feishuNodeCache, ...(clock ? { now: () => clock.now() } : {}) });
  // Synchronous copies have a poller to find out what happened to a copy whose answer was lost, and
  // one for their bulk forms: each task goes to the one its plan names.
  const outcome = { settleMs: config.upstreamTimeoutMs, giveUpMs: Math.max(60_000, 10 * config.upstreamTimeoutMs), maxPollsPerSecond: 5 };
  watcher.register(routeByKind('qiniu-bulk', qiniuBulkPoller(qiniu, items), new OutcomePoller(new QiniuOutcomeLookup(qiniu), outcome)));
  watcher.register(routeByKind('feishu-tree', feishuTreePoller(feishu, items), new OutcomePoller(new FeishuOutcomeLookup(feishu), outcome)));
  watcher.register(routeByKind('blue-bulk', blueBulkPoller(blue, items), new OutcomePoller(new BlueOutcomeLookup(blue), outcome)));
  return {
    config,
    logger,
    store,
    items,
    callbacks,
    replicaId,
    pubsub,
    leases,
    takeover,
    tasks,
    watcher,
    idempotency,
    qiniu,
    feishu,
    wikiNodes,
    blue,
    coze,
    pan123,
  };
}

/**
 * The shared engine when `COPYGRAPH_DATABASE_URL` is set: the PostgreSQL store (migrated on open),
 * `LISTEN/NOTIFY` pub/sub and poll leases, as overrides for `createServices`. Nothing without a URL
 * (SQLite and in-process parts). Overrides given by the caller win.
 */
export async function openSharedEngine(config: Config, logger: Logger, overrides: ServiceOverrides = {}): Promise<ServiceOverrides> {
  if (!config.databaseUrl || overrides.store) return overrides;
  const store = await createPostgresTaskStore(config.databaseUrl);
  const log = (msg: string, fields?: Record<string, unknown>) => logger.warn(fields ?? {}, msg);
  const replicaId = overrides.replicaId ?? newHolderId();
  try {
    const pubsub = overrides.pubsub ?? (await createPostgresPubSub({ url: config.databaseUrl, pool: store.pool, read: (ids) => store.getMany(ids), log }));
    const leases = overrides.leases ?? createPostgresLeases({ pool: store.pool, holder: replicaId, log });
    const clock = overrides.rateLimitClock;
    const pollBudget = (scope: string, perSecond: number) =>
      new SharedRateBudget({ pool: store.pool, scope, limit: perSecond, windowMs: 1000, maxWaitMs: 30_000, maxQueue: 100_000 });
    const shared: SharedBudgets = overrides.shared ?? {
      feishu: new SharedRateBudget({
        pool: store.pool,
        scope: 'feishu',
        limit: config.feishuRateLimitPerMinute,
        windowMs: 60_000,
        clock,
        reserve: feishuFairReserve(config.feishuRateLimitPerMinute),
      }),
      polls: { coze: pollBudget('coze-polls', config.pollsPerSecond.coze), pan123: pollBudget('pan123-polls', config.pollsPerSecond.pan123) },
      blueListLock: createPostgresLock(store.pool, 'blue-list'),
    };
    return { ...overrides, store, pubsub, leases, shared, replicaId };
  } catch (err) {
    await store.close();
    throw err;
  }
}

/**
 * Resumes watching the tasks a previous run left unfinished. With shared leases, the takeover loop
 * claims them instead (only those no live replica holds).
 */
export async function resumeTasks(services: Services): Promise<number> {
  if (services.leases.shared) {
    services.takeover.start();
    return 0;
  }
  const active = await services.store.listActive();
  await services.watcher.resumeAll(active);
  return active.length;
}

export async function closeServices(services: Services): Promise<void> {
  await services.takeover.stop();
  await services.watcher.stop();
  await services.leases.close();
  await services.pubsub.close();
  await services.store.close();
}
