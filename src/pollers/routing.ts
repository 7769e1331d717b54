/**
 * One poller per provider is what the watcher knows; a provider can have several kinds of task to
 * follow (a bulk copy's plan, an unknown outcome being looked up). `routeByKind` sends a task whose
 * `watch.kind` names a bulk plan to the bulk poller and every other task to the provider's other one.
 */
import type { CopyTaskRecord } from '../tasks/model.ts';
import type { TaskPoller } from '../tasks/watcher.ts';

function kindOf(task: CopyTaskRecord): unknown {
  const watch = task.watch;
  return watch && typeof watch === 'object' ? (watch as { kind?: unknown }).kind : undefined;
}

export function routeByKind(kind: string, bulk: TaskPoller, otherwise: TaskPoller): TaskPoller {
  return {
    provider: otherwise.provider,
    ...(otherwise.maxPollsPerSecond !== undefined ? { maxPollsPerSecond: otherwise.maxPollsPerSecond } : {}),
    poll: (task, credentials, checkpoint) => (kindOf(task) === kind ? bulk : otherwise).poll(task, credentials, checkpoint),
  };
}
