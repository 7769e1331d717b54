/**
 * A bulk copy on the shared engine: copygraph on a real PostgreSQL database (COPYGRAPH_DATABASE_URL),
 * its items in the same database, copying 10,000 Qiniu objects by prefix over real HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QINIU_DEMO } from '../emulators/index.ts';
import { createDatabase } from './helpers/postgres.ts';
import { eventually, type Stack, startStack } from './helpers/stack.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ env: { COPYGRAPH_DATABASE_URL: await createDatabase('bulk') } });
}, 60_000);
afterAll(() => stack.close());

describe('copyObjects on PostgreSQL', () => {
  it('copies every object under the prefix, items paged from the PostgreSQL item table', async () => {
    expect(stack.app.services.store).toMatchObject({ engine: 'postgres' });
    const { copyObjects } = await stack.data(`mutation($input: CopyObjectsInput!) { copyObjects(input: $input) { ... on CopyTask { id } } }`, {
      input: {
        prefix: {
          sourceBucket: QINIU_DEMO.bulkBucket,
          sourcePrefix: QINIU_DEMO.bulkPrefix,
          destinationBucket: QINIU_DEMO.backupBucket,
          destinationPrefix: 'pg-copy/',
        },
      },
    });
    const task = await eventually(
      async () => {
        const { copyTask } = await stack.data(
          'query($id: ID!) { copyTask(id: $id) { status isFinal progress { completed total } items(first: 2, status: SUCCEEDED) { edges { node { itemId result } } pageInfo { hasNextPage } } } }',
          { id: copyObjects.id },
        );
        return copyTask.isFinal ? copyTask : undefined;
      },
      90_000,
      200,
    );
    expect(task.status).toBe('SUCCEEDED');
    expect(task.progress).toEqual({ completed: 10_000, total: 10_000 });
    expect(task.items.edges.map((e: { node: unknown }) => e.node)).toEqual([
      { itemId: `${QINIU_DEMO.bulkBucket}:bulk/00000.txt`, result: `${QINIU_DEMO.backupBucket}:pg-copy/00000.txt` },
      { itemId: `${QINIU_DEMO.bulkBucket}:bulk/00001.txt`, result: `${QINIU_DEMO.backupBucket}:pg-copy/00001.txt` },
    ]);
    expect(stack.emulators.qiniu.listKeys(QINIU_DEMO.backupBucket).filter((k) => k.startsWith('pg-copy/'))).toHaveLength(10_000);
    expect(stack.emulators.qiniu.control.calls('batch-copy')).toBe(10);
  }, 120_000);
});
