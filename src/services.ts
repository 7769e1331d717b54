/**
 * The long-lived parts of a running copygraph, wired once from configuration: the task store, pub/sub,
 * task service and watcher, and one datasource client per provider.
 */
import { QiniuClient } from '../datasources/qiniu.ts';
import type { Config } from './config.ts';
import type { Logger } from './logger.ts';
import { createInProcessPubSub, type TaskPubSub } from './tasks/pubsub.ts';
import { TaskService } from './tasks/service.ts';
import { createSqliteTaskStore, type TaskStore } from './tasks/store.ts';
import { TaskWatcher } from './tasks/watcher.ts';

export interface Services {
  readonly config: Config;
  readonly logger: Logger;
  readonly store: TaskStore;
  readonly pubsub: TaskPubSub;
  readonly tasks: TaskService;
  readonly watcher: TaskWatcher;
  readonly qiniu: QiniuClient;
}

export interface ServiceOverrides {
  readonly store?: TaskStore;
  readonly pubsub?: TaskPubSub;
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
  return { config, logger, store, pubsub, tasks, watcher, qiniu };
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
