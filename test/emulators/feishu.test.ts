import { request as httpRequest } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FEISHU_DEMO, FEISHU_ROUTES, FeishuEmulator, type FeishuWikiNode } from '../../emulators/feishu.js';
import type { RunningServer } from '../../emulators/http.js';

const D = FEISHU_DEMO;
let emu: FeishuEmulator;
let server: RunningServer;

beforeEach(async () => {
  emu = new FeishuEmulator({
    apps: [
      { appId: 'cli_other', appSecret: 'other-secret' },
      { appId: 'cli_off', appSecret: 'off', enabled: false },
    ],
  });
  emu.seedDemo();
  server = await emu.start();
});
afterEach(async () => {
  await emu.close();
});

interface Reply {
  status: number;
  headers: Headers;
  body: {
    code: number;
    msg: string;
    data?: { node: FeishuWikiNode };
    tenant_access_token?: string;
    expire?: number;
  };
}

async function call(path: string, init: { method?: string; token?: string; auth?: string; body?: unknown } = {}): Promise<Reply> {
  const headers: Record<string, string> = {
    'content-type': 'application/json; charset=utf-8',
  };
  if (init.auth !== undefined) headers.authorization = init.auth;
  else if (init.token !== undefined) headers.authorization = `Bearer ${init.token}`;
  const res = await fetch(`${server.url}${path}`, {
    method: init.method ?? 'POST',
    headers,
    ...(init.body === undefined
      ? {}
      : {
          body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body),
        }),
  });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    body: text.startsWith('{') ? JSON.parse(text) : { code: -1, msg: text },
  };
}

const tokenCall = (appId: string = D.appId, appSecret: string = D.appSecret) =>
  call('/open-apis/auth/v3/tenant_access_token/internal', {
    body: { app_id: appId, app_secret: appSecret },
  });

async function tenantToken(appId: string = D.appId, appSecret: string = D.appSecret): Promise<string> {
  const r = await tokenCall(appId, appSecret);
  return r.body.tenant_access_token as string;
}

const copy = (token: string, body: unknown, spaceId: string = D.spaceId, nodeToken: string = D.nodes.onboarding) =>
  call(`/open-apis/wiki/v2/spaces/${spaceId}/nodes/${nodeToken}/copy`, {
    token,
    body,
  });

const getNode = (token: string, query: string) => call(`/open-apis/wiki/v2/spaces/get_node?${query}`, { method: 'GET', token });

/** Moves the emulator clock to `offsetMs` past the start of the next one-minute window. */
function alignToWindow(offsetMs = 0): void {
  const now = emu.control.clock.now();
  emu.control.clock.advance(60_000 - (now % 60_000) + offsetMs);
}

describe('tenant_access_token/internal', () => {
  it('issues a t- token with top-level fields, a 2 h expire and an x-tt-logid header', async () => {
    const r = await tokenCall();
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      code: 0,
      msg: 'ok',
      tenant_access_token: expect.stringMatching(/^t-[0-9a-f]{40}$/),
      expire: 7200,
    });
    expect(r.headers.get('x-tt-logid')).toMatch(/^\d{14}[0-9A-F]{20}$/);
    expect(emu.tokensIssued(D.appId)).toBe(1);
  });

  it('returns the same token with a smaller expire while at least 30 minutes remain', async () => {
    const first = await tokenCall();
    emu.control.clock.advance(89 * 60_000);
    const again = await tokenCall();
    expect(again.body.tenant_access_token).toBe(first.body.tenant_access_token);
    // Real time moves the clock on a little between the calls.
    expect(again.body.expire).toBeGreaterThanOrEqual(31 * 60 - 1);
    expect(again.body.expire).toBeLessThanOrEqual(31 * 60);
    expect(emu.tokensIssued(D.appId)).toBe(1);
  });

  it('issues a new token when fewer than 30 minutes remain and keeps the old one valid until its expiry', async () => {
    const old = await tenantToken();
    emu.control.clock.advance(91 * 60_000);
    const fresh = await tokenCall();
    expect(fresh.body.tenant_access_token).not.toBe(old);
    expect(fresh.body.expire).toBe(7200);
    expect(emu.tokensIssued(D.appId)).toBe(2);
    expect((await getNode(old, `token=${D.nodes.root}`)).body.code).toBe(0);

    emu.control.clock.advance(29 * 60_000 + 1_000);
    const expired = await getNode(old, `token=${D.nodes.root}`);
    expect(expired.status).toBe(400);
    expect(expired.body).toEqual({
      code: 99991677,
      msg: 'Authentication token expired',
    });
    expect((await getNode(fresh.body.tenant_access_token as string, `token=${D.nodes.root}`)).body.code).toBe(0);
  });

  it('refuses a missing field or a non-JSON body with HTTP 400 and code 10003', async () => {
    const missing = await call('/open-apis/auth/v3/tenant_access_token/internal', { body: { app_id: D.appId } });
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual({ code: 10003, msg: 'invalid param' });
    const garbage = await call('/open-apis/auth/v3/tenant_access_token/internal', { body: 'app_id=cli_demo' });
    expect(garbage.body.code).toBe(10003);
    const wrongType = await call('/open-apis/auth/v3/tenant_access_token/internal', { body: { app_id: D.appId, app_secret: 42 } });
    expect(wrongType.body.code).toBe(10003);
  });

  it('refuses an unknown app, a wrong secret and a disabled app with HTTP 400 and code 10014', async () => {
    expect((await tokenCall('cli_nope', 'x')).body).toEqual({
      code: 10014,
      msg: 'app id not exists',
    });
    const wrong = await tokenCall(D.appId, 'wrong');
    expect(wrong.status).toBe(400);
    expect(wrong.body).toEqual({ code: 10014, msg: 'app secret invalid' });
    expect((await tokenCall('cli_off', 'off')).body).toEqual({
      code: 10014,
      msg: 'app unauthorized',
    });
    expect(emu.tokensIssued()).toBe(0);
  });

  it('answers 99991677 for a token expired through control and then issues a new one', async () => {
    const token = await tenantToken();
    emu.expireToken(token);
    expect((await getNode(token, `token=${D.nodes.root}`)).body.code).toBe(99991677);
    const fresh = await tenantToken();
    expect(fresh).not.toBe(token);
    expect(emu.tokensIssued(D.appId)).toBe(2);
  });

  it('answers 99991663 for a revoked tenant token', async () => {
    const token = await tenantToken();
    emu.revokeToken(token);
    const r = await getNode(token, `token=${D.nodes.root}`);
    expect(r.status).toBe(400);
    expect(r.body.code).toBe(99991663);
  });
});

describe('authorization on the wiki APIs', () => {
  it('answers HTTP 400 + 99991661 "Need a token" without a bearer Authorization header', async () => {
    const none = await call(`/open-apis/wiki/v2/spaces/get_node?token=${D.nodes.root}`, { method: 'GET' });
    expect(none.status).toBe(400);
    expect(none.body).toEqual({ code: 99991661, msg: 'Need a token' });
    expect(none.headers.get('x-tt-logid')).toBeTruthy();
    const noBearer = await call(`/open-apis/wiki/v2/spaces/get_node?token=${D.nodes.root}`, { method: 'GET', auth: await tenantToken() });
    expect(noBearer.body.code).toBe(99991661);
    expect(
      (
        await call(`/open-apis/wiki/v2/spaces/get_node?token=x`, {
          method: 'GET',
          auth: 'Bearer ',
        })
      ).body.code,
    ).toBe(99991661);
  });

  it('answers 99991671 for a token that starts with neither t- nor u-', async () => {
    const r = await getNode('abc123', `token=${D.nodes.root}`);
    expect(r.status).toBe(400);
    expect(r.body.code).toBe(99991671);
  });

  it('answers 99991663 for an unknown tenant token and 99991668 for an unknown user token', async () => {
    const t = await getNode('t-0000', `token=${D.nodes.root}`);
    expect(t.status).toBe(400);
    expect(t.body).toEqual({
      code: 99991663,
      msg: 'Invalid access token for authorization. Please make a request with token attached.',
    });
    const u = await copy('u-unknown', {
      target_parent_token: D.nodes.templates,
    });
    expect(u.status).toBe(400);
    expect(u.body.code).toBe(99991668);
  });

  it('answers 99991677 once a seeded user token has expired', async () => {
    emu.addUser({ token: 'u-short', openId: D.userOpenId, expiresInSec: 60 });
    expect((await getNode('u-short', `token=${D.nodes.root}`)).body.code).toBe(0);
    emu.control.clock.advance(61_000);
    expect((await getNode('u-short', `token=${D.nodes.root}`)).body.code).toBe(99991677);
  });

  it('sends x-tt-logid on unknown paths too', async () => {
    const r = await call('/open-apis/wiki/v2/nope', { method: 'GET' });
    expect(r.status).toBe(404);
    expect(r.headers.get('x-tt-logid')).toBeTruthy();
  });
});

describe('rate limiting', () => {
  it('refuses the 101st call of a minute with 429, x-ogw-ratelimit headers and 99991400, then recovers in the next window', async () => {
    const token = await tenantToken();
    alignToWindow(8_000);
    for (let i = 0; i < 100; i++) expect((await getNode(token, `token=${D.nodes.root}`)).status).toBe(200);
    const limited = await getNode(token, `token=${D.nodes.root}`);
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual({
      code: 99991400,
      msg: 'request trigger frequency limit',
    });
    expect(limited.headers.get('x-ogw-ratelimit-limit')).toBe('100');
    // 52 s are left in the window (60 - 8), less the real time the 100 calls took (seconds under load).
    const reset = Number(limited.headers.get('x-ogw-ratelimit-reset'));
    expect(reset).toBeGreaterThanOrEqual(30);
    expect(reset).toBeLessThanOrEqual(52);
    expect(limited.headers.get('x-tt-logid')).toBeTruthy();
    expect(emu.callsInWindow(FEISHU_ROUTES.getNode)).toBe(101);

    emu.control.clock.advance(52_000);
    expect((await getNode(token, `token=${D.nodes.root}`)).status).toBe(200);
    expect(emu.callsInWindow(FEISHU_ROUTES.getNode)).toBe(1);
  });

  it('counts each API separately and each caller separately', async () => {
    const token = await tenantToken();
    alignToWindow();
    for (let i = 0; i < 100; i++) await getNode(token, `token=${D.nodes.root}`);
    expect((await getNode(token, `token=${D.nodes.root}`)).status).toBe(429);
    // copy has its own budget; the user token is another caller.
    expect((await copy(token, { target_parent_token: D.nodes.templates })).status).toBe(200);
    expect((await getNode(D.userToken, `token=${D.nodes.root}`)).status).toBe(200);
    expect(emu.callsInWindow(FEISHU_ROUTES.copy)).toBe(1);
    expect(emu.callsInWindow(FEISHU_ROUTES.getNode, undefined, `user:${D.userOpenId}`)).toBe(1);
  });

  it('logs every call with its emulator-clock time so calls per minute can be counted', async () => {
    const token = await tenantToken();
    alignToWindow();
    const start = emu.control.clock.now();
    await getNode(token, `token=${D.nodes.root}`);
    emu.control.clock.advance(60_000);
    await getNode(token, `token=${D.nodes.root}`);
    await getNode('t-bogus', `token=${D.nodes.root}`);
    const log = emu.callLog(FEISHU_ROUTES.getNode);
    expect(log.map((e) => e.status)).toEqual([200, 200, 400]);
    expect(log[0]?.caller).toBe(`app:${D.appId}`);
    expect(log[2]?.caller).toBeUndefined();
    expect(emu.callsInWindow(FEISHU_ROUTES.getNode, start)).toBe(1);
    expect(emu.callsInWindow(FEISHU_ROUTES.getNode)).toBe(2);
  });
});

describe('copy node', () => {
  it('copies only the node under the target parent with new tokens and the caller as creator', async () => {
    const token = await tenantToken();
    const r = await copy(token, { target_parent_token: D.nodes.templates });
    expect(r.status).toBe(200);
    expect(r.body.code).toBe(0);
    expect(r.body.msg).toBe('success');
    const node = r.body.data?.node as FeishuWikiNode;
    const source = emu.node(D.nodes.onboarding);
    expect(node).toMatchObject({
      space_id: D.spaceId,
      parent_node_token: D.nodes.templates,
      node_type: 'origin',
      obj_type: 'docx',
      origin_space_id: D.spaceId,
      has_child: false,
      title: 'Onboarding',
      creator: D.appId,
      owner: D.appId,
      node_creator: D.appId,
    });
    expect(node.node_token).toMatch(/^wikcn/);
    expect(node.node_token).not.toBe(D.nodes.onboarding);
    expect(node.origin_node_token).toBe(node.node_token);
    expect(node.obj_token).toMatch(/^doxcn/);
    expect(node.obj_token).not.toBe(source?.obj_token);
    expect(node.node_create_time).toBe(String(Math.floor(emu.control.clock.now() / 1000)));

    expect(emu.children(D.spaceId, D.nodes.templates).map((n) => n.node_token)).toEqual([node.node_token]);
    expect(emu.children(D.spaceId, node.node_token)).toEqual([]);
    expect(emu.node(D.nodes.templates)?.has_child).toBe(true);
    expect(emu.children(D.spaceId, D.nodes.onboarding)).toHaveLength(2);
  });

  it('accepts the request exactly as the node SDK sends it and sets an explicit title', async () => {
    const token = await tenantToken();
    const res = await fetch(`${server.url}/open-apis/wiki/v2/spaces/${D.spaceId}/nodes/${D.nodes.firstWeek}/copy`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${token}`,
        'user-agent': 'oapi-node-sdk/1.74.0',
      },
      body: JSON.stringify({
        target_parent_token: D.nodes.templates,
        title: 'Copy',
      }),
    });
    const body = (await res.json()) as Reply['body'];
    expect(res.status).toBe(200);
    expect(body.data?.node.title).toBe('Copy');
  });

  it('keeps the original title when title is omitted and sets an empty one when title is ""', async () => {
    const token = await tenantToken();
    const kept = await copy(token, { target_parent_token: D.nodes.templates }, D.spaceId, D.nodes.accounts);
    expect(kept.body.data?.node.title).toBe('Accounts and tools');
    expect(kept.body.data?.node.obj_type).toBe('sheet');
    expect(kept.body.data?.node.obj_token).toMatch(/^shtcn/);
    const empty = await copy(token, { target_parent_token: D.nodes.templates, title: '' }, D.spaceId, D.nodes.accounts);
    expect(empty.body.data?.node.title).toBe('');
    expect(emu.node(empty.body.data?.node.node_token ?? '')?.title).toBe('');
  });

  it('copies to the top level of target_space_id when no parent is given', async () => {
    emu.addSpace({
      spaceId: '7000000000000000002',
      name: 'Archive',
      members: { [D.userOpenId]: 'member' },
    });
    const r = await copy(D.userToken, {
      target_space_id: '7000000000000000002',
    });
    expect(r.status).toBe(200);
    expect(r.body.data?.node).toMatchObject({
      space_id: '7000000000000000002',
      parent_node_token: '',
      creator: D.userOpenId,
      owner: D.userOpenId,
    });
    expect(emu.children('7000000000000000002').map((n) => n.title)).toEqual(['Onboarding']);
  });

  it('decodes percent-encoded path segments', async () => {
    emu.addNode({
      spaceId: D.spaceId,
      nodeToken: 'wikcn odd/tok',
      title: 'Odd',
      parentNodeToken: D.nodes.root,
    });
    const token = await tenantToken();
    const r = await copy(token, { target_parent_token: D.nodes.templates }, D.spaceId, encodeURIComponent('wikcn odd/tok'));
    expect(r.status).toBe(200);
    expect(r.body.data?.node.title).toBe('Odd');
  });

  it('answers HTTP 400 + 131002 when both targets are empty or a field has the wrong type', async () => {
    const token = await tenantToken();
    for (const body of [
      {},
      { target_parent_token: '', target_space_id: '' },
      { target_parent_token: D.nodes.templates, title: 5 },
      { target_parent_token: 'x'.repeat(1000) },
      '{not json',
    ]) {
      const r = await copy(token, body);
      expect(r.status).toBe(400);
      expect(r.body).toEqual({ code: 131002, msg: 'param err' });
    }
    expect(emu.children(D.spaceId, D.nodes.templates)).toEqual([]);
  });

  it('answers 131005 for an unknown space, source node, target parent or target space', async () => {
    const token = await tenantToken();
    expect((await copy(token, { target_parent_token: D.nodes.templates }, '123')).body).toEqual({ code: 131005, msg: 'space not found' });
    expect((await copy(token, { target_parent_token: D.nodes.templates }, D.spaceId, 'wikcnNOPE')).body).toEqual({
      code: 131005,
      msg: 'node not found',
    });
    expect((await copy(token, { target_parent_token: 'wikcnNOPE' })).body).toEqual({ code: 131005, msg: 'node not found' });
    expect((await copy(token, { target_space_id: '999' })).body).toEqual({
      code: 131005,
      msg: 'space not found',
    });
    const r = await copy(token, {
      target_parent_token: D.nodes.templates,
      target_space_id: '999',
    });
    expect(r.status).toBe(400);
    expect(r.body.code).toBe(131005);
  });

  it('answers 131006 when the caller is not a member of the source or the target space', async () => {
    const other = await tenantToken('cli_other', 'other-secret');
    expect((await copy(other, { target_parent_token: D.nodes.templates })).body).toEqual({
      code: 131006,
      msg: 'wiki space permission denied',
    });
    emu.addSpace({
      spaceId: '7000000000000000003',
      name: 'Private',
      members: { ou_someone: 'admin' },
    });
    const app = await tenantToken();
    const r = await copy(app, { target_space_id: '7000000000000000003' });
    expect(r.status).toBe(400);
    expect(r.body).toEqual({
      code: 131006,
      msg: 'no destination parent node permission',
    });
    expect(emu.children('7000000000000000003')).toEqual([]);
  });

  it('answers 131003 when the target parent already has 2000 children', async () => {
    const parent = emu.addNode({
      spaceId: D.spaceId,
      title: 'Crowded',
      parentNodeToken: D.nodes.root,
    });
    for (let i = 0; i < 2000; i++)
      emu.addNode({
        spaceId: D.spaceId,
        title: `c${i}`,
        parentNodeToken: parent.node_token,
      });
    const token = await tenantToken();
    const r = await copy(token, { target_parent_token: parent.node_token });
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ code: 131003, msg: 'out of limit' });
    expect(emu.children(D.spaceId, parent.node_token)).toHaveLength(2000);
  });
});

describe('get_node', () => {
  it('accepts the node SDK GET with a JSON body {} and returns the node', async () => {
    const token = await tenantToken();
    const { status, body } = await new Promise<{
      status: number;
      body: string;
    }>((resolve, reject) => {
      const req = httpRequest(
        `${server.url}/open-apis/wiki/v2/spaces/get_node?token=${D.nodes.onboarding}&obj_type=wiki`,
        {
          method: 'GET',
          headers: {
            'content-type': 'application/json',
            authorization: `Bearer ${token}`,
            'content-length': '2',
          },
        },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        },
      );
      req.on('error', reject);
      req.end('{}');
    });
    expect(status).toBe(200);
    expect(JSON.parse(body)).toEqual({
      code: 0,
      msg: 'success',
      data: { node: emu.node(D.nodes.onboarding) },
    });
    expect(emu.node(D.nodes.onboarding)?.has_child).toBe(true);
  });

  it('defaults obj_type to wiki and finds a document by its obj_token with the real obj_type', async () => {
    const sheet = emu.node(D.nodes.accounts);
    expect((await getNode(D.userToken, `token=${D.nodes.accounts}`)).body.data?.node.title).toBe('Accounts and tools');
    const byDoc = await getNode(D.userToken, `token=${sheet?.obj_token}&obj_type=sheet`);
    expect(byDoc.body.data?.node.node_token).toBe(D.nodes.accounts);
    expect((await getNode(D.userToken, `token=${sheet?.obj_token}&obj_type=docx`)).body).toEqual({
      code: 131005,
      msg: 'document not found',
    });
  });

  it('answers 131005 for an unknown node, 131002 without token and 131006 for a non-member', async () => {
    expect((await getNode(D.userToken, 'token=wikcnNOPE')).body).toEqual({
      code: 131005,
      msg: 'node not found',
    });
    const missing = await getNode(D.userToken, 'obj_type=wiki');
    expect(missing.status).toBe(400);
    expect(missing.body.code).toBe(131002);
    expect((await getNode(D.userToken, `token=${D.nodes.root}&obj_type=pdf`)).body.code).toBe(131002);
    const other = await tenantToken('cli_other', 'other-secret');
    expect((await getNode(other, `token=${D.nodes.root}`)).body).toEqual({
      code: 131006,
      msg: 'node permission denied',
    });
  });
});

describe('demo data and control routes', () => {
  it('seeds the Handbook space with Onboarding (two children) and an empty Templates parent', () => {
    expect(emu.space(D.spaceId)).toEqual({
      spaceId: D.spaceId,
      name: 'Handbook',
      members: { [D.appId]: 'member', [D.userOpenId]: 'admin' },
    });
    expect(emu.children(D.spaceId).map((n) => n.title)).toEqual(['Handbook']);
    expect(emu.children(D.spaceId, D.nodes.root).map((n) => n.title)).toEqual(['Onboarding', 'Templates']);
    expect(emu.children(D.spaceId, D.nodes.onboarding).map((n) => n.node_token)).toEqual([D.nodes.firstWeek, D.nodes.accounts]);
    expect(emu.node(D.nodes.templates)?.has_child).toBe(false);
  });

  it('seeds and inspects state, expires tokens and counts issuance through /_emulator routes', async () => {
    const ctl = (path: string, method = 'GET', body?: unknown) =>
      fetch(`${server.url}/_emulator${path}`, {
        method,
        ...(body === undefined
          ? {}
          : {
              body: JSON.stringify(body),
              headers: { 'content-type': 'application/json' },
            }),
      });
    expect((await ctl('/apps', 'POST', { appId: 'cli_x', appSecret: 'sx' })).status).toBe(204);
    const space = (await (await ctl('/spaces', 'POST', { name: 'X', members: { cli_x: 'admin' } })).json()) as { spaceId: string };
    expect(space.spaceId).toMatch(/^\d{19}$/);
    const node = (await (await ctl('/nodes', 'POST', { spaceId: space.spaceId, title: 'Doc' })).json()) as { node_token: string };
    expect(
      (
        await ctl(`/spaces/${space.spaceId}/members`, 'POST', {
          memberId: D.userOpenId,
        })
      ).status,
    ).toBe(204);

    const token = await tenantToken('cli_x', 'sx');
    expect((await copy(token, { target_space_id: space.spaceId }, space.spaceId, node.node_token)).status).toBe(200);
    const children = (await (await ctl(`/spaces/${space.spaceId}/children`)).json()) as { title: string }[];
    expect(children.map((c) => c.title)).toEqual(['Doc', 'Doc']);
    expect(await (await ctl('/tokens-issued?app_id=cli_x')).json()).toEqual({
      count: 1,
    });
    expect(await (await ctl(`/calls-in-window?route=${encodeURIComponent(FEISHU_ROUTES.copy)}`)).json()).toEqual({ count: 1 });

    expect((await ctl(`/tokens/${token}/expire`, 'POST')).status).toBe(204);
    expect((await copy(token, { target_space_id: space.spaceId }, space.spaceId, node.node_token)).body.code).toBe(99991677);
    expect((await ctl('/tokens/t-unknown/expire', 'POST')).status).toBe(400);
    expect(emu.control.calls(FEISHU_ROUTES.copy)).toBe(2);
  });
});
