/**
 * Unknown outcomes resolved by looking upstream. copygraph talks to the emulators through a loopback
 * gateway that, when armed, forwards the copy call and then loses its answer (drops the connection or
 * answers 504 itself), or loses the call without forwarding it. The task must end as what really
 * happened upstream: SUCCEEDED with the real copy when it ran, "did not run" when it never got there.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from 'graphql-ws';
import { pino } from 'pino';
import WebSocket from 'ws';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BLUE_DEMO } from '../emulators/blue.ts';
import { FEISHU_DEMO, FEISHU_ROUTES } from '../emulators/feishu.ts';
import { type EmulatorSet, startDemoEmulators } from '../emulators/index.ts';
import { type App, startApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { ALICE, baseEnv, collect, eventually } from './helpers/stack.ts';

/** How the gateway treats the next matching call. */
interface Arming {
  readonly match: (method: string, path: string, body: string) => boolean;
  /** Send it on to the upstream (and wait for its answer) before losing the answer. */
  readonly forward: boolean;
  /** What copygraph gets instead of the answer. */
  readonly answer: 'drop' | 504;
}

interface Gateway {
  readonly url: string;
  arm(arming: Arming): void;
  /** Calls that matched an arming (lost answers). */
  lost: number;
  close(): Promise<void>;
}

function readAll(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** A reverse proxy on loopback in front of `target` (an emulator's base URL). */
async function startGateway(target: string): Promise<Gateway> {
  const upstream = new URL(target);
  let armed: Arming | undefined;
  const forward = (req: IncomingMessage, body: Buffer) =>
    new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }>((resolve, reject) => {
      const out = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (res) => {
        readAll(res).then((b) => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: b }), reject);
      });
      out.on('error', reject);
      out.end(body);
    });
  const gateway: Gateway = {
    url: '',
    lost: 0,
    arm(a) {
      armed = a;
    },
    close: () => new Promise((r) => server.close(() => r())),
  };
  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await readAll(req);
      const arming = armed;
      if (arming?.match(req.method ?? '', req.url ?? '', body.toString('utf8'))) {
        armed = undefined;
        gateway.lost += 1;
        if (arming.forward) await forward(req, body);
        if (arming.answer === 'drop') {
          req.socket.destroy();
          return;
        }
        res.writeHead(504, { 'content-type': 'text/html' });
        res.end('<html><body><h1>504 Gateway Time-out</h1></body></html>');
        return;
      }
      const answer = await forward(req, body);
      res.writeHead(answer.status, answer.headers);
      res.end(answer.body);
    })().catch(() => res.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return Object.assign(gateway, { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
}

const TASK = `query ($id: ID!) {
  copyTask(id: $id) {
    id status error { code message }
    result { __typename ... on StorageObject { bucket key hash } ... on WikiNode { nodeToken title parentNodeToken } ... on BlueTodo { id } }
  }
}`;
const COPY_WIKI_NODE = `mutation ($input: CopyWikiNodeInput!) {
  copyWikiNode(input: $input) {
    __typename
    ... on CopyTask { id status isFinal error { code message } }
    ... on CopyError { code message }
  }
}`;
const COPY_OBJECT = `mutation ($input: CopyObjectInput!) {
  copyObject(input: $input) {
    __typename
    ... on CopyTask { id status isFinal error { code message } }
    ... on CopyError { code message }
  }
}`;

let emulators: EmulatorSet;
let qiniuGateway: Gateway;
let feishuGateway: Gateway;
let blueGateway: Gateway;
let app: App;
let dir: string;

beforeAll(async () => {
  emulators = await startDemoEmulators();
  qiniuGateway = await startGateway(emulators.urls.qiniuRs);
  feishuGateway = await startGateway(emulators.urls.feishu);
  blueGateway = await startGateway(emulators.urls.blue);
  dir = mkdtempSync(join(tmpdir(), 'copygraph-outcome-'));
  const config = loadConfig({
    ...baseEnv(emulators, join(dir, 'tasks.sqlite')),
    QINIU_RS_URL: qiniuGateway.url,
    FEISHU_BASE_URL: feishuGateway.url,
    BLUE_ENDPOINT: `${blueGateway.url}/graphql`,
  });
  app = await startApp(config, { logger: pino({ level: 'silent' }) });
});
afterAll(async () => {
  await app.stop();
  await qiniuGateway.close();
  await feishuGateway.close();
  await blueGateway.close();
  await emulators.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  emulators.qiniu.control.resetCalls();
});

async function gql(query: string, variables: Record<string, unknown>) {
  const res = await fetch(app.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ALICE}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: Record<string, any>; errors?: unknown };
  if (!body.data) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

const finalTask = (id: string) =>
  eventually(async () => {
    const { copyTask } = await gql(TASK, { id });
    return ['SUCCEEDED', 'FAILED'].includes(copyTask.status) ? copyTask : undefined;
  }, 20_000);

let n = 0;
const src = { bucket: 'demo-photos', key: 'photos/sunflower.jpg' };
const freshDst = () => ({ bucket: 'demo-backup', key: `outcome/${Date.now()}-${n++}.jpg` });
const isCopy = (method: string, path: string) => method === 'POST' && path.startsWith('/copy/');

describe('Qiniu: a copy whose answer was lost', () => {
  it('ran upstream (forwarded, then the connection dropped): the task ends SUCCEEDED with the real object, published to subscribers', async () => {
    const destination = freshDst();
    qiniuGateway.arm({ match: isCopy, forward: true, answer: 'drop' });
    const { copyObject } = await gql(COPY_OBJECT, { input: { source: src, destination } });
    expect(copyObject).toMatchObject({ __typename: 'CopyTask', status: 'RUNNING', isFinal: false, error: { code: 'OUTCOME_UNKNOWN' } });
    expect(qiniuGateway.lost).toBeGreaterThan(0);
    const ws = createClient({ url: app.wsUrl, webSocketImpl: WebSocket, retryAttempts: 0, connectionParams: { authorization: `Bearer ${ALICE}` } });
    try {
      const states = await collect(ws, `subscription ($id: ID!) { copyTaskUpdated(id: $id) { status error { code } } }`, { id: copyObject.id });
      expect(states.at(-1)).toEqual({ copyTaskUpdated: { status: 'SUCCEEDED', error: null } });
    } finally {
      await ws.dispose();
    }
    const task = await finalTask(copyObject.id);
    const copied = emulators.qiniu.getObject(destination.bucket, destination.key);
    expect(copied).toBeDefined();
    expect(task).toMatchObject({ status: 'SUCCEEDED', error: null, result: { __typename: 'StorageObject', ...destination, hash: copied?.hash } });
    expect(emulators.qiniu.control.calls('copy')).toBe(1);
  });

  it('never reached the upstream: the task ends FAILED as not run, and nothing was copied', async () => {
    const destination = freshDst();
    qiniuGateway.arm({ match: isCopy, forward: false, answer: 'drop' });
    const { copyObject } = await gql(COPY_OBJECT, { input: { source: src, destination } });
    expect(copyObject).toMatchObject({ __typename: 'CopyTask', status: 'RUNNING', error: { code: 'OUTCOME_UNKNOWN' } });
    const task = await finalTask(copyObject.id);
    expect(task).toMatchObject({ status: 'FAILED', result: null, error: { code: 'UPSTREAM_UNAVAILABLE' } });
    expect(task.error.message).toMatch(/did not run/);
    expect(task.error.message).toContain(destination.key);
    expect(emulators.qiniu.control.calls('copy')).toBe(0);
    expect(emulators.qiniu.getObject(destination.bucket, destination.key)).toBeUndefined();
  });

  it('cannot be told (another content at the destination): the task ends FAILED OUTCOME_UNKNOWN saying what was checked', async () => {
    const destination = freshDst();
    // The gateway loses the call, and meanwhile someone else put other content at the destination.
    emulators.qiniu.putObject(destination.bucket, destination.key, 'someone else');
    qiniuGateway.arm({ match: isCopy, forward: false, answer: 'drop' });
    const { copyObject } = await gql(COPY_OBJECT, { input: { source: src, destination, overwrite: true } });
    const task = await finalTask(copyObject.id);
    expect(task).toMatchObject({ status: 'FAILED', error: { code: 'OUTCOME_UNKNOWN' } });
    expect(task.error.message).toMatch(/checked that .* exists with a content \(hash\) other than the source's/);
  });
});

describe('Feishu: a node copy whose answer was lost', () => {
  const D = FEISHU_DEMO;
  const isNodeCopy = (method: string, path: string) => method === 'POST' && /\/nodes\/[^/]+\/copy$/.test(path);
  const copies = () => emulators.feishu.control.calls(FEISHU_ROUTES.copy);

  it('ran upstream (forwarded, then a 504): the task ends SUCCEEDED with the node the copy made', async () => {
    const title = `Outcome copy ${Date.now()}-${n++}`;
    const before = copies();
    feishuGateway.arm({ match: isNodeCopy, forward: true, answer: 504 });
    const { copyWikiNode } = await gql(COPY_WIKI_NODE, {
      input: { spaceId: D.spaceId, nodeToken: D.nodes.onboarding, targetParentToken: D.nodes.templates, title },
    });
    expect(copyWikiNode).toMatchObject({ __typename: 'CopyTask', status: 'RUNNING', error: { code: 'OUTCOME_UNKNOWN' } });
    const task = await finalTask(copyWikiNode.id);
    const made = emulators.feishu.children(D.spaceId, D.nodes.templates).filter((c) => c.title === title);
    expect(made).toHaveLength(1);
    expect(task).toMatchObject({
      status: 'SUCCEEDED',
      error: null,
      result: { __typename: 'WikiNode', nodeToken: made[0]?.node_token, title, parentNodeToken: D.nodes.templates },
    });
    expect(copies() - before).toBe(1);
  });

  it("ran upstream without a title given: found by the source's title", async () => {
    const before = copies();
    const parent = emulators.feishu.addNode({ spaceId: D.spaceId, parentNodeToken: D.nodes.root, title: `Empty parent ${n++}` }).node_token;
    feishuGateway.arm({ match: isNodeCopy, forward: true, answer: 'drop' });
    const { copyWikiNode } = await gql(COPY_WIKI_NODE, { input: { spaceId: D.spaceId, nodeToken: D.nodes.onboarding, targetParentToken: parent } });
    const task = await finalTask(copyWikiNode.id);
    const made = emulators.feishu.children(D.spaceId, parent);
    expect(made).toHaveLength(1);
    expect(task).toMatchObject({ status: 'SUCCEEDED', result: { nodeToken: made[0]?.node_token, title: 'Onboarding' } });
    expect(copies() - before).toBe(1);
  });

  it('never reached Feishu: the task ends FAILED as not run, and no node was made', async () => {
    const title = `Outcome lost ${Date.now()}-${n++}`;
    const before = copies();
    feishuGateway.arm({ match: isNodeCopy, forward: false, answer: 504 });
    const { copyWikiNode } = await gql(COPY_WIKI_NODE, {
      input: { spaceId: D.spaceId, nodeToken: D.nodes.onboarding, targetParentToken: D.nodes.templates, title },
    });
    const task = await finalTask(copyWikiNode.id);
    expect(task).toMatchObject({ status: 'FAILED', result: null, error: { code: 'UPSTREAM_UNAVAILABLE' } });
    expect(task.error.message).toMatch(/did not run/);
    expect(task.error.message).toContain(title);
    expect(copies() - before).toBe(0);
    expect(emulators.feishu.children(D.spaceId, D.nodes.templates).filter((c) => c.title === title)).toEqual([]);
  });
});

describe('Blue: a copyTodo whose answer was lost', () => {
  const D = BLUE_DEMO;
  const isCopyTodo = (method: string, _path: string, body: string) => method === 'POST' && /copyTodo\s*\(/.test(body);
  const COPY_TODO = `mutation ($input: CopyTodoInput!) { copyTodo(input: $input) { __typename ... on CopyTask { id status error { code } } ... on CopyError { code message } } }`;

  it('ran upstream (forwarded, then a 504): the task ends SUCCEEDED with the record the copy made', async () => {
    const list = D.lists.roadmap.doing;
    const before = emulators.blue.todosInList(list).map((t) => t.id);
    const calls = emulators.blue.fieldCalls('copyTodo');
    blueGateway.arm({ match: isCopyTodo, forward: true, answer: 504 });
    const { copyTodo } = await gql(COPY_TODO, { input: { todoId: D.todos.launchPlan, todoListId: list, options: [] } });
    expect(copyTodo).toMatchObject({ __typename: 'CopyTask', status: 'RUNNING', error: { code: 'OUTCOME_UNKNOWN' } });
    const task = await finalTask(copyTodo.id);
    const made = emulators.blue.todosInList(list).filter((t) => !before.includes(t.id));
    expect(made).toHaveLength(1);
    expect(task).toMatchObject({ status: 'SUCCEEDED', error: null, result: { __typename: 'BlueTodo', id: made[0]?.id } });
    expect(emulators.blue.fieldCalls('copyTodo') - calls).toBe(1);
  });

  it('never reached Blue: the task ends FAILED as not run, and no record was made', async () => {
    const list = D.lists.roadmap.doing;
    const count = emulators.blue.todosInList(list).length;
    const calls = emulators.blue.fieldCalls('copyTodo');
    blueGateway.arm({ match: isCopyTodo, forward: false, answer: 504 });
    const { copyTodo } = await gql(COPY_TODO, { input: { todoId: D.todos.launchPlan, todoListId: list, options: [] } });
    const task = await finalTask(copyTodo.id);
    expect(task).toMatchObject({ status: 'FAILED', result: null, error: { code: 'UPSTREAM_UNAVAILABLE' } });
    expect(task.error.message).toMatch(/did not run/);
    expect(emulators.blue.fieldCalls('copyTodo') - calls).toBe(0);
    expect(emulators.blue.todosInList(list)).toHaveLength(count);
  });
});
