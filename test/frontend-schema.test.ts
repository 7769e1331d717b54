/**
 * What a frontend needs from the schema (issue 11, finding 10): the request summary of a task, the
 * "my tasks" subscription, `totalCount`, the `Node` interface, the storage class as an enum, the list
 * of upstream task ids, and a description on every argument. Real HTTP and WebSocket against the
 * emulators; old fields keep answering.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QINIU_DEMO } from '../emulators/qiniu.ts';
import { BOB, eventually, type Stack, startStack } from './helpers/stack.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());

const COPY_OBJECT = `mutation($input: CopyObjectInput!) { copyObject(input: $input) { __typename ... on CopyTask { id } ... on CopyError { code message } } }`;
const COPY_IMAGES = `mutation($input: CopyImagesInput!) { copyImages(input: $input) { __typename ... on CopyTask { id upstreamTaskId upstreamTaskIds } ... on CopyError { code message } } }`;
const REQUEST = `
  request {
    __typename
    ... on ObjectCopyRequest { source { bucket key } destination { bucket key } overwrite }
    ... on ImageCopyRequest { fileCount fileIds toParentFileId }
    ... on WikiNodeCopyRequest { spaceId nodeToken targetParentToken targetSpaceId title }
    ... on TodoCopyRequest { todoId todoListId title options }
    ... on CozeCopyRequest { entityId entityType toWorkspaceId }
  }`;

let keyCounter = 0;
async function copyObject(key = `frontend/${keyCounter++}.jpg`, apiKey?: string): Promise<string> {
  const input = { source: { bucket: QINIU_DEMO.sourceBucket, key: 'photos/sunflower.jpg' }, destination: { bucket: QINIU_DEMO.backupBucket, key } };
  const data = await stack.data<{ copyObject: { __typename: string; id: string } }>(COPY_OBJECT, { input }, apiKey ? { key: apiKey } : {});
  expect(data.copyObject.__typename).toBe('CopyTask');
  return data.copyObject.id;
}

function seedImages(n: number): { ids: string[]; target: string } {
  const pan = stack.emulators.pan123;
  const folder = pan.seedDriveFolder({ filename: `fe-${keyCounter}` });
  const ids = Array.from({ length: n }, (_, i) =>
    String(pan.seedDriveFile({ filename: `fe${keyCounter}-${i}.jpg`, size: 20_000 + keyCounter * 1000 + i, parentFileId: folder.fileId }).fileId),
  );
  keyCounter++;
  return { ids, target: pan.seedOssFolder({ filename: `fe-target-${keyCounter}` }).fileId };
}

describe('CopyTask.request', () => {
  it('says what a Qiniu copy was asked to do, as typed values, and never carries a credential', async () => {
    const id = await copyObject('frontend/request.jpg');
    const data = await stack.data(`query($id: ID!) { copyTask(id: $id) { ${REQUEST} } }`, { id });
    expect(data.copyTask.request).toEqual({
      __typename: 'ObjectCopyRequest',
      source: { bucket: QINIU_DEMO.sourceBucket, key: 'photos/sunflower.jpg' },
      destination: { bucket: QINIU_DEMO.backupBucket, key: 'frontend/request.jpg' },
      overwrite: false,
    });
    const stored = JSON.stringify(await stack.app.services.store.get(id));
    expect(stored).toContain('ObjectCopyRequest');
    expect(stored).not.toContain(QINIU_DEMO.secretKey);
  });

  it('summarises a 123pan copy by its count and first 100 ids, and lists its upstream tasks as a list', async () => {
    const { ids, target } = seedImages(150);
    const data = await stack.data(COPY_IMAGES, { input: { fileIds: ids, toParentFileId: target } });
    const task = data.copyImages;
    expect(task.upstreamTaskIds).toHaveLength(2);
    // The deprecated field keeps answering, joined with commas.
    expect(task.upstreamTaskId).toBe(task.upstreamTaskIds.join(','));
    const read = await stack.data(`query($id: ID!) { copyTask(id: $id) { upstreamTaskIds ${REQUEST} } }`, { id: task.id });
    expect(read.copyTask.request).toEqual({ __typename: 'ImageCopyRequest', fileCount: 150, fileIds: ids.slice(0, 100), toParentFileId: target });
    for (const t of task.upstreamTaskIds) stack.emulators.pan123.finishTask(t);
  });

  it('gives synchronous copies an empty upstreamTaskIds', async () => {
    const id = await copyObject();
    expect((await stack.data(`query($id: ID!) { copyTask(id: $id) { upstreamTaskId upstreamTaskIds } }`, { id })).copyTask).toEqual({
      upstreamTaskId: null,
      upstreamTaskIds: [],
    });
  });
});

describe('Node', () => {
  it('refetches a task by id through Query.node, and another principal gets null', async () => {
    const id = await copyObject();
    const q = `query($id: ID!) { node(id: $id) { __typename id ... on CopyTask { provider status } } }`;
    expect((await stack.data(q, { id })).node).toEqual({ __typename: 'CopyTask', id, provider: 'QINIU', status: 'SUCCEEDED' });
    expect((await stack.data(q, { id }, { key: BOB })).node).toBeNull();
    expect((await stack.data(q, { id: 'no-such-task' })).node).toBeNull();
  });
});

describe('StorageObject.storageClass', () => {
  it('names the storage class as an enum, while the deprecated integer keeps answering', async () => {
    const id = await copyObject();
    const data = await stack.data(`query($id: ID!) { copyTask(id: $id) { result { ... on StorageObject { storageType storageClass } } } }`, { id });
    expect(data.copyTask.result).toEqual({ storageType: 0, storageClass: 'STANDARD' });
  });
});

describe('copyTasks: totalCount and page info', () => {
  it('counts the matching tasks over all pages, only the caller’s, and gives start cursors', async () => {
    // Bob has tasks of his own only from here: counts are exact.
    for (let i = 0; i < 3; i++) await copyObject(undefined, BOB);
    const q = `query($first: Int, $after: String, $filter: CopyTaskFilter) { copyTasks(first: $first, after: $after, filter: $filter) {
      totalCount edges { cursor } pageInfo { hasNextPage endCursor hasPreviousPage startCursor } } }`;
    const first = (await stack.data(q, { first: 2 }, { key: BOB })).copyTasks;
    expect(first.totalCount).toBe(3);
    expect(first.pageInfo).toEqual({ hasNextPage: true, endCursor: first.edges[1].cursor, hasPreviousPage: false, startCursor: first.edges[0].cursor });
    const second = (await stack.data(q, { first: 2, after: first.pageInfo.endCursor }, { key: BOB })).copyTasks;
    expect(second.totalCount).toBe(3);
    expect(second.edges).toHaveLength(1);
    expect(second.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true, startCursor: second.edges[0].cursor });
    expect((await stack.data(q, { first: 1, filter: { provider: 'PAN123' } }, { key: BOB })).copyTasks.totalCount).toBe(0);
    // Backward: the page just newer than a cursor, still newest first.
    const all = (await stack.data(q, { first: 3 }, { key: BOB })).copyTasks.edges.map((e: { cursor: string }) => e.cursor);
    const qb = `query($last: Int, $before: String) { copyTasks(last: $last, before: $before) {
      totalCount edges { cursor } pageInfo { hasNextPage endCursor hasPreviousPage startCursor } } }`;
    const oldest = (await stack.data(qb, { last: 2 }, { key: BOB })).copyTasks;
    expect(oldest.edges.map((e: { cursor: string }) => e.cursor)).toEqual(all.slice(1));
    expect(oldest.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: false, startCursor: all[1], endCursor: all[2] });
    const newer = (await stack.data(qb, { last: 2, before: oldest.pageInfo.startCursor }, { key: BOB })).copyTasks;
    expect(newer.edges.map((e: { cursor: string }) => e.cursor)).toEqual(all.slice(0, 1));
    expect(newer.pageInfo).toMatchObject({ hasPreviousPage: false, hasNextPage: true });
    const mixed = await stack.gql(`{ copyTasks(first: 2, before: "${all[0]}") { totalCount } }`, {}, { key: BOB });
    expect(mixed.body.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
    const alice = (await stack.data(q, { first: 1 })).copyTasks.totalCount;
    expect(alice).toBeGreaterThanOrEqual(1);
    expect((await stack.data(q, { first: 1, filter: { provider: 'QINIU', status: ['SUCCEEDED'] } })).copyTasks.totalCount).toBeLessThanOrEqual(alice);
  });
});

describe('Subscription.copyTasksUpdated', () => {
  it('streams the caller’s matching tasks from creation to the final state, and nobody else’s', async () => {
    const seen: { id: string; provider: string; status: string }[] = [];
    const errors: unknown[] = [];
    const client = stack.ws();
    const dispose = client.subscribe<{ copyTasksUpdated: { id: string; provider: string; status: string } }>(
      { query: `subscription { copyTasksUpdated(filter: { provider: PAN123, status: [QUEUED, RUNNING] }) { id provider status } }` },
      { next: (v) => (v.errors ? errors.push(v.errors) : seen.push(v.data?.copyTasksUpdated as never)), error: (e) => errors.push(e), complete: () => {} },
    );
    const copyImages = async (apiKey?: string) => {
      const { ids, target } = seedImages(1);
      return (await stack.data(COPY_IMAGES, { input: { fileIds: ids, toParentFileId: target } }, apiKey ? { key: apiKey } : {})).copyImages;
    };
    const isSeen = (id: string, status?: string) => () => (seen.some((e) => e.id === id && (!status || e.status === status)) ? true : undefined);
    // The subscription is registered once a new task of Alice's shows up on it (earlier ones may not).
    let task: { id: string; upstreamTaskIds: string[] } | undefined;
    for (let i = 0; i < 40 && !task; i++) {
      const t = await copyImages();
      stack.emulators.pan123.finishTask(t.upstreamTaskIds[0]);
      task = await eventually(isSeen(t.id), 250).then(
        () => t,
        () => undefined,
      );
    }
    if (!task) throw new Error('the subscription never saw a task');
    const mine = await copyImages();
    // Bob's 123pan copy and Alice's Qiniu copy are not for this stream.
    const bob = await copyImages(BOB);
    const qiniu = await copyObject();
    stack.emulators.pan123.finishTask(mine.upstreamTaskIds[0]);
    stack.emulators.pan123.finishTask(bob.upstreamTaskIds[0]);
    // The final state is outside the filter, and still sent once, so a dashboard can drop the task.
    await eventually(isSeen(mine.id, 'SUCCEEDED'));
    await eventually(async () =>
      (await stack.data(`query($id: ID!) { copyTask(id: $id) { isFinal } }`, { id: bob.id }, { key: BOB })).copyTask.isFinal ? true : undefined,
    );
    // Changes arrive in order: once a later task is seen, anything before it that was for this stream was too.
    const sentinel = await copyImages();
    await eventually(isSeen(sentinel.id));
    stack.emulators.pan123.finishTask(sentinel.upstreamTaskIds[0]);
    dispose();
    const ofMine = seen.filter((e) => e.id === mine.id);
    expect(errors).toEqual([]);
    expect(seen.map((e) => e.id)).not.toContain(bob.id);
    expect(seen.map((e) => e.id)).not.toContain(qiniu);
    expect(seen.every((e) => e.provider === 'PAN123')).toBe(true);
    // From its creation (QUEUED or RUNNING) to its final state, sent once.
    expect(['QUEUED', 'RUNNING']).toContain(ofMine[0]?.status);
    expect(ofMine.filter((e) => e.status === 'SUCCEEDED')).toHaveLength(1);
    expect(ofMine.at(-1)?.status).toBe('SUCCEEDED');
  });
});

describe('descriptions', () => {
  it('describes every argument of every field', async () => {
    const data = await stack.data(`{ __schema { types { name fields(includeDeprecated: true) { name args { name description } } } } }`);
    const missing: string[] = [];
    for (const t of data.__schema.types) {
      if (t.name.startsWith('__')) continue;
      for (const f of t.fields ?? []) for (const a of f.args) if (!a.description) missing.push(`${t.name}.${f.name}(${a.name})`);
    }
    // `_entities(representations)` is federation's own, outside this API's SDL.
    expect(missing.filter((m) => !m.startsWith('Query._entities'))).toEqual([]);
  });
});
