import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COZE_DEMO, COZE_QUOTA_REASON, COZE_ROUTES, CozeEmulator, type CozeEmulatorOptions } from '../../emulators/coze.ts';
import type { RunningServer } from '../../emulators/http.ts';

interface Answer {
  status: number;
  logid: string | null;
  body: {
    code: number;
    msg: string;
    data?: Record<string, unknown>;
    detail?: { logid: string };
  };
}

const ALICE = 'pat_alice'; // member of the demo workspaces too
const BOB = 'pat_bob'; // member of nothing but his own workspace
const WORKFLOW_ONLY = 'pat_wf_only';
const ALICE_ID = '7500000000000000001';
const BOB_ID = '7500000000000000002';

/** Starts an emulator with the demo data and a few extra users; closes it after the block. */
function useEmulator(options: CozeEmulatorOptions = {}) {
  const emu = new CozeEmulator({
    tokens: { [ALICE]: ALICE_ID, [BOB]: BOB_ID, [WORKFLOW_ONLY]: ALICE_ID },
    tokenScopes: { [WORKFLOW_ONLY]: ['Workflow.copy', 'Workspace.createWorkflow'] },
    // These blocks test other rules in quick succession; the default limit has its own test below.
    rateLimitPerSecond: 0,
    ...options,
  });
  const ctx = { emu, url: '' };
  let server: RunningServer;
  beforeAll(async () => {
    emu.seedDemo();
    for (const ws of [COZE_DEMO.personalWorkspaceId, COZE_DEMO.teamWorkspaceId, COZE_DEMO.otherTeamWorkspaceId]) {
      emu.addMember(ws, ALICE_ID);
    }
    emu.addWorkspace({ id: '7500000000000000010', kind: 'personal', members: [BOB_ID] });
    server = await emu.start();
    ctx.url = server.url;
  });
  afterAll(() => emu.close());
  return ctx;
}

async function call(
  url: string,
  method: 'GET' | 'POST',
  path: string,
  opts: { token?: string | null | undefined; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...opts.headers };
  const token = opts.token === undefined ? ALICE : opts.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  let payload: string | undefined = opts.rawBody;
  if (opts.body !== undefined) payload = JSON.stringify(opts.body);
  if (payload !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${url}${path}`, { method, headers, ...(payload === undefined ? {} : { body: payload }) });
  return { status: res.status, logid: res.headers.get('x-tt-logid'), body: (await res.json()) as Answer['body'] };
}

const copy = (url: string, body: unknown, token?: string | null) => call(url, 'POST', '/v1/entities/copy_tasks', { body, token });
const query = (url: string, taskId: string, token?: string) => call(url, 'GET', `/v1/entities/copy_tasks/${taskId}`, { token });

describe('Coze emulator: copy and query', () => {
  const ctx = useEmulator();

  it('copies a bot within its workspace synchronously and returns copied_entity_id in the documented envelope', async () => {
    const r = await copy(ctx.url, { entity_id: COZE_DEMO.botId, entity_type: 'bot' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ code: 0, msg: '' });
    expect(Object.keys(r.body.data ?? {})).toEqual(['copied_entity_id']);
    expect(r.body.detail?.logid).toMatch(/^\d{14}[0-9A-F]{20}$/);
    expect(r.logid).toBe(r.body.detail?.logid);

    const copied = ctx.emu.getEntity(String(r.body.data?.copied_entity_id));
    expect(copied).toMatchObject({
      type: 'bot',
      name: '客服智能体(副本)',
      workspaceId: COZE_DEMO.teamWorkspaceId,
      status: 'draft',
      copiedFrom: COZE_DEMO.botId,
      // A same-workspace copy keeps using the same workflows.
      workflowIds: [COZE_DEMO.workflowId],
    });
    expect(copied?.id).not.toBe(COZE_DEMO.botId);
  });

  it('treats a to_workspace_id equal to the source workspace as a same-workspace copy', async () => {
    const r = await copy(ctx.url, { entity_id: COZE_DEMO.botId, entity_type: 'bot', to_workspace_id: COZE_DEMO.teamWorkspaceId });
    expect(r.body.data).toHaveProperty('copied_entity_id');
  });

  it('accepts the request @coze/api sends and answers with a numeric task_id', async () => {
    const r = await call(ctx.url, 'POST', '/v1/entities/copy_tasks', {
      token: 'pat_demo',
      headers: { 'x-coze-client-user-agent': '{"version":"1.3.9","lang":"node"}', 'user-agent': 'cozeapi-js/1.3.9 node/20' },
      body: { entity_id: '7400000000000000001', entity_type: 'workflow', to_workspace_id: '7400000000000000099' },
    });
    expect(r.status).toBe(200);
    expect(r.body.code).toBe(0);
    expect(r.body.data?.task_id).toMatch(/^\d{19}$/);
    expect(r.body.data).not.toHaveProperty('copied_entity_id');
  });

  it('keeps an async task in_progress until taskDurationMs passes, then reports it successful with the copy in the target workspace', async () => {
    const r = await copy(ctx.url, { entity_id: COZE_DEMO.workflowId, entity_type: 'workflow', to_workspace_id: COZE_DEMO.otherTeamWorkspaceId });
    const taskId = String(r.body.data?.task_id);

    const early = await query(ctx.url, taskId);
    expect(early.status).toBe(200);
    expect(early.body.data).toEqual({
      task_id: taskId,
      entity_type: 'workflow',
      task_status: 'in_progress',
      source_entity_id: COZE_DEMO.workflowId,
      target_workspace_id: COZE_DEMO.otherTeamWorkspaceId,
    });
    expect(early.logid).toBe(early.body.detail?.logid);

    // Real time also moves the clock (more under load): leave a wide margin below the boundary.
    ctx.emu.control.clock.advance(1_500);
    expect((await query(ctx.url, taskId)).body.data?.task_status).toBe('in_progress');
    ctx.emu.control.clock.advance(1_500);
    const done = await query(ctx.url, taskId);
    expect(done.body.data).toMatchObject({ task_status: 'successful', target_workspace_id: COZE_DEMO.otherTeamWorkspaceId });
    const targetId = String(done.body.data?.target_entity_id);
    expect(ctx.emu.getEntity(targetId)).toMatchObject({
      type: 'workflow',
      name: '订单查询工作流',
      workspaceId: COZE_DEMO.otherTeamWorkspaceId,
      status: 'draft',
      copiedFrom: COZE_DEMO.workflowId,
    });
  });

  it('copies an app within its workspace asynchronously, reusing its workflows', async () => {
    const r = await copy(ctx.url, { entity_id: COZE_DEMO.appId, entity_type: 'app' });
    const taskId = String(r.body.data?.task_id);
    expect(ctx.emu.getTask(taskId)?.status).toBe('in_progress');
    ctx.emu.control.clock.advance(3000);
    const task = ctx.emu.getTask(taskId);
    expect(task).toMatchObject({ status: 'successful', targetWorkspaceId: COZE_DEMO.teamWorkspaceId, copiedWorkflows: {} });
    expect(ctx.emu.getEntity(String(task?.targetEntityId))).toMatchObject({ type: 'app', name: '售后助手应用(副本)', workflowIds: [COZE_DEMO.workflowId] });
  });

  it('copies a bot across workspaces as a task that also copies the workflows it uses', async () => {
    const before = ctx.emu.listEntities(COZE_DEMO.otherTeamWorkspaceId, 'workflow').length;
    const r = await copy(ctx.url, { entity_id: COZE_DEMO.botId, entity_type: 'bot', to_workspace_id: COZE_DEMO.otherTeamWorkspaceId });
    const taskId = String(r.body.data?.task_id);
    expect(ctx.emu.listEntities(COZE_DEMO.otherTeamWorkspaceId, 'workflow')).toHaveLength(before);

    ctx.emu.control.clock.advance(3000);
    const done = await query(ctx.url, taskId);
    const bot = ctx.emu.getEntity(String(done.body.data?.target_entity_id));
    expect(bot).toMatchObject({ type: 'bot', name: '客服智能体', workspaceId: COZE_DEMO.otherTeamWorkspaceId, status: 'draft' });
    const [wfId] = bot?.workflowIds ?? [];
    expect(wfId).not.toBe(COZE_DEMO.workflowId);
    expect(ctx.emu.getEntity(String(wfId))).toMatchObject({ type: 'workflow', workspaceId: COZE_DEMO.otherTeamWorkspaceId, copiedFrom: COZE_DEMO.workflowId });
    expect(ctx.emu.listEntities(COZE_DEMO.otherTeamWorkspaceId, 'workflow')).toHaveLength(before + 1);
  });

  it('fails a task whose bot uses a plugin that cannot be copied, with failed_reasons, and copies nothing', async () => {
    const count = ctx.emu.listEntities(COZE_DEMO.otherTeamWorkspaceId).length;
    const r = await copy(ctx.url, { entity_id: COZE_DEMO.failingBotId, entity_type: 'bot', to_workspace_id: COZE_DEMO.otherTeamWorkspaceId });
    ctx.emu.control.clock.advance(3000);
    const done = await query(ctx.url, String(r.body.data?.task_id));
    expect(done.body.code).toBe(0);
    expect(done.body.data).toMatchObject({ task_status: 'failed', entity_type: 'bot', source_entity_id: COZE_DEMO.failingBotId });
    expect(done.body.data?.failed_reasons).toEqual([
      { entity_id: '7400000000000000006', entity_name: '天气查询插件', entity_type: 'plugin', failed_reason: COZE_QUOTA_REASON },
    ]);
    expect(done.body.data).not.toHaveProperty('target_entity_id');
    expect(ctx.emu.listEntities(COZE_DEMO.otherTeamWorkspaceId)).toHaveLength(count);
  });

  it('fails a cross-workspace app copy when a workflow it uses cannot be copied, naming that workflow', async () => {
    const wf = ctx.emu.addEntity({ type: 'workflow', name: '坏工作流', workspaceId: COZE_DEMO.teamWorkspaceId, failWith: { reason: '工作流复制失败' } });
    const app = ctx.emu.addEntity({ type: 'app', name: '依赖应用', workspaceId: COZE_DEMO.teamWorkspaceId, workflowIds: [wf.id] });
    const r = await copy(ctx.url, { entity_id: app.id, entity_type: 'app', to_workspace_id: COZE_DEMO.otherTeamWorkspaceId });
    ctx.emu.control.clock.advance(3000);
    const done = await query(ctx.url, String(r.body.data?.task_id));
    expect(done.body.data?.failed_reasons).toEqual([{ entity_id: wf.id, entity_name: '坏工作流', entity_type: 'workflow', failed_reason: '工作流复制失败' }]);
  });

  it('fails a task when the target workspace quota is full', async () => {
    const full = ctx.emu.addWorkspace({ kind: 'team', teamId: COZE_DEMO.teamId, members: [ALICE_ID], entityQuota: 1 });
    const r = await copy(ctx.url, { entity_id: COZE_DEMO.botId, entity_type: 'bot', to_workspace_id: full.id });
    ctx.emu.control.clock.advance(3000);
    const done = await query(ctx.url, String(r.body.data?.task_id));
    // The bot and its workflow would be two entities: one over the quota.
    expect(done.body.data).toMatchObject({
      task_status: 'failed',
      failed_reasons: [{ entity_id: COZE_DEMO.botId, entity_type: 'bot', failed_reason: COZE_QUOTA_REASON }],
    });
    expect(ctx.emu.listEntities(full.id)).toEqual([]);
  });

  it('refuses a synchronous bot copy into a full workspace with code 4000', async () => {
    const ws = ctx.emu.addWorkspace({ kind: 'team', teamId: COZE_DEMO.teamId, members: [ALICE_ID], entityQuota: 1 });
    const bot = ctx.emu.addEntity({ type: 'bot', name: 'b', workspaceId: ws.id });
    const r = await copy(ctx.url, { entity_id: bot.id, entity_type: 'bot' });
    expect(r.body).toMatchObject({ code: 4000, msg: COZE_QUOTA_REASON });
    expect(r.body.data).toBeUndefined();
  });

  it('completes and fails tasks at once through the control routes', async () => {
    const a = await copy(ctx.url, { entity_id: COZE_DEMO.workflowId, entity_type: 'workflow' });
    const b = await copy(ctx.url, { entity_id: COZE_DEMO.workflowId, entity_type: 'workflow' });
    const aId = String(a.body.data?.task_id);
    const bId = String(b.body.data?.task_id);

    const completed = await fetch(`${ctx.url}/_emulator/tasks/${aId}/complete`, { method: 'POST' });
    expect(completed.status).toBe(200);
    expect((await query(ctx.url, aId)).body.data).toMatchObject({ task_status: 'successful' });

    const reasons = [{ entity_id: '1', entity_name: 'kb', entity_type: 'knowledge', failed_reason: 'nope' }];
    const failed = await fetch(`${ctx.url}/_emulator/tasks/${bId}/fail`, { method: 'POST', body: JSON.stringify({ reasons }) });
    expect(failed.status).toBe(200);
    expect((await query(ctx.url, bId)).body.data).toMatchObject({ task_status: 'failed', failed_reasons: reasons });
    // A final task cannot be failed again.
    expect((await fetch(`${ctx.url}/_emulator/tasks/${bId}/fail`, { method: 'POST' })).status).toBe(400);
  });

  it('answers an unknown task id with HTTP 200 and code 4200', async () => {
    const r = await query(ctx.url, '7449999999999999999');
    expect(r.status).toBe(200);
    expect(r.body.code).toBe(4200);
    expect(r.body.data).toBeUndefined();
    expect(r.logid).toBe(r.body.detail?.logid);
  });

  it('refuses a non-numeric task id with HTTP 400 and code 4000', async () => {
    const r = await query(ctx.url, 'not-a-task');
    expect([r.status, r.body.code]).toEqual([400, 4000]);
  });

  it("hides another user's task as if it did not exist", async () => {
    const r = await copy(ctx.url, { entity_id: COZE_DEMO.workflowId, entity_type: 'workflow' });
    const other = await query(ctx.url, String(r.body.data?.task_id), BOB);
    expect(other.body.code).toBe(4200);
    // The same user through another token does see it.
    expect((await query(ctx.url, String(r.body.data?.task_id), WORKFLOW_ONLY)).body.code).toBe(0);
  });

  it('counts calls per route', async () => {
    ctx.emu.control.resetCalls();
    await copy(ctx.url, { entity_id: COZE_DEMO.workflowId, entity_type: 'workflow' });
    await query(ctx.url, '7449999999999999999');
    await query(ctx.url, '7449999999999999998');
    expect(ctx.emu.control.calls(COZE_ROUTES.copy)).toBe(1);
    expect(ctx.emu.control.calls(COZE_ROUTES.task)).toBe(2);
  });
});

describe('Coze emulator: auth, validation and workspace rules', () => {
  const ctx = useEmulator();
  const bot = { entity_id: COZE_DEMO.botId, entity_type: 'bot' };

  it('refuses a request without Authorization with HTTP 401 and code 4100', async () => {
    const r = await copy(ctx.url, bot, null);
    expect([r.status, r.body.code]).toEqual([401, 4100]);
    expect(r.logid).toBe(r.body.detail?.logid);
  });

  it('refuses an unknown token and a token without the Bearer scheme with HTTP 401 and code 4100', async () => {
    expect((await copy(ctx.url, bot, 'pat_nobody')).body.code).toBe(4100);
    const raw = await call(ctx.url, 'POST', '/v1/entities/copy_tasks', { token: null, headers: { authorization: ALICE }, body: bot });
    expect([raw.status, raw.body.code]).toEqual([401, 4100]);
    expect((await query(ctx.url, '7440000000000000001', 'pat_nobody')).status).toBe(401);
  });

  it('refuses a token lacking the scopes of the entity type with HTTP 403 and code 4101', async () => {
    const r = await copy(ctx.url, bot, WORKFLOW_ONLY);
    expect([r.status, r.body.code]).toEqual([403, 4101]);
    expect(r.body.msg).toContain('Bot.duplicate');
    const app = await copy(ctx.url, { entity_id: COZE_DEMO.appId, entity_type: 'app' }, WORKFLOW_ONLY);
    expect([app.status, app.body.code]).toEqual([403, 4101]);
    const wf = await copy(ctx.url, { entity_id: COZE_DEMO.workflowId, entity_type: 'workflow' }, WORKFLOW_ONLY);
    expect(wf.body.code).toBe(0);
  });

  it.each([
    ['a body that is not JSON', '{oops'],
    ['a JSON array', '[]'],
    ['a missing entity_id', JSON.stringify({ entity_type: 'bot' })],
    ['an empty entity_id', JSON.stringify({ entity_id: '', entity_type: 'bot' })],
    ['a numeric entity_id', JSON.stringify({ entity_id: 42, entity_type: 'bot' })],
    ['a non-numeric entity_id', JSON.stringify({ entity_id: 'bot_1', entity_type: 'bot' })],
    ['an unknown entity_type', JSON.stringify({ entity_id: COZE_DEMO.botId, entity_type: 'plugin' })],
    ['a missing entity_type', JSON.stringify({ entity_id: COZE_DEMO.botId })],
    ['a numeric to_workspace_id', JSON.stringify({ ...bot, to_workspace_id: 99 })],
  ])('refuses %s with HTTP 400 and code 4000', async (_what, rawBody) => {
    const r = await call(ctx.url, 'POST', '/v1/entities/copy_tasks', { rawBody, headers: { 'content-type': 'application/json' } });
    expect([r.status, r.body.code]).toEqual([400, 4000]);
    expect(r.body.data).toBeUndefined();
  });

  it('accepts a null to_workspace_id as a same-workspace copy', async () => {
    expect((await copy(ctx.url, { ...bot, to_workspace_id: null })).body.data).toHaveProperty('copied_entity_id');
  });

  it('answers an unknown entity, or an id of another type, with HTTP 200 and code 4200', async () => {
    const unknown = await copy(ctx.url, { entity_id: '7499999999999999999', entity_type: 'bot' });
    expect([unknown.status, unknown.body.code]).toEqual([200, 4200]);
    expect((await copy(ctx.url, { entity_id: COZE_DEMO.workflowId, entity_type: 'bot' })).body.code).toBe(4200);
  });

  it('refuses a caller who is not a member of the source workspace with code 4101', async () => {
    const r = await copy(ctx.url, bot, BOB);
    expect([r.status, r.body.code]).toEqual([200, 4101]);
  });

  it('refuses a target workspace the caller has not joined, or that does not exist, with code 4101', async () => {
    const closed = ctx.emu.addWorkspace({ kind: 'team', teamId: COZE_DEMO.teamId, members: [] });
    expect((await copy(ctx.url, { ...bot, to_workspace_id: closed.id })).body.code).toBe(4101);
    expect((await copy(ctx.url, { ...bot, to_workspace_id: '7499999999999999990' })).body.code).toBe(4101);
  });

  it('refuses to copy out of a personal workspace with code 4000', async () => {
    const r = await copy(ctx.url, { entity_id: COZE_DEMO.personalBotId, entity_type: 'bot', to_workspace_id: COZE_DEMO.teamWorkspaceId });
    expect([r.status, r.body.code]).toEqual([200, 4000]);
    expect(r.body.msg).toContain('个人工作空间');
  });

  it('copies a bot within a personal workspace synchronously', async () => {
    const r = await copy(ctx.url, { entity_id: COZE_DEMO.personalBotId, entity_type: 'bot' });
    expect(ctx.emu.getEntity(String(r.body.data?.copied_entity_id))?.workspaceId).toBe(COZE_DEMO.personalWorkspaceId);
  });

  it('refuses a target in another team, or a personal target, with code 4000', async () => {
    const foreign = ctx.emu.addWorkspace({ kind: 'team', teamId: '7499999999999999000', members: [ALICE_ID] });
    expect((await copy(ctx.url, { ...bot, to_workspace_id: foreign.id })).body.code).toBe(4000);
    expect((await copy(ctx.url, { ...bot, to_workspace_id: COZE_DEMO.personalWorkspaceId })).body.code).toBe(4000);
  });

  it('puts x-tt-logid on replies it does not build itself: unknown paths and injected faults', async () => {
    const missing = await call(ctx.url, 'GET', '/v1/entities/nothing');
    expect(missing.status).toBe(404);
    expect(missing.logid).toMatch(/^\d{14}[0-9A-F]{20}$/);
    ctx.emu.control.injectFault({ route: COZE_ROUTES.copy, status: 502, body: { code: 5000, msg: 'bad gateway' }, times: 1 });
    const faulted = await copy(ctx.url, bot);
    expect(faulted.status).toBe(502);
    expect(faulted.logid).toMatch(/^\d{14}/);
  });
});

describe('Coze emulator: options', () => {
  const ctx = useEmulator({ taskDurationMs: 10_000, rateLimitPerSecond: 2 });

  it('limits to COZE_DEFAULT_RATE_LIMIT (5) calls a second per user and route when no limit is given', async () => {
    const emu = new CozeEmulator({ tokens: { [ALICE]: ALICE_ID } });
    emu.seedDemo();
    emu.addMember(COZE_DEMO.personalWorkspaceId, ALICE_ID);
    const server = await emu.start();
    try {
      // 11 at once: however they fall across a second boundary, one second holds at least 6.
      const answers = await Promise.all(Array.from({ length: 11 }, () => copy(server.url, { entity_id: COZE_DEMO.personalBotId, entity_type: 'bot' })));
      const refused = answers.filter((a) => a.status === 429);
      expect(refused.length).toBeGreaterThanOrEqual(1);
      for (const r of refused) expect(r.body).toMatchObject({ code: 4013 });
      expect(answers.filter((a) => a.status === 200).length).toBeGreaterThanOrEqual(5);
    } finally {
      await emu.close();
    }
  });

  it('uses taskDurationMs for async progress', async () => {
    const r = await copy(ctx.url, { entity_id: COZE_DEMO.workflowId, entity_type: 'workflow' });
    const taskId = String(r.body.data?.task_id);
    ctx.emu.control.clock.advance(9_800);
    expect(ctx.emu.getTask(taskId)?.status).toBe('in_progress');
    ctx.emu.control.clock.advance(200);
    expect(ctx.emu.getTask(taskId)?.status).toBe('successful');
  });

  it('throttles beyond rateLimitPerSecond with HTTP 429 and code 4013 until the next second', async () => {
    // Start at the beginning of a clock second so the three calls share one window.
    ctx.emu.control.clock.advance(1000 - (ctx.emu.control.clock.now() % 1000));
    const codes: number[] = [];
    for (let i = 0; i < 3; i += 1) codes.push((await query(ctx.url, '7449999999999999999')).body.code);
    expect(codes).toEqual([4200, 4200, 4013]);
    const limited = await query(ctx.url, '7449999999999999999');
    expect([limited.status, limited.body.code]).toEqual([429, 4013]);
    // Another route has its own budget.
    expect((await copy(ctx.url, { entity_id: COZE_DEMO.botId, entity_type: 'bot' })).body.code).toBe(0);
    ctx.emu.control.clock.advance(1000);
    expect((await query(ctx.url, '7449999999999999999')).body.code).toBe(4200);
  });
});

describe('Coze emulator: demo data and control routes', () => {
  const ctx = useEmulator();

  it('seeds the demo ids with pat_demo a member of every demo workspace', () => {
    const userId = COZE_DEMO.userId;
    for (const ws of [COZE_DEMO.personalWorkspaceId, COZE_DEMO.teamWorkspaceId, COZE_DEMO.otherTeamWorkspaceId]) {
      expect(ctx.emu.getWorkspace(ws)?.members).toContain(userId);
    }
    expect(ctx.emu.getWorkspace(COZE_DEMO.personalWorkspaceId)?.kind).toBe('personal');
    expect(ctx.emu.getWorkspace(COZE_DEMO.otherTeamWorkspaceId)).toMatchObject({ kind: 'team', teamId: COZE_DEMO.teamId });
    expect(ctx.emu.getEntity(COZE_DEMO.appId)?.workflowIds).toEqual([COZE_DEMO.workflowId]);
    expect(ctx.emu.getEntity(COZE_DEMO.botId)?.type).toBe('bot');
    expect(ctx.emu.getEntity(COZE_DEMO.workflowId)?.type).toBe('workflow');
  });

  it('seeds and reads state through the /_emulator routes', async () => {
    const post = (path: string, body: unknown) => fetch(`${ctx.url}/_emulator${path}`, { method: 'POST', body: JSON.stringify(body) });
    await post('/tokens', { token: 'pat_carol', userId: '7500000000000000003', scopes: ['Bot.duplicate', 'Workspace.createBot'] });
    const ws = (await (await post('/workspaces', { kind: 'team', teamId: COZE_DEMO.teamId, name: 'Carol' })).json()) as { id: string };
    await post(`/workspaces/${ws.id}/members`, { userId: '7500000000000000003' });
    const bot = (await (await post('/entities', { type: 'bot', name: 'Carol bot', workspaceId: ws.id })).json()) as { id: string };

    const r = await copy(ctx.url, { entity_id: bot.id, entity_type: 'bot' }, 'pat_carol');
    const copiedId = String(r.body.data?.copied_entity_id);
    const got = await fetch(`${ctx.url}/_emulator/entities/${copiedId}`);
    expect(await got.json()).toMatchObject({ name: 'Carol bot(副本)', workspaceId: ws.id });
    const list = (await (await fetch(`${ctx.url}/_emulator/workspaces/${ws.id}/entities`)).json()) as unknown[];
    expect(list).toHaveLength(2);
    expect((await fetch(`${ctx.url}/_emulator/entities/7499999999999999999`)).status).toBe(404);
    expect((await post('/entities', { type: 'bot', name: 'x', workspaceId: '1' })).status).toBe(400);
    expect(await (await post('/seed-demo', {})).json()).toEqual(COZE_DEMO);
  });

  it('advances the clock through the generic control route and reads tasks back', async () => {
    const r = await copy(ctx.url, { entity_id: COZE_DEMO.workflowId, entity_type: 'workflow' }, 'pat_demo');
    const taskId = String(r.body.data?.task_id);
    await fetch(`${ctx.url}/_emulator/clock/advance`, { method: 'POST', body: JSON.stringify({ ms: 3000 }) });
    const task = (await (await fetch(`${ctx.url}/_emulator/tasks/${taskId}`)).json()) as { status: string; targetEntityId: string };
    expect(task.status).toBe('successful');
    expect(ctx.emu.getEntity(task.targetEntityId)?.copiedFrom).toBe(COZE_DEMO.workflowId);
  });
});
