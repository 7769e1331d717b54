/**
 * Task change notifications. In-process by default; the interface is small so a shared engine
 * (PostgreSQL LISTEN/NOTIFY, Redis pub/sub) can carry the same messages between replicas.
 *
 * Two channels carry every published change: the task's own (`subscribe`, behind `copyTaskUpdated`)
 * and its owner's (`subscribeOwner`, behind `copyTasksUpdated`: every change of any task of one
 * principal). An implementation delivers each `publish` on both; the owner is `task.owner`. A
 * shared engine that sends only ids over the wire (LISTEN/NOTIFY: task id and version) must carry the
 * owner too (in the payload, or a channel per owner) or read the task back before dispatching it to
 * owner listeners; listeners drop any task whose `owner` is not theirs.
 */
import { EventEmitter } from 'node:events';
import type { CopyTaskRecord } from './model.ts';

export interface TaskPubSub {
  publish(task: CopyTaskRecord): Promise<void>;
  /** Resolves once the listener is registered: publish only after that, or messages are lost. */
  subscribe(taskId: string, listener: (task: CopyTaskRecord) => void): Promise<() => void>;
  /**
   * Every published change of any task whose `owner` is `owner` (a new task included: `TaskService.create`
   * publishes it). Resolves once the listener is registered, like `subscribe`; the result unsubscribes.
   */
  subscribeOwner(owner: string, listener: (task: CopyTaskRecord) => void): Promise<() => void>;
  close(): Promise<void>;
}

export function createInProcessPubSub(): TaskPubSub {
  const byTask = new EventEmitter();
  // A separate emitter: a principal's name can never collide with a task id.
  const byOwner = new EventEmitter();
  // One listener per subscriber: many clients may watch one task (or one owner).
  byTask.setMaxListeners(0);
  byOwner.setMaxListeners(0);
  return {
    async publish(task) {
      byTask.emit(task.id, task);
      byOwner.emit(task.owner, task);
    },
    async subscribe(taskId, listener) {
      byTask.on(taskId, listener);
      return () => byTask.off(taskId, listener);
    },
    async subscribeOwner(owner, listener) {
      byOwner.on(owner, listener);
      return () => byOwner.off(owner, listener);
    },
    async close() {
      byTask.removeAllListeners();
      byOwner.removeAllListeners();
    },
  };
}
