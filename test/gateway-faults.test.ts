/**
 * The retry contract through a real gateway: each provider is reached through a loopback proxy
 * (test/helpers/faulty-proxy.ts) that forwards the copy to the emulator and then answers 502 or 504
 * with an HTML page of its own. The copy ran upstream (the emulator's state and call counts show it),
 * so copygraph must answer OUTCOME_UNKNOWN, retryable: false, record the task so, and nobody — not the
 * resolver, not the watcher, not the 123pan poller — may send the copy a second time.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BLUE_DEMO } from '../emulators/blue.ts';
import { COZE_DEMO, COZE_ROUTES } from '../emulators/coze.ts';
import { FEISHU_DEMO, FEISHU_ROUTES } from '../emulators/feishu.ts';
import { type FaultyProxy, startFaultyProxy } from './helpers/faulty-proxy.ts';
import { eventually, type Stack, startStack } from './helpers/stack.ts';

type Result = Record<string, any>;

const ANSWER = `
  __typename
  ... on CopyTask { id status upstreamTaskId error { code message } failures { itemId reason } }
  ... on UpstreamError { code message provider upstreamCode retryable }
`;
const TASK = 'query ($id: ID!) { copyTask(id: $id) { id status isFinal upstreamTaskId error { code message } failures { itemId reason } } }';
const ALL_TASKS = '{ copyTasks(first: 100) { edges { node { id provider status error { code } } } } }';

const proxies: Record<'qiniu' | 'coze' | 'feishu' | 'pan123' | 'blue', FaultyProxy> = {} as never;
let stack: Stack;

beforeAll(async () => {
  for (const name of ['qiniu', 'coze', 'feishu', 'pan123', 'blue'] as const) proxies[name] = await startFaultyProxy();
  stack = await startStack({
    env: {
      QINIU_RS_URL: proxies.qiniu.url,
      COZE_BASE_URL: proxies.coze.url,
      FEISHU_BASE_URL: proxies.feishu.url,
      PAN123_BASE_URL: proxies.pan123.url,
      BLUE_ENDPOINT: `${proxies.blue.url}/graphql`,
    },
  });
  const urls = stack.emulators.urls;
  proxies.qiniu.target = urls.qiniuRs;
  proxies.coze.target = urls.coze;
  proxies.feishu.target = urls.feishu;
  proxies.pan123.target = urls.pan123;
  proxies.blue.target = urls.blue.replace(/\/graphql$/, '');
});
afterAll(async () => {
  await stack.close();
  await Promise.all(Object.values(proxies).map((p) => p.close()));
});
beforeEach(() => {
  for (const p of Object.values(proxies)) p.clear();
});

/** Gives the watcher several poll intervals (50–200 ms in tests), in which a re-submit would have happened. Nothing is timed. */
function letWatcherRun(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 800));
}

async function failedTaskOf(provider: string, before: Set<string>): Promise<Result> {
  const all = (await stack.data<{ copyTasks: Result }>(ALL_TASKS)).copyTasks.edges.map((e: Result) => e.node);
  const fresh = all.filter((t: Result) => t.provider === provider && !before.has(t.id));
  expect(fresh).toHaveLength(1);
  return fresh[0];
}

async function taskIds(): Promise<Set<string>> {
  return new Set((await stack.data<{ copyTasks: Result }>(ALL_TASKS)).copyTasks.edges.map((e: Result) => e.node.id as string));
}

describe('a gateway answers 502/504 after forwarding the copy', () => {
  it('Qiniu: one copy upstream, OUTCOME_UNKNOWN, the task FAILED with it', async () => {
    const qiniu = stack.emulators.qiniu;
    const destination = { bucket: 'demo-backup', key: `gw/${Date.now()}.jpg` };
    const before = await taskIds();
    proxies.qiniu.failAfterForward({ method: 'POST', path: /^\/copy\//, status: 502 });
    const copies = qiniu.control.calls('copy');
    const { copyObject } = await stack.data<{ copyObject: Result }>(`mutation ($input: CopyObjectInput!) { copyObject(input: $input) { ${ANSWER} } }`, {
      input: { source: { bucket: 'demo-photos', key: 'photos/sunflower.jpg' }, destination },
    });
    expect(copyObject).toMatchObject({ __typename: 'UpstreamError', code: 'OUTCOME_UNKNOWN', provider: 'QINIU', upstreamCode: '502', retryable: false });
    expect(qiniu.control.calls('copy')).toBe(copies + 1);
    expect(qiniu.getObject(destination.bucket, destination.key)).toBeDefined();
    expect(await failedTaskOf('QINIU', before)).toMatchObject({ status: 'FAILED', error: { code: 'OUTCOME_UNKNOWN' } });
  });

  it('Feishu: one copy upstream, OUTCOME_UNKNOWN (504)', async () => {
    const feishu = stack.emulators.feishu;
    const before = await taskIds();
    proxies.feishu.failAfterForward({ method: 'POST', path: /\/copy$/, status: 504 });
    const copies = feishu.control.calls(FEISHU_ROUTES.copy);
    const { copyWikiNode } = await stack.data<{ copyWikiNode: Result }>(`mutation ($input: CopyWikiNodeInput!) { copyWikiNode(input: $input) { ${ANSWER} } }`, {
      input: { spaceId: FEISHU_DEMO.spaceId, nodeToken: FEISHU_DEMO.nodes.onboarding, targetParentToken: FEISHU_DEMO.nodes.templates },
    });
    expect(copyWikiNode).toMatchObject({ __typename: 'UpstreamError', code: 'OUTCOME_UNKNOWN', provider: 'FEISHU', retryable: false });
    expect(feishu.control.calls(FEISHU_ROUTES.copy)).toBe(copies + 1);
    expect(await failedTaskOf('FEISHU', before)).toMatchObject({ status: 'FAILED', error: { code: 'OUTCOME_UNKNOWN' } });
  });

  it('Blue: one copyTodo upstream (the record exists), OUTCOME_UNKNOWN', async () => {
    const blue = stack.emulators.blue;
    const list = BLUE_DEMO.lists.roadmap.doing;
    const inList = blue.todosInList(list).length;
    proxies.blue.failAfterForward({ method: 'POST', path: /^\/graphql$/, body: /copyTodo/, status: 502 });
    const { copyTodo } = await stack.data<{ copyTodo: Result }>(`mutation ($input: CopyTodoInput!) { copyTodo(input: $input) { ${ANSWER} } }`, {
      input: { todoId: BLUE_DEMO.todos.launchPlan, todoListId: list, options: [] },
    });
    expect(copyTodo).toMatchObject({ __typename: 'UpstreamError', code: 'OUTCOME_UNKNOWN', provider: 'BLUE', retryable: false });
    expect(proxies.blue.failed).toBeGreaterThanOrEqual(1);
    expect(blue.todosInList(list).length).toBe(inList + 1);
  });

  it('Coze: one copy task upstream, OUTCOME_UNKNOWN, and nothing is followed or sent again', async () => {
    const coze = stack.emulators.coze;
    const before = await taskIds();
    const upstreamTasks = coze.listTasks().length;
    proxies.coze.failAfterForward({ method: 'POST', path: /^\/v1\/entities\/copy_tasks$/, status: 502 });
    const copies = coze.control.calls(COZE_ROUTES.copy);
    const { copyCozeEntity } = await stack.data<{ copyCozeEntity: Result }>(
      `mutation ($input: CopyCozeEntityInput!) { copyCozeEntity(input: $input) { ${ANSWER} } }`,
      { input: { entityId: COZE_DEMO.workflowId, entityType: 'WORKFLOW' } },
    );
    expect(copyCozeEntity).toMatchObject({ __typename: 'UpstreamError', code: 'OUTCOME_UNKNOWN', provider: 'COZE', upstreamCode: '502', retryable: false });
    expect(coze.listTasks().length).toBe(upstreamTasks + 1);
    await letWatcherRun();
    expect(coze.control.calls(COZE_ROUTES.copy)).toBe(copies + 1);
    expect(await failedTaskOf('COZE', before)).toMatchObject({ status: 'FAILED', error: { code: 'OUTCOME_UNKNOWN' } });
  });

  it('123pan: one upstream task for the part, OUTCOME_UNKNOWN, and the watcher never re-submits it', async () => {
    const pan = stack.emulators.pan123;
    const folder = pan.seedDriveFolder({ filename: 'gw-src' });
    const ids = Array.from({ length: 150 }, (_, i) =>
      String(pan.seedDriveFile({ filename: `gw-${i}.png`, size: 5000 + i, parentFileId: folder.fileId }).fileId),
    );
    const target = pan.seedOssFolder({ filename: 'gw-target' }).fileId;
    const submits = pan.control.calls('oss_copy');
    // The first part's submit runs upstream and its answer is lost; the second part's goes through.
    proxies.pan123.failAfterForward({ method: 'POST', path: /^\/api\/v1\/oss\/source\/copy$/, status: 502, times: 1 });
    const { copyImages } = await stack.data<{ copyImages: Result }>(`mutation ($input: CopyImagesInput!) { copyImages(input: $input) { ${ANSWER} } }`, {
      input: { fileIds: ids, toParentFileId: target },
    });
    expect(copyImages.__typename).toBe('CopyTask');
    expect(pan.control.calls('oss_copy')).toBe(submits + 2);
    const second = copyImages.upstreamTaskId as string;
    expect(second.split(',')).toHaveLength(1);
    const forgotten = pan.tasks().filter((t) => t.taskID !== second && t.status !== 2 && t.status !== 3);
    expect(forgotten.length).toBeGreaterThanOrEqual(1);
    for (const t of forgotten) pan.finishTask(t.taskID);
    pan.finishTask(second);
    const done = await eventually(async () => {
      const t = (await stack.data<{ copyTask: Result }>(TASK, { id: copyImages.id })).copyTask;
      return t.isFinal ? t : undefined;
    });
    await letWatcherRun();
    expect(pan.control.calls('oss_copy')).toBe(submits + 2);
    expect(done.status).toBe('PARTIALLY_SUCCEEDED');
    expect(done.failures).toHaveLength(100);
    expect(done.failures[0].reason).toMatch(/may or may not/);
  });
});
