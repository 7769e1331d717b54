/**
 * The long-lived parts of a running copygraph, wired once from configuration: the task store, pub/sub,
 * task service and watcher, and one datasource client per provider.
 */
import { QiniuClient } from '../datasources/qiniu.ts';
import { FeishuWikiClient } from '../datasources/feishu-wiki.ts';
import { BlueClient } from '../datasources/blue.ts';
import { CozeClient } from '../datasources/coze.ts';
import { Pan123Client } from '../datasources/pan123.ts';
import { CozePoller } from './pollers/coze.ts';
import { Pan123Poller } from './pollers/pan123.ts';
import type { LimiterClock } from './core/rate-limiter.ts';
import type { Config } from './config.ts';
import type { Logger } from './core/logger.ts';
import { createInProcessPubSub, type TaskPubSub } from './tasks/pubsub.ts';
import { TaskService } from './tasks/service.ts';
import { createSqliteTaskStore, type TaskStore } from './tasks/store/sqlite.ts';
import { TaskWatcher } from './tasks/watcher.ts';
import { WikiNodeCache } from './wiki-node-cache.ts';

export interface Services {
  readonly config: Config;
  readonly logger: Logger;
  readonly store: TaskStore;
  readonly pubsub: TaskPubSub;
  readonly tasks: TaskService;
  readonly watcher: TaskWatcher;
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
  /** The clock of client-side rate limiters (tests link it to an emulator's clock). */
  readonly rateLimitClock?: LimiterClock;
}

export function createServices(config: Config, logger: Logger, overrides: ServiceOverrides = {}): Services {
  const store = overrides.store ?? createSqliteTaskStore(config.dbPath);
  const pubsub = overrides.pubsub ?? createInProcessPubSub();
  const tasks = new TaskService(store, pubsub);
  const watcher = new TaskWatcher(
    {
      initialIntervalMs: config.poll.initialIntervalMs,
      maxIntervalMs: config.poll.maxIntervalMs,
      maxTaskAgeMs: config.poll.maxTaskAgeMs,
      maxConsecutiveErrors: 5,
    },
    config.credentials,
    (task, change) => tasks.change(task, change),
    undefined,
    (msg, fields) => logger.warn(fields ?? {}, msg),
  );
  const qiniu = new QiniuClient({ rsUrl: config.urls.qiniuRs, timeoutMs: config.upstreamTimeoutMs, signature: config.qiniuSignature });
  const feishu = new FeishuWikiClient({
    baseUrl: config.urls.feishu,
    timeoutMs: config.upstreamTimeoutMs,
    rateLimitPerMinute: config.feishuRateLimitPerMinute,
    clock: overrides.rateLimitClock,
  });
  const blue = new BlueClient({ endpoint: config.urls.blue, timeoutMs: config.upstreamTimeoutMs });
  const coze = new CozeClient({ baseUrl: config.urls.coze, timeoutMs: config.upstreamTimeoutMs });
  const pan123 = new Pan123Client({ baseUrl: config.urls.pan123, timeoutMs: config.upstreamTimeoutMs });
  // Registered before `resumeTasks` runs, so resumed Coze and 123pan tasks find their poller.
  watcher.register(new CozePoller(coze, config.pollsPerSecond.coze));
  watcher.register(new Pan123Poller(pan123, config.pollsPerSecond.pan123));
  // On the limiters' clock: tests that move time for the limiter move the cache's too.
  const clock = overrides.rateLimitClock;
  const wikiNodes = new WikiNodeCache({ ...config.feishuNodeCache, ...(clock ? { now: () => clock.now() } : {}) });
  return { config, logger, store, pubsub, tasks, watcher, qiniu, feishu, wikiNodes, blue, coze, pan123 };
}

/** Resumes watching the tasks a previous run left unfinished. */
export async function resumeTasks(services: Services): Promise<number> {
  const active = await services.store.listActive();
  await services.watcher.resumeAll(active);
  return active.length;
}

export async function closeServices(services: Services): Promise<void> {
  await services.watcher.stop();
  await services.pubsub.close();
  await services.store.close();
}
