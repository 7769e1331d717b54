/**
 * Task change notifications. In-process by default; the interface is small so a shared engine
 * (Redis pub/sub) can carry the same messages between replicas.
 */
import { EventEmitter } from 'node:events';
import type { CopyTaskRecord } from './model.ts';

export interface TaskPubSub {
  publish(task: CopyTaskRecord): Promise<void>;
  /** Resolves once the listener is registered: publish only after that, or messages are lost. */
  subscribe(taskId: string, listener: (task: CopyTaskRecord) => void): Promise<() => void>;
  close(): Promise<void>;
}

export function createInProcessPubSub(): TaskPubSub {
  const emitter = new EventEmitter();
  // One listener per subscriber: many clients may watch one task.
  emitter.setMaxListeners(0);
  return {
    async publish(task) {
      emitter.emit(task.id, task);
    },
    async subscribe(taskId, listener) {
      emitter.on(taskId, listener);
      return () => emitter.off(taskId, listener);
    },
    async close() {
      emitter.removeAllListeners();
    },
  };
}
