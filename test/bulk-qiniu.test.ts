/**
 * copyObjects end to end over real HTTP: copygraph lists the Qiniu emulator's bucket page by page on
 * the RSF route, copies in `/batch` requests of ≤ 1,000 ops, and records every item. The emulator's
 * state and call counts are the proof.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { QINIU_DEMO } from '../emulators/index.ts';
import { BOB, eventually, type Stack, startStack } from './helpers/stack.ts';

const COPY = `mutation Copy($input: CopyObjectsInput!) {
  copyObjects(input: $input) {
    __typename
    ... on CopyTask { id provider status }
    ... on InvalidInputError { code fields { path message } }
    ... on UpstreamError { code }
  }
}`;

const TASK = `query Task($id: ID!, $status: CopyTaskItemStatus, $first: Int, $after: String) {
  copyTask(id: $id) {
    status isFinal progress { completed total }
    failures { itemId reason }
    error { code message }
    items(first: $first, after: $after, status: $status) {
      edges { cursor node { itemId status result error { code message } } }
      pageInfo { hasNextPage endCursor }
    }
  }
}`;

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());
beforeEach(() => {
  stack.emulators.qiniu.control.resetCalls();
  stack.emulators.qiniu.control.clearFaults();
});

let run = 0;
const fresh = () => `restore-${Date.now()}-${run++}/`;

async function finished(id: string, extra: Record<string, unknown> = {}) {
  return eventually(
    async () => {
      const { copyTask } = await stack.data(TASK, { id, first: 10, ...extra });
      return copyTask.isFinal ? copyTask : undefined;
    },
    60_000,
    100,
  );
}

describe('copyObjects by prefix', () => {
  it('copies 10,000 objects with 10 batch copy calls and 10 list calls, reporting the 2 that already existed', async () => {
    const qiniu = stack.emulators.qiniu;
    const destinationPrefix = fresh();
    // Two seeded failures: destinations that already exist (614 → ALREADY_EXISTS).
    qiniu.putObject(QINIU_DEMO.backupBucket, `${destinationPrefix}00042.txt`, 'already here');
    qiniu.putObject(QINIU_DEMO.backupBucket, `${destinationPrefix}07777.txt`, 'already here too');

    const { copyObjects } = await stack.data(COPY, {
      input: {
        prefix: { sourceBucket: QINIU_DEMO.bulkBucket, sourcePrefix: QINIU_DEMO.bulkPrefix, destinationBucket: QINIU_DEMO.backupBucket, destinationPrefix },
      },
    });
    expect(copyObjects).toMatchObject({ __typename: 'CopyTask', provider: 'QINIU' });
    const task = await finished(copyObjects.id, { status: 'FAILED' });

    expect(task.status).toBe('PARTIALLY_SUCCEEDED');
    expect(task.progress).toEqual({ completed: 10_000, total: 10_000 });
    expect(task.failures.map((f: { itemId: string }) => f.itemId)).toEqual([
      `${QINIU_DEMO.bulkBucket}:bulk/00042.txt`,
      `${QINIU_DEMO.bulkBucket}:bulk/07777.txt`,
    ]);
    expect(task.items.edges.map((e: any) => e.node)).toEqual([
      {
        itemId: `${QINIU_DEMO.bulkBucket}:bulk/00042.txt`,
        status: 'FAILED',
        result: null,
        error: { code: 'ALREADY_EXISTS', message: expect.stringContaining('already exists') },
      },
      {
        itemId: `${QINIU_DEMO.bulkBucket}:bulk/07777.txt`,
        status: 'FAILED',
        result: null,
        error: { code: 'ALREADY_EXISTS', message: expect.stringContaining('already exists') },
      },
    ]);

    expect(qiniu.control.calls('batch-copy')).toBeLessThanOrEqual(10);
    expect(qiniu.control.calls('batch-copy')).toBe(10);
    expect(qiniu.control.calls('list')).toBe(10);
    expect(qiniu.control.calls('copy')).toBe(0);

    // Every source has its copy, with the same hash; the two that existed were left alone.
    for (let i = 0; i < 10_000; i++) {
      const name = `${String(i).padStart(5, '0')}.txt`;
      const copy = qiniu.getObject(QINIU_DEMO.backupBucket, destinationPrefix + name);
      if (i === 42 || i === 7777) expect(copy?.fsize).toBeLessThan(17);
      else {
        expect(copy?.hash).toBe(qiniu.getObject(QINIU_DEMO.bulkBucket, QINIU_DEMO.bulkPrefix + name)?.hash);
        expect(qiniu.copyCounts.get(`${QINIU_DEMO.backupBucket}:${destinationPrefix}${name}`)).toBe(1);
      }
    }

    // The succeeded items page through with their destinations.
    const page1 = (await stack.data(TASK, { id: copyObjects.id, status: 'SUCCEEDED', first: 2 })).copyTask.items;
    expect(page1.edges.map((e: any) => [e.node.itemId, e.node.result])).toEqual([
      [`${QINIU_DEMO.bulkBucket}:bulk/00000.txt`, `${QINIU_DEMO.backupBucket}:${destinationPrefix}00000.txt`],
      [`${QINIU_DEMO.bulkBucket}:bulk/00001.txt`, `${QINIU_DEMO.backupBucket}:${destinationPrefix}00001.txt`],
    ]);
    const page2 = (await stack.data(TASK, { id: copyObjects.id, status: 'SUCCEEDED', first: 1, after: page1.pageInfo.endCursor })).copyTask.items;
    expect(page2.edges[0].node.itemId).toBe(`${QINIU_DEMO.bulkBucket}:bulk/00002.txt`);
    expect(page2.pageInfo.hasNextPage).toBe(true);

    // Another principal does not see the task at all.
    const other = await stack.data(TASK, { id: copyObjects.id }, { key: BOB });
    expect(other.copyTask).toBeNull();
  });
});

describe('copyObjects by pairs', () => {
  it('copies 20,000 pairs in 20 batches when COPYGRAPH_MAX_BODY_BYTES lets the request in', async () => {
    const big = await startStack({ env: { COPYGRAPH_MAX_BODY_BYTES: String(8 * 1024 * 1024) } });
    try {
      const objects = Array.from({ length: 20_000 }, (_, i) => {
        const name = `${String(i % 10_000).padStart(5, '0')}.txt`;
        return {
          source: { bucket: QINIU_DEMO.bulkBucket, key: QINIU_DEMO.bulkPrefix + name },
          destination: { bucket: QINIU_DEMO.backupBucket, key: `pairs-${i < 10_000 ? 'a' : 'b'}/${name}` },
        };
      });
      const { copyObjects } = await big.data(COPY, { input: { objects } });
      const task = await eventually(
        async () => {
          const { copyTask } = await big.data(TASK, { id: copyObjects.id, first: 1 });
          return copyTask.isFinal ? copyTask : undefined;
        },
        60_000,
        100,
      );
      expect(task.status).toBe('SUCCEEDED');
      expect(task.progress).toEqual({ completed: 20_000, total: 20_000 });
      expect(big.emulators.qiniu.control.calls('batch-copy')).toBe(20);
      expect(big.emulators.qiniu.control.calls('list')).toBe(0);
      expect(big.emulators.qiniu.listKeys(QINIU_DEMO.backupBucket).filter((k) => k.startsWith('pairs-'))).toHaveLength(20_000);
    } finally {
      await big.close();
    }
  });

  it('copies the pairs in one batch, overwriting when asked, and reports a missing source as NOT_FOUND (612)', async () => {
    const qiniu = stack.emulators.qiniu;
    const prefix = fresh();
    qiniu.putObject(QINIU_DEMO.backupBucket, `${prefix}exists.jpg`, 'old');
    const { copyObjects } = await stack.data(COPY, {
      input: {
        overwrite: true,
        objects: [
          {
            source: { bucket: QINIU_DEMO.sourceBucket, key: 'photos/sunflower.jpg' },
            destination: { bucket: QINIU_DEMO.backupBucket, key: `${prefix}exists.jpg` },
          },
          {
            source: { bucket: QINIU_DEMO.sourceBucket, key: 'photos/missing.jpg' },
            destination: { bucket: QINIU_DEMO.backupBucket, key: `${prefix}missing.jpg` },
          },
          { source: { bucket: QINIU_DEMO.sourceBucket, key: 'docs/readme.txt' }, destination: { bucket: QINIU_DEMO.backupBucket, key: `${prefix}readme.txt` } },
        ],
      },
    });
    const task = await finished(copyObjects.id);
    expect(task.status).toBe('PARTIALLY_SUCCEEDED');
    expect(task.progress).toEqual({ completed: 3, total: 3 });
    expect(task.items.edges.map((e: any) => [e.node.status, e.node.result, e.node.error?.code ?? null])).toEqual([
      ['SUCCEEDED', `${QINIU_DEMO.backupBucket}:${prefix}exists.jpg`, null],
      ['FAILED', null, 'NOT_FOUND'],
      ['SUCCEEDED', `${QINIU_DEMO.backupBucket}:${prefix}readme.txt`, null],
    ]);
    expect(qiniu.getObject(QINIU_DEMO.backupBucket, `${prefix}exists.jpg`)?.hash).toBe(qiniu.getObject(QINIU_DEMO.sourceBucket, 'photos/sunflower.jpg')?.hash);
    expect(qiniu.control.calls('batch-copy')).toBe(1);
  });

  it('fails the whole task when the destination bucket does not exist (631), every item with the reason', async () => {
    const { copyObjects } = await stack.data(COPY, {
      input: { objects: [{ source: { bucket: QINIU_DEMO.sourceBucket, key: 'docs/readme.txt' }, destination: { bucket: 'no-such-bucket', key: 'x' } }] },
    });
    const task = await finished(copyObjects.id);
    expect(task.status).toBe('FAILED');
    expect(task.error.code).toBe('NOT_FOUND');
    expect(task.items.edges[0].node).toMatchObject({ status: 'FAILED', error: { code: 'NOT_FOUND' } });
  });

  it('takes an idempotencyKey: the same key and input answer the same task and copy nothing again', async () => {
    const qiniu = stack.emulators.qiniu;
    const prefix = fresh();
    const input = {
      idempotencyKey: `bulk-${prefix}`,
      objects: [
        { source: { bucket: QINIU_DEMO.sourceBucket, key: 'docs/readme.txt' }, destination: { bucket: QINIU_DEMO.backupBucket, key: `${prefix}readme.txt` } },
      ],
    };
    const first = (await stack.data(COPY, { input })).copyObjects;
    await finished(first.id);
    const again = (await stack.data(COPY, { input })).copyObjects;
    expect(again).toMatchObject({ __typename: 'CopyTask', id: first.id });
    expect(qiniu.control.calls('batch-copy')).toBe(1);
    expect(qiniu.copyCounts.get(`${QINIU_DEMO.backupBucket}:${prefix}readme.txt`)).toBe(1);
  });

  it('refuses bad input before anything goes upstream', async () => {
    const both = await stack.data(COPY, { input: {} });
    expect(both.copyObjects).toMatchObject({ __typename: 'InvalidInputError', code: 'BAD_USER_INPUT' });
    const loop = await stack.data(COPY, {
      input: {
        prefix: { sourceBucket: QINIU_DEMO.bulkBucket, sourcePrefix: 'bulk/', destinationBucket: QINIU_DEMO.bulkBucket, destinationPrefix: 'bulk/again/' },
      },
    });
    expect(loop.copyObjects.__typename).toBe('InvalidInputError');
    const dup = await stack.data(COPY, {
      input: {
        objects: [
          { source: { bucket: QINIU_DEMO.sourceBucket, key: 'a' }, destination: { bucket: QINIU_DEMO.backupBucket, key: 'same' } },
          { source: { bucket: QINIU_DEMO.sourceBucket, key: 'b' }, destination: { bucket: QINIU_DEMO.backupBucket, key: 'same' } },
        ],
      },
    });
    expect(dup.copyObjects.fields).toEqual([{ path: 'objects.1.destination', message: 'another pair copies to this destination' }]);
    expect(stack.emulators.qiniu.control.calls()).toBe(0);
  });
});
