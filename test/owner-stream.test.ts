/**
 * The "my tasks" stream on its own (behind `copyTasksUpdated`): versions per task drop stale and
 * repeated states, a stray message of another owner is never passed on, a task leaving the status
 * filter is sent once more, and a subscriber that leaves releases its pub/sub listener at once.
 */
import { describe, expect, it } from 'vitest';
import { Provider } from '../src/core/errors.ts';
import type { CopyTaskRecord, TaskStatus } from '../src/tasks/model.ts';
import { streamOwnerTasks } from '../src/tasks/owner-stream.ts';
import { createInProcessPubSub, type TaskPubSub } from '../src/tasks/pubsub.ts';

function task(id: string, version: number, status: TaskStatus, owner = 'alice', provider: Provider = Provider.PAN123): CopyTaskRecord {
  const at = new Date(0).toISOString();
  return {
    id,
    owner,
    provider,
    status,
    createdAt: at,
    updatedAt: at,
    finishedAt: null,
    upstreamTaskId: null,
    progress: null,
    result: null,
    failures: [],
    error: null,
    credentialSource: 'config',
    watch: null,
    version,
  };
}

/** An in-process pub/sub that counts live owner listeners (and can deliver a stray message). */
function countingPubSub(): { pubsub: TaskPubSub; live: () => number; deliver: (owner: string, t: CopyTaskRecord) => void } {
  const inner = createInProcessPubSub();
  let live = 0;
  const listeners = new Map<string, Set<(t: CopyTaskRecord) => void>>();
  return {
    pubsub: {
      ...inner,
      subscribeOwner: async (owner, listener) => {
        const off = await inner.subscribeOwner(owner, listener);
        live++;
        if (!listeners.has(owner)) listeners.set(owner, new Set());
        listeners.get(owner)?.add(listener);
        return () => {
          live--;
          listeners.get(owner)?.delete(listener);
          off();
        };
      },
    },
    live: () => live,
    deliver: (owner, t) => {
      for (const l of listeners.get(owner) ?? []) l(t);
    },
  };
}

async function take(stream: AsyncGenerator<CopyTaskRecord, void, undefined>, n: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const { value, done } = await stream.next();
    if (done || !value) break;
    out.push(`${value.id}@${value.version}:${value.status}`);
  }
  return out;
}

describe('streamOwnerTasks', () => {
  it('passes on newer states of the owner’s matching tasks only, and a task leaving the filter once', async () => {
    const { pubsub, deliver } = countingPubSub();
    const stream = await streamOwnerTasks('alice', { provider: Provider.PAN123, status: ['QUEUED', 'RUNNING'] }, pubsub);
    await pubsub.publish(task('a', 1, 'QUEUED'));
    await pubsub.publish(task('a', 1, 'QUEUED')); // repeated
    await pubsub.publish(task('q', 1, 'RUNNING', 'alice', Provider.QINIU)); // another provider
    await pubsub.publish(task('b', 1, 'RUNNING', 'bob')); // another owner
    deliver('alice', task('c', 1, 'RUNNING', 'bob')); // a stray message on alice's channel
    await pubsub.publish(task('a', 3, 'RUNNING'));
    await pubsub.publish(task('a', 2, 'QUEUED')); // stale
    await pubsub.publish(task('a', 4, 'SUCCEEDED')); // leaves the filter: sent once
    await pubsub.publish(task('a', 5, 'SUCCEEDED')); // outside the filter, already left: not sent
    await pubsub.publish(task('d', 1, 'SUCCEEDED')); // never matched: not sent
    await pubsub.publish(task('e', 1, 'QUEUED'));
    expect(await take(stream, 4)).toEqual(['a@1:QUEUED', 'a@3:RUNNING', 'a@4:SUCCEEDED', 'e@1:QUEUED']);
    await stream.return();
  });

  it('releases its listener when the subscriber leaves, whether or not it ever read', async () => {
    const { pubsub, live } = countingPubSub();
    const unread = await streamOwnerTasks('alice', {}, pubsub);
    expect(live()).toBe(1);
    await unread.return();
    expect(live()).toBe(0);

    const waiting = await streamOwnerTasks('alice', {}, pubsub);
    const next = waiting.next();
    expect(live()).toBe(1);
    await waiting.return();
    expect(await next).toEqual({ done: true, value: undefined });
    expect(live()).toBe(0);
  });
});
