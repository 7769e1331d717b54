/**
 * Progress coalescing of `copyTaskUpdated` (src/tasks/stream.ts): a burst of progress states of one
 * status reaches a subscriber as its newest state only; a new status and the final state are never
 * held back or dropped. Driven through the real in-process pub/sub; a burst is published in one tick,
 * so what the stream yields does not depend on the machine's speed.
 */
import { describe, expect, it } from 'vitest';
import { type CopyTaskRecord, TaskStatus } from '../src/tasks/model.ts';
import { createInProcessPubSub } from '../src/tasks/pubsub.ts';
import { streamTask } from '../src/tasks/stream.ts';

const base: CopyTaskRecord = {
  id: 't1',
  owner: 'alice',
  provider: 'QINIU',
  status: TaskStatus.RUNNING,
  createdAt: new Date().toISOString(),
  updatedAt: new Date().toISOString(),
  finishedAt: null,
  upstreamTaskId: null,
  progress: { completed: 0, total: 10_000 },
  result: null,
  failures: [],
  error: null,
  credentialSource: 'config',
  watch: null,
  version: 1,
};
const at = (version: number, completed: number, status: CopyTaskRecord['status'] = TaskStatus.RUNNING): CopyTaskRecord => ({
  ...base,
  version,
  status,
  progress: { completed, total: 10_000 },
});

describe('copyTaskUpdated progress coalescing', () => {
  it('sends the newest of a burst of progress states, then the final state', async () => {
    const pubsub = createInProcessPubSub();
    const stream = streamTask(async () => base, 't1', pubsub, 100);
    const seen: CopyTaskRecord[] = [];
    const first = await stream.next();
    seen.push(first.value as CopyTaskRecord);
    // 500 progress states in one tick: a subscriber gets only the newest.
    for (let v = 2; v <= 501; v++) await pubsub.publish(at(v, (v - 1) * 20));
    const second = await stream.next();
    seen.push(second.value as CopyTaskRecord);
    await pubsub.publish(at(502, 10_000, TaskStatus.SUCCEEDED));
    for await (const t of stream) seen.push(t);
    expect(seen.map((t) => [t.version, t.status, t.progress?.completed])).toEqual([
      [1, 'RUNNING', 0],
      [501, 'RUNNING', 10_000],
      [502, 'SUCCEEDED', 10_000],
    ]);
  });

  it('never holds back a final state that comes in a burst of progress', async () => {
    const pubsub = createInProcessPubSub();
    const stream = streamTask(async () => base, 't1', pubsub, 60_000);
    const seen: number[] = [];
    const first = await stream.next();
    seen.push((first.value as CopyTaskRecord).version);
    for (let v = 2; v <= 100; v++) await pubsub.publish(at(v, v));
    await pubsub.publish(at(101, 10_000, TaskStatus.PARTIALLY_SUCCEEDED));
    // With a one-minute interval, only the final state can end this stream in time.
    for await (const t of stream) seen.push(t.version);
    expect(seen).toEqual([1, 101]);
  });

  it('sends a change of status at once, even inside the interval', async () => {
    const pubsub = createInProcessPubSub();
    const queued = { ...base, status: TaskStatus.QUEUED };
    const stream = streamTask(async () => queued, 't1', pubsub, 60_000);
    await stream.next();
    await pubsub.publish(at(2, 0, TaskStatus.RUNNING));
    const next = await stream.next();
    expect((next.value as CopyTaskRecord).status).toBe('RUNNING');
    await stream.return(undefined);
  });
});
