/**
 * copyObject end to end: GraphQL over HTTP into copygraph, signed requests into the Qiniu emulator,
 * and the emulator's state as the proof.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BOB, collect, type Stack, startStack } from './helpers/stack.ts';

const COPY = `mutation Copy($input: CopyObjectInput!) {
  copyObject(input: $input) {
    __typename
    ... on CopyTask { id provider status isFinal finishedAt result { __typename ... on StorageObject { bucket key } } }
    ... on CopyError { code message }
    ... on InvalidInputError { fields { path message } }
    ... on UpstreamError { provider upstreamCode upstreamMessage logId retryable }
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
  stack.emulators.qiniu.control.setLatency(0);
});

const src = { bucket: 'demo-photos', key: 'photos/sunflower.jpg' };
let n = 0;
const freshDst = () => ({ bucket: 'demo-backup', key: `copies/${Date.now()}-${n++}.jpg` });

describe('copyObject', () => {
  it('copies the object: the destination exists in the emulator with the source hash', async () => {
    const destination = freshDst();
    const { copyObject } = await stack.data(COPY, { input: { source: src, destination } });
    expect(copyObject).toMatchObject({
      __typename: 'CopyTask',
      provider: 'QINIU',
      status: 'SUCCEEDED',
      isFinal: true,
      result: { __typename: 'StorageObject', ...destination },
    });
    expect(copyObject.finishedAt).toBeTruthy();
    const copied = stack.emulators.qiniu.getObject(destination.bucket, destination.key);
    expect(copied?.hash).toBe(stack.emulators.qiniu.getObject(src.bucket, src.key)?.hash);
    expect(stack.emulators.qiniu.control.calls('copy')).toBe(1);
  });

  it('answers ALREADY_EXISTS (614) when the destination exists and overwrite is not set, and overwrites with it', async () => {
    const destination = freshDst();
    stack.emulators.qiniu.putObject(destination.bucket, destination.key, 'old content');
    const refused = await stack.data(COPY, { input: { source: src, destination } });
    expect(refused.copyObject).toMatchObject({ __typename: 'UpstreamError', code: 'ALREADY_EXISTS', provider: 'QINIU', upstreamCode: '614', retryable: false });
    expect(refused.copyObject.logId).toBeTruthy();
    expect(stack.emulators.qiniu.getObject(destination.bucket, destination.key)?.fsize).toBe(11);

    const forced = await stack.data(COPY, { input: { source: src, destination, overwrite: true } });
    expect(forced.copyObject).toMatchObject({ __typename: 'CopyTask', status: 'SUCCEEDED' });
    expect(stack.emulators.qiniu.getObject(destination.bucket, destination.key)?.hash).toBe(stack.emulators.qiniu.getObject(src.bucket, src.key)?.hash);
  });

  it('answers NOT_FOUND (612) for a missing source, with the upstream request id', async () => {
    const { copyObject } = await stack.data(COPY, { input: { source: { bucket: 'demo-photos', key: 'nope.jpg' }, destination: freshDst() } });
    expect(copyObject).toMatchObject({ __typename: 'UpstreamError', code: 'NOT_FOUND', upstreamCode: '612', upstreamMessage: 'no such file or directory' });
    expect(copyObject.logId).toMatch(/\S+/);
  });

  it('answers NOT_FOUND (631) for a missing bucket', async () => {
    const { copyObject } = await stack.data(COPY, { input: { source: src, destination: { bucket: 'no-such-bucket', key: 'x' } } });
    expect(copyObject).toMatchObject({ code: 'NOT_FOUND', upstreamCode: '631' });
  });

  it('answers RATE_LIMITED (573) as retryable and 599 (server failed) after a copy as OUTCOME_UNKNOWN', async () => {
    stack.emulators.qiniu.control.injectFault({ route: 'copy', status: 573, body: { error: 'too frequent' }, times: 1 });
    const limited = await stack.data(COPY, { input: { source: src, destination: freshDst() } });
    expect(limited.copyObject).toMatchObject({ code: 'RATE_LIMITED', retryable: true, upstreamCode: '573' });
    stack.emulators.qiniu.control.injectFault({ route: 'copy', status: 599, body: { error: 'server error' }, times: 1 });
    const failed = await stack.data(COPY, { input: { source: src, destination: freshDst() } });
    expect(failed.copyObject).toMatchObject({ code: 'OUTCOME_UNKNOWN', upstreamCode: '599', retryable: false });
  });

  it('answers OUTCOME_UNKNOWN, never a blind retry, when the copy was sent and no answer came in time', async () => {
    stack.emulators.qiniu.control.injectFault({ route: 'copy', status: 200, delayMs: 4000, times: 1 });
    const { copyObject } = await stack.data(COPY, { input: { source: src, destination: freshDst() } });
    expect(copyObject).toMatchObject({ __typename: 'UpstreamError', code: 'OUTCOME_UNKNOWN', retryable: false });
    expect(stack.emulators.qiniu.control.calls('copy')).toBe(1);
  });

  it.each([
    ['an empty key', { source: { bucket: 'demo-photos', key: '' }, destination: freshDst() }, 'source.key'],
    ['a bad bucket name', { source: src, destination: { bucket: 'Bad_Bucket', key: 'x' } }, 'destination.bucket'],
    ['the same source and destination', { source: src, destination: src }, 'destination'],
    ['a key over 750 bytes', { source: src, destination: { bucket: 'demo-backup', key: 'k'.repeat(751) } }, 'destination.key'],
  ])('refuses %s with BAD_USER_INPUT and sends nothing upstream', async (_what, input, path) => {
    const { copyObject } = await stack.data(COPY, { input });
    expect(copyObject.__typename).toBe('InvalidInputError');
    expect(copyObject.code).toBe('BAD_USER_INPUT');
    expect(copyObject.fields.map((f: { path: string }) => f.path)).toContain(path);
    expect(stack.emulators.qiniu.control.calls()).toBe(0);
  });

  it('answers UNAUTHENTICATED when the signature is refused (wrong secret sent per request)', async () => {
    const { copyObject } = await stack.data(
      COPY,
      { input: { source: src, destination: freshDst() } },
      { headers: { 'x-qiniu-access-key': 'demo-ak', 'x-qiniu-secret-key': 'wrong-secret' } },
    );
    expect(copyObject).toMatchObject({ __typename: 'UpstreamError', code: 'UNAUTHENTICATED', upstreamCode: '401' });
    expect(JSON.stringify(copyObject)).not.toContain('wrong-secret');
  });
});

describe('StorageObject stat fields', () => {
  it('load lazily, for many objects in one request, with one upstream /batch', async () => {
    const keys = Array.from({ length: 30 }, (_, i) => `stat/${i}.txt`);
    for (const key of keys) stack.emulators.qiniu.putObject('demo-backup', key, `content ${key}`, 'text/plain');
    // Thirty copies, then one query that selects the stat fields of all their results.
    const ids: string[] = [];
    for (const key of keys) {
      const { copyObject } = await stack.data(COPY, {
        input: { source: { bucket: 'demo-backup', key }, destination: { bucket: 'demo-photos', key }, overwrite: true },
      });
      ids.push(copyObject.id);
    }
    stack.emulators.qiniu.control.resetCalls();
    const fields = ids
      .map((id, i) => `t${i}: copyTask(id: "${id}") { result { ... on StorageObject { key fsize hash mimeType putTime storageType } } }`)
      .join('\n');
    const data = await stack.data(`{ ${fields} }`);
    expect(stack.emulators.qiniu.control.callsByRoute()).toEqual({ batch: 1 });
    keys.forEach((key, i) => {
      const obj = stack.emulators.qiniu.getObject('demo-photos', key);
      expect(data[`t${i}`].result).toMatchObject({ key, fsize: obj?.fsize, hash: obj?.hash, mimeType: 'text/plain', storageType: 0 });
      expect(Date.parse(data[`t${i}`].result.putTime)).toBeGreaterThan(0);
    });
  });

  it('cost no upstream call when not selected', async () => {
    await stack.data(COPY, { input: { source: src, destination: freshDst() } });
    expect(stack.emulators.qiniu.control.callsByRoute()).toEqual({ copy: 1 });
  });
});

describe('tasks and ownership', () => {
  it('streams the final state over graphql-ws and completes', async () => {
    const { copyObject } = await stack.data(COPY, { input: { source: src, destination: freshDst() } });
    const values = await collect(stack.ws(), 'subscription ($id: ID!) { copyTaskUpdated(id: $id) { id status isFinal } }', { id: copyObject.id });
    expect(values).toEqual([{ copyTaskUpdated: { id: copyObject.id, status: 'SUCCEEDED', isFinal: true } }]);
  });

  it('hides a task from another principal: copyTask is null and the subscription says NOT_FOUND', async () => {
    const { copyObject } = await stack.data(COPY, { input: { source: src, destination: freshDst() } });
    const asBob = await stack.data('query ($id: ID!) { copyTask(id: $id) { id } }', { id: copyObject.id }, { key: BOB });
    expect(asBob.copyTask).toBeNull();
    await expect(collect(stack.ws(BOB), 'subscription ($id: ID!) { copyTaskUpdated(id: $id) { id } }', { id: copyObject.id })).rejects.toThrow(/NOT_FOUND/);
    const bobsList = await stack.data('{ copyTasks(first: 100) { edges { node { id } } } }', {}, { key: BOB });
    expect(bobsList.copyTasks.edges.map((e: { node: { id: string } }) => e.node.id)).not.toContain(copyObject.id);
  });

  it('lists tasks newest first with a cursor, filtered by provider and status', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await stack.data(COPY, { input: { source: src, destination: freshDst() } })).copyObject.id);
    const q =
      'query ($after: String) { copyTasks(first: 2, after: $after, filter: { provider: QINIU, status: [SUCCEEDED] }) { edges { cursor node { id status } } pageInfo { hasNextPage endCursor } } }';
    const page1 = await stack.data(q);
    expect(page1.copyTasks.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual([ids[2], ids[1]]);
    expect(page1.copyTasks.pageInfo.hasNextPage).toBe(true);
    const page2 = await stack.data(q, { after: page1.copyTasks.pageInfo.endCursor });
    expect(page2.copyTasks.edges[0].node.id).toBe(ids[0]);
    const failedOnly = await stack.data('{ copyTasks(first: 100, filter: { status: [FAILED] }) { edges { node { id status } } } }');
    const failedIds = failedOnly.copyTasks.edges.map((e: { node: { id: string } }) => e.node.id);
    for (const id of ids) expect(failedIds).not.toContain(id);
    for (const e of failedOnly.copyTasks.edges) expect(e.node.status).toBe('FAILED');
  });

  it('refuses a request without a valid API key with 401 UNAUTHENTICATED', async () => {
    for (const key of [null, 'not-a-key']) {
      const { status, body } = await stack.gql('{ copyTasks { edges { cursor } } }', {}, { key });
      expect(status).toBe(401);
      expect(body.errors?.[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');
    }
  });
});
