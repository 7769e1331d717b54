/**
 * Idempotency keys end to end on the embedded store (SQLite): real HTTP into copygraph, real emulators,
 * and the emulators' call counts as the proof that a repeat sends nothing upstream.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BLUE_DEMO } from '../emulators/blue.ts';
import { COZE_DEMO, COZE_ROUTES } from '../emulators/coze.ts';
import { FEISHU_DEMO, FEISHU_ROUTES } from '../emulators/feishu.ts';
import { type EmulatorSet, startDemoEmulators } from '../emulators/index.ts';
import { PAN123_DEMO } from '../emulators/pan123.ts';
import { type App, startApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { fingerprint } from '../src/tasks/idempotency.ts';
import { ALICE, BOB, baseEnv, type Stack, startStack } from './helpers/stack.ts';

const ANSWER = `__typename
    ... on CopyTask { id provider status error { code message } }
    ... on CopyError { code message }
    ... on InvalidInputError { fields { path } }
    ... on IdempotencyKeyReusedError { idempotencyKey taskId }`;
const COPY_OBJECT = `mutation ($input: CopyObjectInput!) { copyObject(input: $input) { ${ANSWER} } }`;

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());
beforeEach(() => {
  const q = stack.emulators.qiniu.control;
  q.resetCalls();
  q.clearFaults();
  q.setLatency(0);
});

const src = { bucket: 'demo-photos', key: 'photos/sunflower.jpg' };
let n = 0;
const freshDst = () => ({ bucket: 'demo-backup', key: `idem/${Date.now()}-${n++}.jpg` });
const freshKey = () => `key-${Date.now()}-${n++}`;
const qiniuCopies = () => stack.emulators.qiniu.control.calls('copy');

async function copyObject(input: Record<string, unknown>, options: { key?: string; headers?: Record<string, string> } = {}) {
  return (await stack.data(COPY_OBJECT, { input }, { key: options.key ?? ALICE, ...(options.headers ? { headers: options.headers } : {}) })).copyObject;
}

describe('idempotency keys on copyObject', () => {
  it('answers the same task to the same key and input, and copies once', async () => {
    const input = { source: src, destination: freshDst(), idempotencyKey: freshKey() };
    const first = await copyObject(input);
    const again = await copyObject(input);
    expect(first).toMatchObject({ __typename: 'CopyTask', status: 'SUCCEEDED' });
    expect(again).toMatchObject({ __typename: 'CopyTask', status: 'SUCCEEDED', id: first.id });
    expect(qiniuCopies()).toBe(1);
    const tasks = await stack.data(`{ copyTasks(first: 100, filter: { provider: QINIU }) { edges { node { id } } } }`);
    expect(tasks.copyTasks.edges.filter((e: { node: { id: string } }) => e.node.id === first.id)).toHaveLength(1);
  });

  it('treats an input that differs only by defaults and field order as the same input', async () => {
    const destination = freshDst();
    const key = freshKey();
    const first = await copyObject({ source: src, destination, idempotencyKey: key });
    const again = await copyObject({ overwrite: false, destination: { key: destination.key, bucket: destination.bucket }, source: src, idempotencyKey: key });
    expect(again.id).toBe(first.id);
    expect(qiniuCopies()).toBe(1);
  });

  it('answers concurrent requests with one key with one task, while the first is still running', async () => {
    stack.emulators.qiniu.control.setLatency(300);
    const input = { source: src, destination: freshDst(), idempotencyKey: freshKey() };
    const answers = await Promise.all([copyObject(input), copyObject(input), copyObject(input)]);
    expect(answers.map((a) => a.__typename)).toEqual(['CopyTask', 'CopyTask', 'CopyTask']);
    expect(new Set(answers.map((a) => a.id)).size).toBe(1);
    expect(qiniuCopies()).toBe(1);
  });

  it('refuses the same key with another input (IDEMPOTENCY_KEY_REUSED naming the task) and sends nothing', async () => {
    const key = freshKey();
    const first = await copyObject({ source: src, destination: freshDst(), idempotencyKey: key });
    stack.emulators.qiniu.control.resetCalls();
    const other = await copyObject({ source: src, destination: freshDst(), idempotencyKey: key });
    expect(other).toMatchObject({ __typename: 'IdempotencyKeyReusedError', code: 'IDEMPOTENCY_KEY_REUSED', idempotencyKey: key, taskId: first.id });
    expect(other.message).toContain(first.id);
    expect(stack.emulators.qiniu.control.calls()).toBe(0);
  });

  it('takes the key from the Idempotency-Key header, and the input field wins over it', async () => {
    const input = { source: src, destination: freshDst() };
    const header = freshKey();
    const first = await copyObject(input, { headers: { 'Idempotency-Key': header } });
    const again = await copyObject(input, { headers: { 'Idempotency-Key': header } });
    expect(again.id).toBe(first.id);
    expect(qiniuCopies()).toBe(1);
    // The field names another key: a new copy, whatever the header says.
    const fieldWins = await copyObject({ ...input, overwrite: true, idempotencyKey: freshKey() }, { headers: { 'Idempotency-Key': header } });
    expect(fieldWins).toMatchObject({ __typename: 'CopyTask' });
    expect(fieldWins.id).not.toBe(first.id);
    expect(qiniuCopies()).toBe(2);
  });

  it('scopes keys to the principal: another API key with the same key makes its own copy', async () => {
    const key = freshKey();
    const alice = await copyObject({ source: src, destination: freshDst(), idempotencyKey: key });
    const bob = await copyObject({ source: src, destination: freshDst(), idempotencyKey: key }, { key: BOB });
    expect(bob).toMatchObject({ __typename: 'CopyTask' });
    expect(bob.id).not.toBe(alice.id);
    expect(qiniuCopies()).toBe(2);
  });

  it('frees the key of a copy that provably did not run (a refusal), so the retry copies', async () => {
    stack.emulators.qiniu.control.injectFault({ route: 'copy', status: 573, body: { error: 'too frequent' }, times: 1 });
    const input = { source: src, destination: freshDst(), idempotencyKey: freshKey() };
    const refused = await copyObject(input);
    expect(refused).toMatchObject({ __typename: 'UpstreamError', code: 'RATE_LIMITED' });
    const retried = await copyObject(input);
    expect(retried).toMatchObject({ __typename: 'CopyTask', status: 'SUCCEEDED' });
    expect(stack.emulators.qiniu.getObject(input.destination.bucket, input.destination.key)).toBeDefined();
  });

  it('does not claim a key for an invalid input: the corrected input may use it', async () => {
    const key = freshKey();
    const bad = await copyObject({ source: src, destination: src, idempotencyKey: key });
    expect(bad).toMatchObject({ __typename: 'InvalidInputError' });
    const good = await copyObject({ source: src, destination: freshDst(), idempotencyKey: key });
    expect(good).toMatchObject({ __typename: 'CopyTask' });
    expect(qiniuCopies()).toBe(1);
  });

  it('refuses a malformed key, sending nothing', async () => {
    for (const idempotencyKey of ['', ' leading-space', 'x'.repeat(256), 'tab\there']) {
      const answer = await copyObject({ source: src, destination: freshDst(), idempotencyKey });
      expect(answer).toMatchObject({ __typename: 'InvalidInputError', code: 'BAD_USER_INPUT', fields: [{ path: 'idempotencyKey' }] });
    }
    expect(stack.emulators.qiniu.control.calls()).toBe(0);
  });

  it('runs a key whose claimer died before storing its task (the copy is taken as never run)', async () => {
    const destination = freshDst();
    const key = freshKey();
    // What a crash between claiming the key and storing the task leaves: a claim, old enough, and no task.
    const print = fingerprint('copyObject', { source: src, destination, overwrite: false });
    const longAgo = Date.now() - stack.app.services.config.idempotency.inFlightMs - 1;
    const orphan = { owner: 'alice', key, fingerprint: print, taskId: 'never-stored', claimedAt: longAgo, expiresAt: Date.now() + 3_600_000 };
    await stack.app.services.idempotency.store.claim(orphan, Date.now());
    const answer = await copyObject({ source: src, destination, idempotencyKey: key });
    expect(answer).toMatchObject({ __typename: 'CopyTask', status: 'SUCCEEDED' });
    expect(answer.id).not.toBe('never-stored');
    expect(qiniuCopies()).toBe(1);
    expect((await copyObject({ source: src, destination, idempotencyKey: key })).id).toBe(answer.id);
    expect(qiniuCopies()).toBe(1);
  });
});

describe('idempotency keys on every copy mutation', () => {
  const twice = async (mutation: string, inputType: string, input: Record<string, unknown>, calls: () => number) => {
    const doc = `mutation ($input: ${inputType}!) { answer: ${mutation}(input: $input) { ${ANSWER} } }`;
    const before = calls();
    const keyed = { ...input, idempotencyKey: freshKey() };
    const first = (await stack.data(doc, { input: keyed })).answer;
    const again = (await stack.data(doc, { input: keyed })).answer;
    expect(first).toMatchObject({ __typename: 'CopyTask' });
    expect(again).toMatchObject({ __typename: 'CopyTask', id: first.id });
    expect(calls() - before).toBe(1);
    const other = (await stack.data(doc, { input: { ...input, idempotencyKey: keyed.idempotencyKey, ...otherInput[mutation] } })).answer;
    expect(other).toMatchObject({ __typename: 'IdempotencyKeyReusedError', taskId: first.id });
    expect(calls() - before).toBe(1);
  };
  const otherInput: Record<string, Record<string, unknown>> = {
    copyWikiNode: { title: 'another title' },
    copyTodo: { title: 'another title' },
    copyCozeEntity: { entityId: COZE_DEMO.personalBotId },
    copyImages: { fileIds: [String(PAN123_DEMO.imageFileIds[0])] },
  };

  it('copyWikiNode', async () => {
    const emu = stack.emulators.feishu;
    await twice(
      'copyWikiNode',
      'CopyWikiNodeInput',
      { spaceId: FEISHU_DEMO.spaceId, nodeToken: FEISHU_DEMO.nodes.onboarding, targetSpaceId: FEISHU_DEMO.spaceId },
      () => emu.control.calls(FEISHU_ROUTES.copy),
    );
  });

  it('copyTodo', async () => {
    const emu = stack.emulators.blue;
    await twice('copyTodo', 'CopyTodoInput', { todoId: BLUE_DEMO.todos.launchPlan, todoListId: BLUE_DEMO.lists.roadmap.doing, options: [] }, () =>
      emu.fieldCalls('copyTodo'),
    );
  });

  it('copyCozeEntity', async () => {
    const emu = stack.emulators.coze;
    await twice('copyCozeEntity', 'CopyCozeEntityInput', { entityId: COZE_DEMO.botId, entityType: 'BOT' }, () => emu.control.calls(COZE_ROUTES.copy));
  });

  it('copyImages', async () => {
    const emu = stack.emulators.pan123;
    const target = emu.seedOssFolder({ filename: `idem-${n++}` }).fileId;
    await twice('copyImages', 'CopyImagesInput', { fileIds: PAN123_DEMO.imageFileIds.map(String), toParentFileId: target }, () =>
      emu.control.calls('oss_copy'),
    );
  });
});

describe('a key that may have run (OUTCOME_UNKNOWN) is kept', () => {
  it('answers the recorded FAILED task to a retry instead of copying again', async () => {
    const emu = stack.emulators.feishu;
    emu.control.injectFault({ route: FEISHU_ROUTES.copy, status: 504, body: 'Gateway Timeout', times: 1 });
    const doc = `mutation ($input: CopyWikiNodeInput!) { answer: copyWikiNode(input: $input) { ${ANSWER} } }`;
    const input = { spaceId: FEISHU_DEMO.spaceId, nodeToken: FEISHU_DEMO.nodes.onboarding, targetSpaceId: FEISHU_DEMO.spaceId, idempotencyKey: freshKey() };
    const before = emu.control.calls(FEISHU_ROUTES.copy);
    const first = (await stack.data(doc, { input })).answer;
    expect(first).toMatchObject({ __typename: 'UpstreamError', code: 'OUTCOME_UNKNOWN' });
    const retry = (await stack.data(doc, { input })).answer;
    expect(retry).toMatchObject({ __typename: 'CopyTask', provider: 'FEISHU', status: 'FAILED', error: { code: 'OUTCOME_UNKNOWN' } });
    expect(emu.control.calls(FEISHU_ROUTES.copy) - before).toBe(1);
  });
});

describe('expiry', () => {
  let emulators: EmulatorSet;
  let app: App;
  let dir: string;
  let clock = Date.now();
  beforeAll(async () => {
    emulators = await startDemoEmulators();
    dir = mkdtempSync(join(tmpdir(), 'copygraph-idem-'));
    const config = loadConfig({ ...baseEnv(emulators, join(dir, 'tasks.sqlite')), COPYGRAPH_IDEMPOTENCY_TTL_HOURS: '24' });
    app = await startApp(config, { logger: pino({ level: 'silent' }), idempotencyClock: () => clock });
  });
  afterAll(async () => {
    await app.stop();
    await emulators.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const send = async (input: Record<string, unknown>) => {
    const res = await fetch(app.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ALICE}` },
      body: JSON.stringify({ query: COPY_OBJECT, variables: { input } }),
    });
    return ((await res.json()) as { data: { copyObject: Record<string, any> } }).data.copyObject;
  };

  it('keeps a key for its lifetime, then forgets it: the same key makes a new copy', async () => {
    const input = { source: src, destination: freshDst(), overwrite: true, idempotencyKey: freshKey() };
    const first = await send(input);
    clock += 23 * 3_600_000;
    expect((await send(input)).id).toBe(first.id);
    expect(emulators.qiniu.control.calls('copy')).toBe(1);
    clock += 2 * 3_600_000;
    const later = await send(input);
    expect(later).toMatchObject({ __typename: 'CopyTask', status: 'SUCCEEDED' });
    expect(later.id).not.toBe(first.id);
    expect(emulators.qiniu.control.calls('copy')).toBe(2);
  });
});
