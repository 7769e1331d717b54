/**
 * copyCozeEntity against the Coze emulator, over real HTTP and WebSocket: synchronous and
 * asynchronous copies, the workspace rules, failed copies with their reasons, error mapping and bad
 * input. Copies are proven by the emulator's state.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COZE_DEMO, COZE_QUOTA_REASON, COZE_ROUTES } from '../emulators/coze.ts';
import { BOB, collect, eventually, type Stack, startStack } from './helpers/stack.ts';

const COPY = `mutation ($input: CopyCozeEntityInput!) {
  copyCozeEntity(input: $input) {
    __typename
    ... on CopyTask {
      id provider status isFinal upstreamTaskId
      result { __typename ... on CozeEntity { id type workspaceId sourceEntityId } }
      failures { itemId name kind reason }
      error { code message upstreamCode logId }
    }
    ... on InvalidInputError { code message fields { path message } }
    ... on UpstreamError { code message provider upstreamCode upstreamMessage logId retryable retryAfterSeconds }
  }
}`;

const TASK = `query ($id: ID!) {
  copyTask(id: $id) {
    id status isFinal upstreamTaskId
    result { __typename ... on CozeEntity { id type workspaceId sourceEntityId } }
    failures { itemId name kind reason }
    error { code message upstreamCode logId }
  }
}`;

const WATCH = `subscription ($id: ID!) {
  copyTaskUpdated(id: $id) {
    id status isFinal
    result { ... on CozeEntity { id type workspaceId sourceEntityId } }
    failures { itemId name kind reason }
  }
}`;

type Result = Record<string, any>;

let stack: Stack;

beforeAll(async () => {
  // A short upstream timeout lets the OUTCOME_UNKNOWN case run quickly.
  stack = await startStack({ env: { COPYGRAPH_UPSTREAM_TIMEOUT_MS: '800' } });
});
afterAll(() => stack.close());

async function copy(input: Record<string, unknown>, headers?: Record<string, string>): Promise<Result> {
  const data = await stack.data<{ copyCozeEntity: Result }>(COPY, { input }, headers ? { headers } : {});
  return data.copyCozeEntity;
}

async function finalTask(id: string): Promise<Result> {
  return eventually(async () => {
    const { copyTask } = await stack.data<{ copyTask: Result }>(TASK, { id });
    return copyTask.isFinal ? copyTask : undefined;
  });
}

const coze = () => stack.emulators.coze;

describe('copyCozeEntity: synchronous copies', () => {
  it('copies a bot within its workspace at once: the task is born SUCCEEDED with the copied CozeEntity', async () => {
    const before = coze().control.calls(COZE_ROUTES.copy);
    const r = await copy({ entityId: COZE_DEMO.botId, entityType: 'BOT' });
    expect(r).toMatchObject({ __typename: 'CopyTask', provider: 'COZE', status: 'SUCCEEDED', isFinal: true, upstreamTaskId: null, failures: [], error: null });
    expect(r.result).toMatchObject({ __typename: 'CozeEntity', type: 'BOT', workspaceId: null, sourceEntityId: COZE_DEMO.botId });
    const copied = coze().getEntity(r.result.id);
    expect(copied).toMatchObject({ type: 'bot', workspaceId: COZE_DEMO.teamWorkspaceId, status: 'draft', copiedFrom: COZE_DEMO.botId });
    expect(coze().control.calls(COZE_ROUTES.copy) - before).toBe(1);
  });

  it('names the workspace of a same-workspace bot copy when toWorkspaceId was given', async () => {
    const r = await copy({ entityId: COZE_DEMO.botId, entityType: 'BOT', toWorkspaceId: COZE_DEMO.teamWorkspaceId });
    expect(r).toMatchObject({ status: 'SUCCEEDED', result: { type: 'BOT', workspaceId: COZE_DEMO.teamWorkspaceId } });
    expect(coze().getEntity(r.result.id)?.workspaceId).toBe(COZE_DEMO.teamWorkspaceId);
  });
});

describe('copyCozeEntity: asynchronous copies', () => {
  it('runs a cross-workspace workflow copy as a Coze task and streams RUNNING then SUCCEEDED with the new entity', async () => {
    const r = await copy({ entityId: COZE_DEMO.workflowId, entityType: 'WORKFLOW', toWorkspaceId: COZE_DEMO.otherTeamWorkspaceId });
    expect(r).toMatchObject({ __typename: 'CopyTask', status: 'RUNNING', isFinal: false, result: null });
    expect(coze().getTask(r.upstreamTaskId)).toMatchObject({ status: 'in_progress', sourceEntityId: COZE_DEMO.workflowId });

    const events = collect(stack.ws(), WATCH, { id: r.id });
    // Let the stream deliver the current state and a poll or two before Coze finishes.
    await eventually(() => ((stack.app.services.watcher.taskPollCounts.get(r.id) ?? 0) >= 2 ? true : undefined));
    coze().completeTask(r.upstreamTaskId);
    const seen = await events;

    expect(seen.map((e) => e.copyTaskUpdated.status)).toEqual(['RUNNING', 'SUCCEEDED']);
    const last = seen.at(-1)?.copyTaskUpdated;
    expect(last.isFinal).toBe(true);
    const upstream = coze().getTask(r.upstreamTaskId);
    expect(last.result).toEqual({
      id: upstream?.targetEntityId,
      type: 'WORKFLOW',
      workspaceId: COZE_DEMO.otherTeamWorkspaceId,
      sourceEntityId: COZE_DEMO.workflowId,
    });
    expect(coze().getEntity(last.result.id)).toMatchObject({ type: 'workflow', workspaceId: COZE_DEMO.otherTeamWorkspaceId, copiedFrom: COZE_DEMO.workflowId });
  });

  it('runs a same-workspace app copy asynchronously (only bots copy synchronously)', async () => {
    const r = await copy({ entityId: COZE_DEMO.appId, entityType: 'APP' });
    expect(r).toMatchObject({ status: 'RUNNING', upstreamTaskId: expect.stringMatching(/^\d+$/) });
    coze().completeTask(r.upstreamTaskId);
    const done = await finalTask(r.id);
    expect(done).toMatchObject({ status: 'SUCCEEDED', result: { type: 'APP', workspaceId: COZE_DEMO.teamWorkspaceId, sourceEntityId: COZE_DEMO.appId } });
    expect(coze().getEntity(done.result.id)).toMatchObject({ type: 'app', name: '售后助手应用(副本)' });
  });

  it('copies a bot into another workspace asynchronously, bringing its workflows along', async () => {
    const r = await copy({ entityId: COZE_DEMO.botId, entityType: 'BOT', toWorkspaceId: COZE_DEMO.otherTeamWorkspaceId });
    expect(r.status).toBe('RUNNING');
    coze().completeTask(r.upstreamTaskId);
    const done = await finalTask(r.id);
    const bot = coze().getEntity(done.result.id);
    expect(bot).toMatchObject({ type: 'bot', workspaceId: COZE_DEMO.otherTeamWorkspaceId });
    expect(coze().getEntity(bot?.workflowIds[0] ?? '')).toMatchObject({ workspaceId: COZE_DEMO.otherTeamWorkspaceId, copiedFrom: COZE_DEMO.workflowId });
  });

  it('ends a copy Coze fails as FAILED, with each failed_reason as a failure (entity id, name, type, reason)', async () => {
    const r = await copy({ entityId: COZE_DEMO.failingBotId, entityType: 'BOT', toWorkspaceId: COZE_DEMO.otherTeamWorkspaceId });
    expect(r.status).toBe('RUNNING');
    coze().completeTask(r.upstreamTaskId);
    const done = await finalTask(r.id);
    expect(done).toMatchObject({ status: 'FAILED', result: null, error: { code: 'UPSTREAM_ERROR', logId: expect.any(String) } });
    expect(done.error.message).toContain(COZE_QUOTA_REASON);
    expect(done.failures).toEqual([{ itemId: '7400000000000000006', name: '天气查询插件', kind: 'plugin', reason: COZE_QUOTA_REASON }]);
  });

  it('reports every reason of a task Coze fails with several', async () => {
    const r = await copy({ entityId: COZE_DEMO.workflowId, entityType: 'WORKFLOW', toWorkspaceId: COZE_DEMO.otherTeamWorkspaceId });
    const reasons = [
      { entity_id: '7400000000000000201', entity_name: '知识库', entity_type: 'knowledge' as const, failed_reason: 'knowledge quota' },
      { entity_id: '7400000000000000202', entity_name: '数据库', entity_type: 'database' as const, failed_reason: 'database quota' },
    ];
    coze().failTask(r.upstreamTaskId, reasons);
    const done = await finalTask(r.id);
    expect(done.status).toBe('FAILED');
    expect(done.failures).toEqual([
      { itemId: '7400000000000000201', name: '知识库', kind: 'knowledge', reason: 'knowledge quota' },
      { itemId: '7400000000000000202', name: '数据库', kind: 'database', reason: 'database quota' },
    ]);
  });
});

describe('copyCozeEntity: workspace rules and upstream errors', () => {
  it('refuses to copy a personal-workspace bot into a team workspace (4000 → BAD_USER_INPUT); the attempt stays on record as FAILED', async () => {
    const before = (await stack.data<{ copyTasks: Result }>('{ copyTasks(filter: { provider: COZE, status: [FAILED] }, first: 100) { edges { cursor } } }'))
      .copyTasks.edges.length;
    const r = await copy({ entityId: COZE_DEMO.personalBotId, entityType: 'BOT', toWorkspaceId: COZE_DEMO.teamWorkspaceId });
    expect(r).toMatchObject({ __typename: 'UpstreamError', code: 'BAD_USER_INPUT', provider: 'COZE', upstreamCode: '4000', retryable: false });
    expect(r.logId).toMatch(/^\d{14}[0-9A-F]{20}$/);
    expect(r.upstreamMessage).toMatch(/个人工作空间/);
    // Recorded "submitting" before Coze was called (never lost in a crash), then FAILED with the refusal.
    const after = (await stack.data<{ copyTasks: Result }>('{ copyTasks(filter: { provider: COZE, status: [FAILED] }, first: 100) { edges { cursor } } }'))
      .copyTasks.edges.length;
    expect(after).toBe(before + 1);
  });

  it('refuses a target workspace of another team (4000 → BAD_USER_INPUT)', async () => {
    const other = coze().addWorkspace({ kind: 'team', teamId: '7400000000000000777', members: [COZE_DEMO.userId] });
    const r = await copy({ entityId: COZE_DEMO.workflowId, entityType: 'WORKFLOW', toWorkspaceId: other.id });
    expect(r).toMatchObject({ __typename: 'UpstreamError', code: 'BAD_USER_INPUT', upstreamCode: '4000' });
  });

  it('maps a non-zero body code on HTTP 200 to a failure: not a member of the target (4101 → FORBIDDEN)', async () => {
    const closed = coze().addWorkspace({ kind: 'team', teamId: COZE_DEMO.teamId, members: [] });
    const r = await copy({ entityId: COZE_DEMO.workflowId, entityType: 'WORKFLOW', toWorkspaceId: closed.id });
    expect(r).toMatchObject({ __typename: 'UpstreamError', code: 'FORBIDDEN', upstreamCode: '4101', retryable: false });
  });

  it('maps an unknown entity (4200) to NOT_FOUND', async () => {
    const r = await copy({ entityId: '7499999999999999999', entityType: 'WORKFLOW' });
    expect(r).toMatchObject({ __typename: 'UpstreamError', code: 'NOT_FOUND', upstreamCode: '4200' });
  });

  it('uses the x-coze-token header over configuration, and maps a refused token (4100) to UNAUTHENTICATED without echoing it', async () => {
    const r = await copy({ entityId: COZE_DEMO.botId, entityType: 'BOT' }, { 'x-coze-token': 'pat_not_a_real_token' });
    expect(r).toMatchObject({ __typename: 'UpstreamError', code: 'UNAUTHENTICATED', upstreamCode: '4100', logId: expect.any(String) });
    expect(JSON.stringify(r)).not.toContain('pat_not_a_real_token');
  });

  it('maps throttling (HTTP 429 + 4013) to RATE_LIMITED, retryable, with the log id from x-tt-logid', async () => {
    coze().control.injectFault({ route: COZE_ROUTES.copy, status: 429, body: { code: 4013, msg: 'too many requests' }, times: 1 });
    const r = await copy({ entityId: COZE_DEMO.botId, entityType: 'BOT' });
    expect(r).toMatchObject({ __typename: 'UpstreamError', code: 'RATE_LIMITED', upstreamCode: '4013', retryable: true, retryAfterSeconds: 1 });
    expect(r.logId).toMatch(/^\d{14}[0-9A-F]{20}$/);
  });

  it('reports a copy whose answer never came as OUTCOME_UNKNOWN, and does not send it again', async () => {
    const before = coze().control.calls(COZE_ROUTES.copy);
    coze().control.injectFault({ route: COZE_ROUTES.copy, status: 200, body: { code: 0, data: { task_id: '1' } }, delayMs: 1500, times: 1 });
    const r = await copy({ entityId: COZE_DEMO.workflowId, entityType: 'WORKFLOW' });
    expect(r).toMatchObject({ __typename: 'UpstreamError', code: 'OUTCOME_UNKNOWN', retryable: false });
    expect(coze().control.calls(COZE_ROUTES.copy) - before).toBe(1);
  });
});

describe('copyCozeEntity: bad input', () => {
  it('refuses a non-numeric entity id and workspace id with InvalidInputError naming both fields, sending nothing', async () => {
    const before = coze().control.calls();
    const r = await copy({ entityId: 'bot-abc', entityType: 'BOT', toWorkspaceId: 'ws 1' });
    expect(r).toMatchObject({ __typename: 'InvalidInputError', code: 'BAD_USER_INPUT' });
    expect(r.fields.map((f: { path: string }) => f.path).sort()).toEqual(['entityId', 'toWorkspaceId']);
    expect(coze().control.calls()).toBe(before);
  });

  it('refuses an empty entity id', async () => {
    const before = coze().control.calls();
    const r = await copy({ entityId: '', entityType: 'WORKFLOW' });
    expect(r).toMatchObject({ __typename: 'InvalidInputError', fields: [{ path: 'entityId' }] });
    expect(coze().control.calls()).toBe(before);
  });

  it('refuses an unknown entity type with BAD_USER_INPUT before any resolver runs, sending nothing', async () => {
    const before = coze().control.calls();
    const { status, body } = await stack.gql(COPY, { input: { entityId: COZE_DEMO.botId, entityType: 'PLUGIN' } });
    // An application/json request error answers 200 (GraphQL over HTTP, SHOULD), the error in the body.
    expect(status).toBe(200);
    expect(body.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
    expect(body.errors?.[0]?.message).toMatch(/CozeEntityType/);
    expect(coze().control.calls()).toBe(before);
  });
});

describe('CozeEntity as an entity', () => {
  it('resolves a copy this principal made by reference, and nothing for another principal', async () => {
    const r = await copy({ entityId: COZE_DEMO.botId, entityType: 'BOT' });
    const query = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on CozeEntity { id type sourceEntityId } } }`;
    const representations = [{ __typename: 'CozeEntity', id: r.result.id }];
    const mine = await stack.data<{ _entities: Result[] }>(query, { r: representations });
    expect(mine._entities).toEqual([{ id: r.result.id, type: 'BOT', sourceEntityId: COZE_DEMO.botId }]);
    const theirs = await stack.data<{ _entities: Result[] }>(query, { r: representations }, { key: BOB });
    expect(theirs._entities).toEqual([null]);
  });
});
