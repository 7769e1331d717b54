import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FEISHU_APIS } from '../datasources/feishu-wiki.ts';
import { FEISHU_DEMO, FEISHU_ROUTES, type FeishuEmulator } from '../emulators/feishu.ts';
import { type EmulatorSet, startDemoEmulators } from '../emulators/index.ts';
import { type App, startApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { EmulatorLinkedClock } from './helpers/replicas.ts';
import { ALICE, baseEnv, eventually, type Stack, startStack } from './helpers/stack.ts';

const D = FEISHU_DEMO;

const NODE_FIELDS = /* GraphQL */ `
  fragment NodeFields on WikiNode {
    nodeToken spaceId objToken objType parentNodeToken nodeType originNodeToken originSpaceId hasChild title
    objCreateTime objEditTime nodeCreateTime creator owner nodeCreator url
  }
`;

const COPY = /* GraphQL */ `
  mutation Copy($input: CopyWikiNodeInput!) {
    copyWikiNode(input: $input) {
      __typename
      ... on CopyTask { id provider status isFinal result { __typename ...NodeFields } error { code message upstreamCode logId } }
      ... on InvalidInputError { code message fields { path message } }
      ... on UpstreamError { code message provider upstreamCode upstreamMessage logId retryable retryAfterSeconds }
    }
  }
  ${NODE_FIELDS}
`;

interface Node {
  nodeToken: string;
  spaceId: string;
  objToken: string | null;
  objType: string | null;
  parentNodeToken: string | null;
  nodeType: string | null;
  originNodeToken: string | null;
  hasChild: boolean;
  title: string;
  nodeCreateTime: string | null;
  creator: string | null;
  owner: string | null;
  nodeCreator: string | null;
}
interface CopyAnswer {
  __typename: 'CopyTask' | 'InvalidInputError' | 'UpstreamError';
  id?: string;
  provider?: string;
  status?: string;
  isFinal?: boolean;
  result?: Node & { __typename: string };
  code?: string;
  message?: string;
  fields?: { path: string; message: string }[];
  upstreamCode?: string | null;
  upstreamMessage?: string | null;
  logId?: string | null;
  retryable?: boolean;
  retryAfterSeconds?: number | null;
}

const underTemplates = { spaceId: D.spaceId, nodeToken: D.nodes.onboarding, targetParentToken: D.nodes.templates };

describe('copyWikiNode', () => {
  let stack: Stack;
  let emu: FeishuEmulator;

  const copy = async (input: Record<string, unknown>, headers?: Record<string, string>): Promise<CopyAnswer> =>
    (await stack.data<{ copyWikiNode: CopyAnswer }>(COPY, { input }, headers ? { headers } : {})).copyWikiNode;
  const copyCalls = () => emu.control.calls(FEISHU_ROUTES.copy);
  /** Waits for a task whose outcome is being looked up to be final (its lookups then stop). */
  const settled = (id: string) =>
    eventually(async () => {
      const { copyTask } = await stack.data('query ($id: ID!) { copyTask(id: $id) { status error { code } } }', { id });
      return copyTask.status === 'RUNNING' ? undefined : copyTask;
    });
  const tokenCalls = () => emu.control.calls(FEISHU_ROUTES.token);

  /** A fresh user (member of the demo space), so throttling one identity leaves the others alone. */
  let users = 0;
  const newUser = (): { token: string; openId: string } => {
    users += 1;
    const user = { token: `u-test-user-${users}`, openId: `ou_test_${users}` };
    emu.addUser(user);
    emu.addMember(D.spaceId, user.openId);
    return user;
  };

  beforeAll(async () => {
    stack = await startStack();
    emu = stack.emulators.feishu;
  });
  afterAll(async () => {
    await stack.close();
  });

  it('copies a node under another parent and answers with the new WikiNode, every field typed', async () => {
    const source = emu.node(D.nodes.onboarding);
    const answer = await copy(underTemplates);
    expect(answer).toMatchObject({ __typename: 'CopyTask', provider: 'FEISHU', status: 'SUCCEEDED', isFinal: true });
    const node = answer.result as Node & { __typename: string };
    const stored = emu.node(node.nodeToken);
    expect(stored).toBeDefined();
    expect(stored?.parent_node_token).toBe(D.nodes.templates);
    expect(stored?.obj_token).not.toBe(source?.obj_token);
    expect(node).toEqual({
      __typename: 'WikiNode',
      nodeToken: stored?.node_token,
      spaceId: D.spaceId,
      objToken: stored?.obj_token,
      objType: 'DOCX',
      parentNodeToken: D.nodes.templates,
      nodeType: 'ORIGIN',
      originNodeToken: stored?.node_token,
      originSpaceId: D.spaceId,
      hasChild: false,
      title: 'Onboarding',
      objCreateTime: new Date(Number(stored?.obj_create_time) * 1000).toISOString(),
      objEditTime: new Date(Number(stored?.obj_edit_time) * 1000).toISOString(),
      nodeCreateTime: new Date(Number(stored?.node_create_time) * 1000).toISOString(),
      creator: D.appId,
      owner: D.appId,
      nodeCreator: D.appId,
      url: null,
    });

    // The task keeps the node: reading it back later needs no call to Feishu.
    const before = emu.control.calls();
    const read = await stack.data<{ copyTask: { result: Node } }>(
      `query($id: ID!) { copyTask(id: $id) { result { ... on WikiNode { ...NodeFields } } } } ${NODE_FIELDS}`,
      { id: answer.id },
    );
    expect(read.copyTask.result.nodeToken).toBe(node.nodeToken);
    expect(read.copyTask.result.nodeCreateTime).toBe(node.nodeCreateTime);
    expect(emu.control.calls()).toBe(before);
  });

  it('copies to the top of another space when only targetSpaceId is given', async () => {
    const team = emu.addSpace({ name: 'Team', members: { [D.appId]: 'member' } });
    const answer = await copy({ spaceId: D.spaceId, nodeToken: D.nodes.accounts, targetSpaceId: team.spaceId, targetParentToken: '' });
    expect(answer.result).toMatchObject({ spaceId: team.spaceId, parentNodeToken: null, objType: 'SHEET', title: 'Accounts and tools' });
    expect(emu.children(team.spaceId).map((n) => n.node_token)).toEqual([answer.result?.nodeToken]);
  });

  it('keeps the original title when title is omitted or null, and gives an empty title for an empty string', async () => {
    const omitted = await copy(underTemplates);
    const explicitNull = await copy({ ...underTemplates, title: null });
    const empty = await copy({ ...underTemplates, title: '' });
    const renamed = await copy({ ...underTemplates, title: 'Onboarding (2025)' });
    expect(emu.node(omitted.result?.nodeToken as string)?.title).toBe('Onboarding');
    expect(emu.node(explicitNull.result?.nodeToken as string)?.title).toBe('Onboarding');
    expect(emu.node(empty.result?.nodeToken as string)?.title).toBe('');
    expect(empty.result?.title).toBe('');
    expect(emu.node(renamed.result?.nodeToken as string)?.title).toBe('Onboarding (2025)');
  });

  it('refuses a copy with both targets empty, and sends nothing', async () => {
    const before = emu.control.calls();
    for (const input of [
      { spaceId: D.spaceId, nodeToken: D.nodes.onboarding },
      { spaceId: D.spaceId, nodeToken: D.nodes.onboarding, targetParentToken: '', targetSpaceId: null },
    ]) {
      const answer = await copy(input);
      expect(answer).toMatchObject({ __typename: 'InvalidInputError', code: 'BAD_USER_INPUT' });
      expect(answer.fields?.map((f) => f.path).sort()).toEqual(['targetParentToken', 'targetSpaceId']);
    }
    expect(emu.control.calls()).toBe(before);
  });

  it('refuses empty or spaced tokens, and sends nothing', async () => {
    const before = emu.control.calls();
    const answer = await copy({ spaceId: '', nodeToken: 'wikcn two', targetParentToken: 'x'.repeat(1000) });
    expect(answer.__typename).toBe('InvalidInputError');
    expect(answer.fields?.map((f) => f.path).sort()).toEqual(['nodeToken', 'spaceId', 'targetParentToken']);
    expect(emu.control.calls()).toBe(before);
  });

  it('needs wiki:node:copy or wiki:wiki: an app with neither gets 99991672 (FORBIDDEN, nothing copied), either one copies', async () => {
    emu.addApp({ appId: 'cli_readonly', appSecret: 'ro-secret', scopes: ['wiki:wiki:readonly', 'wiki:node:read'] });
    emu.addMember(D.spaceId, 'cli_readonly');
    const nodesBefore = emu.children(D.spaceId, D.nodes.templates).length;
    const refused = await copy(underTemplates, { 'x-feishu-app-id': 'cli_readonly', 'x-feishu-app-secret': 'ro-secret' });
    expect(refused).toMatchObject({ __typename: 'UpstreamError', code: 'FORBIDDEN', upstreamCode: '99991672', retryable: false });
    expect(emu.children(D.spaceId, D.nodes.templates).length).toBe(nodesBefore);

    emu.addApp({ appId: 'cli_copier', appSecret: 'copier-secret', scopes: ['wiki:node:copy'] });
    emu.addMember(D.spaceId, 'cli_copier');
    const copied = await copy(underTemplates, { 'x-feishu-app-id': 'cli_copier', 'x-feishu-app-secret': 'copier-secret' });
    expect(copied).toMatchObject({ __typename: 'CopyTask', status: 'SUCCEEDED' });
    expect(emu.children(D.spaceId, D.nodes.templates).length).toBe(nodesBefore + 1);
  });

  it('fetches the tenant token once for 20 concurrent copies', async () => {
    emu.addApp({ appId: 'cli_burst', appSecret: 'burst-secret' });
    emu.addMember(D.spaceId, 'cli_burst');
    const headers = { 'x-feishu-app-id': 'cli_burst', 'x-feishu-app-secret': 'burst-secret' };
    const tokensBefore = tokenCalls();
    const answers = await Promise.all(Array.from({ length: 20 }, () => copy(underTemplates, headers)));
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill('SUCCEEDED'));
    expect(tokenCalls() - tokensBefore).toBe(1);
    expect(emu.tokensIssued('cli_burst')).toBe(1);
    expect(answers.every((a) => a.result?.creator === 'cli_burst')).toBe(true);
  });

  it('refreshes an expired tenant token once, and the copies sent with it succeed', async () => {
    await copy(underTemplates); // a cached token for the demo app
    const issued = emu.tokensIssued(D.appId);
    const logBefore = emu.callLog(FEISHU_ROUTES.copy).length;
    // Feishu's clock passes the token's 2 h while copygraph still thinks it good (clock skew, early revocation).
    emu.control.clock.advance(2 * 3600_000 + 60_000);
    const answers = await Promise.all(Array.from({ length: 5 }, () => copy(underTemplates)));
    expect(answers.map((a) => a.status)).toEqual(Array(5).fill('SUCCEEDED'));
    expect(emu.tokensIssued(D.appId) - issued).toBe(1);
    const statuses = emu
      .callLog(FEISHU_ROUTES.copy)
      .slice(logBefore)
      .map((e) => e.status);
    // Each copy: refused once with the expired token (400, 99991677), then sent once more.
    expect(statuses.filter((s) => s === 400)).toHaveLength(5);
    expect(statuses.filter((s) => s === 200)).toHaveLength(5);
  });

  it('refreshes a revoked tenant token (99991663) once, and the copy sent with it succeeds', async () => {
    await copy(underTemplates); // a cached token for the demo app
    const issued = emu.tokensIssued(D.appId);
    const logBefore = emu.callLog(FEISHU_ROUTES.copy).length;
    expect(emu.revokeAppTokens(D.appId)).toBeGreaterThan(0);
    const answer = await copy(underTemplates);
    expect(answer.status).toBe('SUCCEEDED');
    expect(emu.tokensIssued(D.appId) - issued).toBe(1);
    // Refused once with the revoked token (400, 99991663), then sent once more with the new one.
    expect(
      emu
        .callLog(FEISHU_ROUTES.copy)
        .slice(logBefore)
        .map((e) => e.status),
    ).toEqual([400, 200]);
  });

  it('copies as the signed-in user when a user token is sent, without fetching an app token', async () => {
    const mine = emu.addSpace({ name: 'Private', members: { [D.userOpenId]: 'admin' } });
    const page = emu.addNode({ spaceId: mine.spaceId, title: 'My notes' });
    const input = { spaceId: mine.spaceId, nodeToken: page.node_token, targetSpaceId: mine.spaceId };

    const asApp = await copy(input);
    expect(asApp).toMatchObject({ __typename: 'UpstreamError', code: 'FORBIDDEN', upstreamCode: '131006' });

    const tokensBefore = tokenCalls();
    const asUser = await copy(input, { 'x-feishu-user-access-token': D.userToken });
    expect(asUser.status).toBe('SUCCEEDED');
    expect(asUser.result?.creator).toBe(D.userOpenId);
    expect(emu.node(asUser.result?.nodeToken as string)?.node_creator).toBe(D.userOpenId);
    expect(emu.callLog(FEISHU_ROUTES.copy).at(-1)?.caller).toBe(`user:${D.userOpenId}`);
    expect(tokenCalls()).toBe(tokensBefore);
  });

  it('reports an expired user token as UNAUTHENTICATED and does not retry it', async () => {
    const user = newUser();
    emu.expireToken(user.token);
    const before = { copies: copyCalls(), tokens: tokenCalls() };
    const answer = await copy(underTemplates, { 'x-feishu-user-access-token': user.token });
    expect(answer).toMatchObject({ __typename: 'UpstreamError', code: 'UNAUTHENTICATED', provider: 'FEISHU', upstreamCode: '99991677', retryable: false });
    expect(answer.message).toMatch(/sign in again/);
    expect(copyCalls() - before.copies).toBe(1);
    expect(tokenCalls()).toBe(before.tokens);
  });

  it('refuses wrong app credentials sent with the request, even for an app whose token is cached', async () => {
    const before = copyCalls();
    const answer = await copy(underTemplates, { 'x-feishu-app-id': D.appId, 'x-feishu-app-secret': 'not-the-secret' });
    expect(answer).toMatchObject({ __typename: 'UpstreamError', code: 'UNAUTHENTICATED', upstreamCode: '10014' });
    expect(answer.message).not.toContain('not-the-secret');
    expect(copyCalls()).toBe(before);
  });

  it('says which thing was not found, and what permission is missing', async () => {
    const noNode = await copy({ ...underTemplates, nodeToken: 'wikcnNoSuchNode' });
    expect(noNode).toMatchObject({ code: 'NOT_FOUND', upstreamCode: '131005', upstreamMessage: 'node not found', retryable: false });
    expect(noNode.message).toMatch(/node/);
    expect(noNode.logId).toMatch(/^\d{14}[0-9A-F]{20}$/);

    const noSpace = await copy({ ...underTemplates, spaceId: '7999999999999999999' });
    expect(noSpace).toMatchObject({ code: 'NOT_FOUND', upstreamCode: '131005' });
    expect(noSpace.message).toMatch(/space/);

    const closed = emu.addSpace({ name: 'Closed' });
    const target = emu.addNode({ spaceId: closed.spaceId, title: 'Elsewhere' });
    const noPermission = await copy({ ...underTemplates, targetParentToken: target.node_token });
    expect(noPermission).toMatchObject({ code: 'FORBIDDEN', upstreamCode: '131006' });
    expect(noPermission.message).toContain('no destination parent node permission');
  });

  // Every code of the copy page's error table (seed 002) plus 131008; the README's retry-contract table.
  it.each([
    [131001, 'rpc fail', 'OUTCOME_UNKNOWN', false],
    [131002, 'param err', 'BAD_USER_INPUT', false],
    [131003, 'out of limit', 'LIMIT_EXCEEDED', false],
    [131004, 'invalid user', 'FORBIDDEN', false],
    [131005, 'not found', 'NOT_FOUND', false],
    [131006, 'node permission denied', 'FORBIDDEN', false],
    [131007, 'internal err', 'OUTCOME_UNKNOWN', false],
    [131008, 'already exist', 'ALREADY_EXISTS', false],
    [131009, 'lock contention, please retry later.', 'RATE_LIMITED', true],
    [131099, 'a code no document lists', 'OUTCOME_UNKNOWN', false],
  ])('maps wiki error %i (%s) of a copy to %s with the x-tt-logid', async (code, msg, expected, retryable) => {
    emu.control.injectFault({ route: FEISHU_ROUTES.copy, status: 400, body: { code, msg }, headers: { 'x-tt-logid': `log-${code}` }, times: 1 });
    const answer = await copy(underTemplates);
    if (expected === 'OUTCOME_UNKNOWN') {
      // Unknown: answered as the task that looks the copy up (test/outcome.test.ts), the code and log id on its error.
      expect(answer).toMatchObject({ __typename: 'CopyTask', status: 'RUNNING', error: { code: expected, upstreamCode: String(code), logId: `log-${code}` } });
      await settled(answer.id as string);
      return;
    }
    expect(answer).toMatchObject({
      __typename: 'UpstreamError',
      code: expected,
      provider: 'FEISHU',
      upstreamCode: String(code),
      upstreamMessage: msg,
      logId: `log-${code}`,
      retryable,
    });
  });

  it('answers a 429 as RATE_LIMITED with the seconds of x-ogw-ratelimit-reset, and does not retry it', async () => {
    const user = newUser();
    emu.control.injectFault({
      route: FEISHU_ROUTES.copy,
      status: 429,
      body: { code: 99991400, msg: 'request trigger frequency limit' },
      headers: { 'x-ogw-ratelimit-limit': '100', 'x-ogw-ratelimit-reset': '37' },
      times: 1,
    });
    const before = copyCalls();
    const answer = await copy(underTemplates, { 'x-feishu-user-access-token': user.token });
    expect(answer).toMatchObject({ code: 'RATE_LIMITED', upstreamCode: '99991400', retryable: true, retryAfterSeconds: 37 });
    expect(copyCalls() - before).toBe(1);
    // The limiter keeps per-identity state; a user's token is never part of it.
    expect(stack.app.services.feishu.limiterKey(FEISHU_APIS.copy, { userAccessToken: user.token })).not.toContain(user.token);
  });

  it('answers 99991400 on HTTP 400 (older APIs) as RATE_LIMITED too', async () => {
    const user = newUser();
    emu.control.injectFault({
      route: FEISHU_ROUTES.copy,
      status: 400,
      body: { code: 99991400, msg: 'request trigger frequency limit' },
      headers: { 'x-ogw-ratelimit-reset': '5' },
      times: 1,
    });
    const answer = await copy(underTemplates, { 'x-feishu-user-access-token': user.token });
    expect(answer).toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: 5 });
  });

  it('reports a copy whose answer never came as OUTCOME_UNKNOWN and does not send it again', async () => {
    emu.control.injectFault({ route: FEISHU_ROUTES.copy, status: 500, drop: true, times: 1 });
    const before = copyCalls();
    // A title of its own: earlier copies under the same parent must not look like this one (outcome-feishu.ts).
    const answer = await copy({ ...underTemplates, title: `Never answered ${Date.now()}` });
    expect(answer).toMatchObject({ __typename: 'CopyTask', status: 'RUNNING', error: { code: 'OUTCOME_UNKNOWN' } });
    expect(copyCalls() - before).toBe(1);
    // The dropped call copied nothing: the lookup ends the task as not run, without a second copy.
    expect(await settled(answer.id as string)).toMatchObject({ status: 'FAILED', error: { code: 'UPSTREAM_UNAVAILABLE' } });
    expect(copyCalls() - before).toBe(1);
  });

  it('resolves WikiNode references with get_node, once per distinct token, null when not found', async () => {
    const before = emu.control.calls(FEISHU_ROUTES.getNode);
    const { _entities } = await stack.data<{ _entities: (Node | null)[] }>(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on WikiNode { nodeToken title objType parentNodeToken hasChild nodeCreateTime } } }`,
      {
        r: [
          { __typename: 'WikiNode', nodeToken: D.nodes.root },
          { __typename: 'WikiNode', nodeToken: D.nodes.accounts },
          { __typename: 'WikiNode', nodeToken: D.nodes.root },
          { __typename: 'WikiNode', nodeToken: 'wikcnMissing' },
        ],
      },
    );
    expect(_entities).toEqual([
      { nodeToken: D.nodes.root, title: 'Handbook', objType: 'DOCX', parentNodeToken: null, hasChild: true, nodeCreateTime: '2024-06-01T00:00:00.000Z' },
      {
        nodeToken: D.nodes.accounts,
        title: 'Accounts and tools',
        objType: 'SHEET',
        parentNodeToken: D.nodes.onboarding,
        hasChild: false,
        nodeCreateTime: '2024-06-01T00:00:00.000Z',
      },
      { nodeToken: D.nodes.root, title: 'Handbook', objType: 'DOCX', parentNodeToken: null, hasChild: true, nodeCreateTime: '2024-06-01T00:00:00.000Z' },
      null,
    ]);
    expect(emu.control.calls(FEISHU_ROUTES.getNode) - before).toBe(3);
  });

  it('takes `feishu` and `lark` as FEISHU_BASE_URL for the two public domains', () => {
    const env = { COPYGRAPH_DEMO: 'true' };
    expect(loadConfig({ ...env, FEISHU_BASE_URL: 'lark' }).urls.feishu).toBe('https://open.larksuite.com');
    expect(loadConfig({ ...env, FEISHU_BASE_URL: 'feishu' }).urls.feishu).toBe('https://open.feishu.cn');
    expect(loadConfig(env).urls.feishu).toBe('https://open.feishu.cn');
  });
});

describe('client-side rate limit', () => {
  let emulators: EmulatorSet;
  let app: App;
  let clock: EmulatorLinkedClock;
  let dir: string;

  beforeAll(async () => {
    emulators = await startDemoEmulators();
    dir = mkdtempSync(join(tmpdir(), 'copygraph-feishu-'));
    clock = new EmulatorLinkedClock(emulators.feishu.control.clock);
    app = await startApp(loadConfig(baseEnv(emulators, join(dir, 'tasks.sqlite'))), { logger: pino({ level: 'silent' }), rateLimitClock: clock });
  });
  afterAll(async () => {
    await app.stop();
    await emulators.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const copyOnce = async (headers: Record<string, string> = {}): Promise<CopyAnswer> => {
    const res = await fetch(app.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ALICE}`, ...headers },
      body: JSON.stringify({ query: COPY, variables: { input: underTemplates } }),
    });
    const body = (await res.json()) as { data: { copyWikiNode: CopyAnswer } };
    return body.data.copyWikiNode;
  };

  it('queues a burst of 150 copies so that Feishu never sees more than 100 a minute from the app', async () => {
    const emu = emulators.feishu;
    const limiter = app.services.feishu.limiter;
    const key = app.services.feishu.limiterKey(FEISHU_APIS.copy, { appId: D.appId, appSecret: D.appSecret });
    const answers = Promise.all(Array.from({ length: 150 }, () => copyOnce()));

    // 91 go through at once (90, and the first of the 10 slots kept for other principals, which a lone
    // principal gets one every 6 s); the rest wait in copygraph, not at Feishu.
    await eventually(() => {
      const s = limiter.stats(key);
      return s.inFlight === 0 && s.recent >= 91 && s.recent + s.queued === 150 ? true : undefined;
    });
    const sent = emu.callLog(FEISHU_ROUTES.copy).length;
    expect(sent).toBeGreaterThanOrEqual(91);
    expect(sent).toBeLessThanOrEqual(100);

    // A minute of (emulator) time later the window has room again.
    clock.advance(61_000);
    const all = await answers;
    expect(all.map((a) => a.status)).toEqual(Array(150).fill('SUCCEEDED'));

    const log = emu.callLog(FEISHU_ROUTES.copy);
    expect(log).toHaveLength(150);
    expect(log.filter((e) => e.status === 429)).toHaveLength(0);
    for (const e of log) {
      // Feishu's own (fixed, minute-aligned) window, as the emulator counts it…
      expect(emu.callsInWindow(FEISHU_ROUTES.copy, e.at, `app:${D.appId}`)).toBeLessThanOrEqual(100);
      // …and any sliding minute.
      expect(log.filter((x) => x.at >= e.at && x.at < e.at + 60_000).length).toBeLessThanOrEqual(100);
    }
    expect(new Set(all.map((a) => a.result?.nodeToken)).size).toBe(150);
  });

  it('holds an identity back until x-ogw-ratelimit-reset after a 429, instead of sending more', async () => {
    const emu = emulators.feishu;
    const limiter = app.services.feishu.limiter;
    const headers = { 'x-feishu-user-access-token': D.userToken };
    const key = app.services.feishu.limiterKey(FEISHU_APIS.copy, { userAccessToken: D.userToken });
    emu.control.injectFault({
      route: FEISHU_ROUTES.copy,
      status: 429,
      body: { code: 99991400, msg: 'request trigger frequency limit' },
      headers: { 'x-ogw-ratelimit-reset': '30' },
      times: 1,
    });
    expect(await copyOnce(headers)).toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: 30 });
    const sent = emu.control.calls(FEISHU_ROUTES.copy);

    const next = copyOnce(headers);
    await eventually(() => (limiter.stats(key).queued === 1 ? true : undefined));
    expect(emu.control.calls(FEISHU_ROUTES.copy)).toBe(sent);
    clock.advance(30_000);
    expect(await next).toMatchObject({ __typename: 'CopyTask', status: 'SUCCEEDED' });
    expect(emu.control.calls(FEISHU_ROUTES.copy)).toBe(sent + 1);
  });
});
