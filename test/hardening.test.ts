/**
 * Hardening, tried from outside as an attacker with a valid API key would: router callbacks aimed
 * elsewhere, per-request credentials that are incomplete or malformed, secrets echoed by an upstream,
 * operations that ask for unbounded work, per-key quotas and per-key policies. Real app, real
 * emulators, loopback recording servers; every refusal is proved by what did NOT reach a server.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COZE_DEMO, FEISHU_DEMO, QINIU_DEMO } from '../emulators/index.ts';
import { loadConfig } from '../src/config.ts';
import { registerSecret, scrub } from '../src/core/secrets.ts';
import { COZE_ROUTES } from '../emulators/coze.ts';
import { callbackUrlAllowed } from '../src/transport/callback.ts';
import { Provider, UpstreamFailure } from '../src/core/errors.ts';
import { TaskStatus } from '../src/tasks/model.ts';
import { ALICE, BOB, eventually, type Stack, startStack } from './helpers/stack.ts';

/** A loopback server that records every request and answers as told. */
class Recorder {
  readonly requests: { method: string; path: string; body: string }[] = [];
  #server: Server | undefined;
  base = '';
  constructor(readonly answer: (path: string) => { status: number; headers?: Record<string, string> } = () => ({ status: 204 })) {}
  async start(): Promise<void> {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.requests.push({ method: req.method ?? '', path: req.url ?? '', body: Buffer.concat(chunks).toString('utf8') });
        const a = this.answer(req.url ?? '');
        res.writeHead(a.status, { 'subscription-protocol': 'callback/1.0', ...a.headers }).end();
      });
    });
    const server = this.#server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }
  async close(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) => this.#server?.close(() => resolve()));
  }
}

const SUBSCRIPTION = 'subscription($id: ID!) { copyTaskUpdated(id: $id) { id status } }';

async function subscribeWithCallback(stack: Stack, taskId: string, callbackUrl: string) {
  const res = await fetch(stack.app.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ALICE}` },
    body: JSON.stringify({
      query: SUBSCRIPTION,
      variables: { id: taskId },
      extensions: { subscription: { callbackUrl, subscriptionId: randomUUID(), verifier: randomUUID(), heartbeatIntervalMs: 0 } },
    }),
  });
  return { status: res.status, body: (await res.json()) as any };
}

const runningTask = (stack: Stack, owner = 'alice') =>
  stack.app.services.tasks.create({
    owner,
    provider: Provider.COZE,
    credentialSource: 'config',
    change: { status: TaskStatus.RUNNING, upstreamTaskId: `up-${randomUUID()}` },
  });

describe('router callbacks go only to allowed URLs', () => {
  let router: Recorder;
  let admin: Recorder;
  let stack: Stack;
  beforeAll(async () => {
    admin = new Recorder();
    await admin.start();
    // The allowed router redirects one path to the admin URL: a redirect must not be followed.
    router = new Recorder((path) => (path.startsWith('/redirect') ? { status: 307, headers: { location: `${admin.base}/admin` } } : { status: 204 }));
    await router.start();
    stack = await startStack({ env: { COPYGRAPH_CALLBACK_URLS: `${router.base}/callback,${router.base}/redirect` } });
  });
  afterAll(async () => {
    await stack?.close();
    await router?.close();
    await admin?.close();
  });

  it('refuses any other callbackUrl with FORBIDDEN before anything is sent', async () => {
    const task = await runningTask(stack);
    for (const url of [`${admin.base}/admin`, `${router.base}/callback/../admin`, `${router.base}/other`, `${stack.emulators.urls.coze}/_emulator/faults`]) {
      const { status, body } = await subscribeWithCallback(stack, task.id, url);
      expect(status).toBe(403);
      expect(body.errors[0].extensions.code).toBe('FORBIDDEN');
      expect(body.errors[0].message).toContain('COPYGRAPH_CALLBACK_URLS');
    }
    await new Promise((r) => setTimeout(r, 100));
    expect(admin.requests).toEqual([]);
    expect(router.requests).toEqual([]);
  });

  it('talks to an allowed callback URL', async () => {
    const task = await runningTask(stack);
    const { status } = await subscribeWithCallback(stack, task.id, `${router.base}/callback`);
    expect(status).toBe(200);
    expect(router.requests.some((r) => r.path === '/callback' && r.body.includes('"check"'))).toBe(true);
  });

  it('does not follow a redirect from an allowed URL', async () => {
    const task = await runningTask(stack);
    const { status } = await subscribeWithCallback(stack, task.id, `${router.base}/redirect`);
    // The check was answered 307: not a success, and the redirect target heard nothing.
    expect(status).toBe(500);
    expect(router.requests.some((r) => r.path === '/redirect')).toBe(true);
    await new Promise((r) => setTimeout(r, 100));
    expect(admin.requests).toEqual([]);
  });

  it('is off when no callback URL is configured', async () => {
    const plain = await startStack();
    try {
      const task = await runningTask(plain);
      const { status, body } = await subscribeWithCallback(plain, task.id, `${router.base}/callback`);
      expect(status).toBe(403);
      expect(body.errors[0].extensions.code).toBe('FORBIDDEN');
    } finally {
      await plain.close();
    }
  });

  it('matches whole URLs or prefixes ending in /, compared parsed', () => {
    const allowed = ['http://r.example/cb', 'https://r.example/subs/'];
    expect(callbackUrlAllowed(allowed, 'http://r.example/cb')).toBe(true);
    expect(callbackUrlAllowed(allowed, 'https://r.example/subs/123')).toBe(true);
    expect(callbackUrlAllowed(allowed, 'http://r.example/cbx')).toBe(false);
    expect(callbackUrlAllowed(allowed, 'https://r.example/subs/../admin')).toBe(false);
    expect(callbackUrlAllowed(allowed, 'http://r.example/cb@evil.example')).toBe(false);
    expect(callbackUrlAllowed(allowed, 'http://user:pw@r.example/cb')).toBe(false);
    expect(callbackUrlAllowed(allowed, 'http://r.example:8080/cb')).toBe(false);
    expect(callbackUrlAllowed([], 'http://r.example/cb')).toBe(false);
  });
});

const COZE_COPY = `mutation { copyCozeEntity(input: { entityId: "${COZE_DEMO.workflowId}", entityType: WORKFLOW, toWorkspaceId: "${COZE_DEMO.otherTeamWorkspaceId}" }) { __typename ... on CopyTask { id status } ... on UpstreamError { code message upstreamMessage } } }`;
const QINIU_COPY = (src: string, dest: string, key = 'docs/readme.txt', destKey = `copy-${randomUUID()}.txt`) =>
  `mutation { copyObject(input: { source: { bucket: "${src}", key: "${key}" }, destination: { bucket: "${dest}", key: "${destKey}" }, overwrite: true }) { __typename ... on CopyTask { id } ... on UpstreamError { code message } ... on InvalidInputError { code message } } }`;

describe('per-request credentials are all or nothing', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => stack?.close());

  it.each([
    ['only an access key', { 'x-qiniu-access-key': 'mine' }, 'x-qiniu-secret-key'],
    ['a blank token', { 'x-coze-token': '   ' }, 'x-coze-token'],
    ['only a Feishu app id', { 'x-feishu-app-id': 'cli_mine' }, 'x-feishu-app-secret'],
    ['only a 123pan client secret', { 'x-pan123-client-secret': 'mine-secret' }, 'x-pan123-client-id'],
    ['a Blue company without tokens', { 'x-blue-company-id': 'other-co' }, 'x-blue-company-id'],
  ])('refuses %s with BAD_USER_INPUT naming the header, and sends nothing', async (_name, headers, named) => {
    const before = stack.emulators.qiniu.control.calls() + stack.emulators.coze.control.calls();
    const { status, body } = await stack.gql(QINIU_COPY(QINIU_DEMO.sourceBucket, QINIU_DEMO.backupBucket), undefined, { headers });
    // 400, or 200 with the errors for an application/json answer (GraphQL over HTTP); never a 500.
    expect([200, 400]).toContain(status);
    expect(body.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
    expect(body.errors?.[0]?.message).toContain(named);
    expect(body.data ?? null).toBeNull();
    expect(stack.emulators.qiniu.control.calls() + stack.emulators.coze.control.calls()).toBe(before);
  });

  it('refuses a credential with a control character before anything is sent (graphql-ws connection_init)', async () => {
    const before = stack.emulators.coze.control.calls();
    const client = stack.ws(ALICE, { 'x-coze-token': 'pat_x\r\nx-injected: 1' });
    const errors = await new Promise<any[]>((resolve) => {
      client.subscribe(
        { query: COZE_COPY },
        { next: (v) => resolve(v.errors ? [...v.errors] : []), error: (e) => resolve(e as any[]), complete: () => undefined },
      );
    });
    expect(errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(errors[0].message).toContain('x-coze-token');
    expect(stack.emulators.coze.control.calls()).toBe(before);
  });
});

describe('secrets echoed by an upstream', () => {
  let stack: Stack;
  const REQUEST_TOKEN = `pat_request_${randomUUID()}`;
  beforeAll(async () => {
    stack = await startStack({ env: { LOG_LEVEL: 'silent' } });
    stack.emulators.coze.addToken(REQUEST_TOKEN, COZE_DEMO.userId);
  });
  afterAll(async () => stack?.close());

  it('never reach an answer or the store, configured or per-request', async () => {
    const answers: string[] = [];
    for (const [token, headers] of [
      ['pat_demo', {}],
      [REQUEST_TOKEN, { 'x-coze-token': REQUEST_TOKEN }],
    ] as const) {
      stack.emulators.coze.control.injectFault({
        route: COZE_ROUTES.copy,
        status: 401,
        body: { code: 4100, msg: `authentication is invalid: token ${token} is not valid`, detail: { logid: 'log-1' } },
        times: 1,
      });
      const { body } = await stack.gql(COZE_COPY, undefined, { headers });
      const answer = (body.data as any).copyCozeEntity;
      expect(answer.__typename).toBe('UpstreamError');
      answers.push(JSON.stringify(body));
      expect(JSON.stringify(body)).not.toContain(token);
    }
    // A task that fails while followed: its stored error is scrubbed too.
    const { body } = await stack.gql(COZE_COPY);
    const task = (body.data as any).copyCozeEntity;
    expect(task.__typename).toBe('CopyTask');
    stack.emulators.coze.control.injectFault({
      route: COZE_ROUTES.task,
      status: 401,
      body: { code: 4100, msg: 'authentication is invalid: token pat_demo is not valid', detail: { logid: 'log-2' } },
    });
    const failed = await eventually(async () => {
      const t = await stack.app.services.tasks.get(task.id, 'alice');
      return t && t.status === TaskStatus.FAILED ? t : undefined;
    });
    stack.emulators.coze.control.clearFaults();
    expect(failed.error).toBeDefined();
    expect(readFileSync(stack.dbPath).toString('latin1')).not.toContain('pat_demo');
    expect(JSON.stringify(failed)).not.toContain('pat_demo');
    expect(answers.join('')).toContain('[redacted]');
  });
});

describe('operation limits', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => stack?.close());

  it('refuses the 3,000-alias request at once while /healthz keeps answering', async () => {
    const query = `{ ${Array.from({ length: 3000 }, (_, i) => `a${i}: copyTasks(first: 100) { edges { node { id status } } }`).join(' ')} }`;
    const big = stack.gql(query);
    const health = await fetch(new URL('/healthz', stack.app.url));
    expect(health.status).toBe(200);
    const { status, body } = await big;
    expect([200, 400]).toContain(status);
    expect(body.data ?? null).toBeNull();
    expect(body.errors?.[0]?.message).toMatch(/more th\w+ 2000 tokens/);
    expect((await fetch(new URL('/healthz', stack.app.url))).status).toBe(200);
  });

  it('refuses more copy mutations per operation than allowed, before any is run', async () => {
    const before = stack.emulators.qiniu.control.calls();
    const copies = Array.from(
      { length: 11 },
      (_, i) =>
        `c${i}: copyObject(input: { source: { bucket: "${QINIU_DEMO.sourceBucket}", key: "docs/readme.txt" }, destination: { bucket: "${QINIU_DEMO.backupBucket}", key: "x${i}" }, overwrite: true }) { __typename }`,
    );
    const { status, body } = await stack.gql(`mutation { ${copies.join(' ')} }`);
    expect([200, 400]).toContain(status);
    expect(body.errors?.[0]?.extensions?.['code']).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(body.errors?.[0]?.message).toContain('At most 10 copy mutations');
    expect(stack.emulators.qiniu.control.calls()).toBe(before);
    // Ten are fine.
    const ten = await stack.gql(`mutation { ${copies.slice(0, 10).join(' ')} }`);
    expect(ten.status).toBe(200);
    expect(ten.body.errors).toBeUndefined();
  });

  it('counts list sizes: many large pages are too costly, small ones are not', async () => {
    const page = (n: number) => `copyTasks(first: ${n}) { edges { cursor node { id status provider createdAt } } }`;
    // 20 pages of 200, each with its fields: about 28,000 fields, over the default 20,000.
    const costly = await stack.gql(`{ ${Array.from({ length: 20 }, (_, i) => `p${i}: ${page(200)}`).join(' ')} }`);
    expect(costly.body.errors?.[0]?.extensions?.['code']).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(costly.body.errors?.[0]?.message).toContain('too costly');
    const cheap = await stack.gql(`{ ${Array.from({ length: 10 }, (_, i) => `p${i}: ${page(1)}`).join(' ')} }`);
    expect(cheap.body.errors).toBeUndefined();
  });

  it('refuses a deep fragment chain with 400, never 500', async () => {
    const n = 5000;
    const fragments = Array.from({ length: n }, (_, i) => `fragment F${i} on Query { ${i + 1 < n ? `...F${i + 1}` : '__typename'} }`).join(' ');
    const { status, body } = await stack.gql(`{ ...F0 } ${fragments}`);
    expect(status).not.toBe(500);
    expect(body.errors?.[0]?.extensions?.['code']).toBe('GRAPHQL_PARSE_FAILED');
    expect(body.errors?.[0]?.extensions?.['code']).not.toBe('INTERNAL_SERVER_ERROR');
    // Within the token budget, the depth rules still refuse a long chain with 400.
    const m = 60;
    const chain = Array.from({ length: m }, (_, i) => `fragment G${i} on Query { ${i + 1 < m ? `...G${i + 1}` : '__typename'} }`).join(' ');
    const short = await stack.gql(`{ ...G0 } ${chain}`);
    expect(short.status).not.toBe(500);
    expect(short.body.errors?.[0]?.extensions?.['code']).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('refuses too many aliases and too deep selections', async () => {
    const alias = (i: number) => `t${i}: copyTasks(first: 1) { pageInfo { hasNextPage } }`;
    const aliases = await stack.gql(`{ ${Array.from({ length: 31 }, (_, i) => alias(i)).join(' ')} }`);
    expect(aliases.body.errors?.[0]?.extensions?.['code']).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(aliases.body.errors?.[0]?.message).toMatch(/[Aa]liases/);
    const ok = await stack.gql(`{ ${Array.from({ length: 5 }, (_, i) => alias(i)).join(' ')} }`);
    expect(ok.body.errors).toBeUndefined();
    const nested = (n: number) => `{ ${'... on Query { '.repeat(n)}__typename${' }'.repeat(n)} }`;
    const deep = await stack.gql(nested(20));
    expect(deep.body.errors?.[0]?.extensions?.['code']).toBe('GRAPHQL_VALIDATION_FAILED');
    expect((await stack.gql(nested(3))).body.errors).toBeUndefined();
  });
});

describe('per-key quotas', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { COPYGRAPH_REQUESTS_PER_SECOND: '3', COPYGRAPH_MAX_ACTIVE_TASKS: '1' } });
  });
  afterAll(async () => stack?.close());

  it('refuses requests over the per-second quota with RATE_LIMITED and retryAfterSeconds, per key', async () => {
    const answers = await Promise.all(Array.from({ length: 10 }, () => stack.gql('{ __typename }')));
    const limited = answers.filter((a) => a.status === 429);
    // Ten at once span at most two one-second windows of 3.
    expect(limited.length).toBeGreaterThanOrEqual(4);
    expect(limited[0]?.body.errors?.[0]?.extensions?.['code']).toBe('RATE_LIMITED');
    expect(limited[0]?.body.errors?.[0]?.extensions?.['retryAfterSeconds']).toBeGreaterThanOrEqual(1);
    const res = await fetch(stack.app.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ALICE}` },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    const again = await Promise.all(
      Array.from({ length: 6 }, () =>
        fetch(stack.app.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${ALICE}` },
          body: '{"query":"{ __typename }"}',
        }),
      ),
    );
    const refused = [res, ...again].find((r) => r.status === 429);
    expect(Number(refused?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // Another key has its own quota.
    expect((await stack.gql('{ __typename }', undefined, { key: BOB })).status).toBe(200);
  });

  it('refuses a new copy while the key has its maximum of copies in progress, before anything is sent', async () => {
    await new Promise((r) => setTimeout(r, 1100));
    await runningTask(stack, 'bob');
    const before = stack.emulators.qiniu.control.calls();
    const { body } = await stack.gql(QINIU_COPY(QINIU_DEMO.sourceBucket, QINIU_DEMO.backupBucket), undefined, { key: BOB });
    expect((body.data as any).copyObject).toMatchObject({ __typename: 'UpstreamError', code: 'RATE_LIMITED' });
    expect(stack.emulators.qiniu.control.calls()).toBe(before);
  });
});

describe('per-key policies', () => {
  let stack: Stack;
  beforeAll(async () => {
    const policy = {
      principals: {
        bob: {
          qiniu: { buckets: [{ name: 'bob-bucket', keyPrefixes: ['bob/'] }] },
          feishu: { spaces: ['7999999999999999999'] },
        },
      },
    };
    stack = await startStack({ env: { COPYGRAPH_POLICY: JSON.stringify(policy) } });
    stack.emulators.qiniu.createBucket('bob-bucket', QINIU_DEMO.accessKey);
    stack.emulators.qiniu.putObject('bob-bucket', 'bob/a.txt', 'bob data');
  });
  afterAll(async () => stack?.close());

  it('refuses copies from or into resources outside the policy with FORBIDDEN, before anything is sent', async () => {
    const before = stack.emulators.qiniu.control.calls() + stack.emulators.coze.control.calls() + stack.emulators.feishu.control.calls();
    const fromAlice = await stack.gql(QINIU_COPY(QINIU_DEMO.sourceBucket, 'bob-bucket', 'docs/readme.txt', 'bob/stolen.txt'), undefined, { key: BOB });
    expect((fromAlice.body.data as any).copyObject).toMatchObject({ __typename: 'UpstreamError', code: 'FORBIDDEN' });
    const intoAlice = await stack.gql(QINIU_COPY('bob-bucket', QINIU_DEMO.backupBucket, 'bob/a.txt', 'planted.txt'), undefined, { key: BOB });
    expect((intoAlice.body.data as any).copyObject).toMatchObject({ __typename: 'UpstreamError', code: 'FORBIDDEN' });
    const outsidePrefix = await stack.gql(QINIU_COPY('bob-bucket', 'bob-bucket', 'bob/a.txt', 'elsewhere/a.txt'), undefined, { key: BOB });
    expect((outsidePrefix.body.data as any).copyObject).toMatchObject({ __typename: 'UpstreamError', code: 'FORBIDDEN' });
    const coze = await stack.gql(COZE_COPY, undefined, { key: BOB });
    expect((coze.body.data as any).copyCozeEntity).toMatchObject({ __typename: 'UpstreamError', code: 'FORBIDDEN' });
    expect(stack.emulators.qiniu.control.calls() + stack.emulators.coze.control.calls() + stack.emulators.feishu.control.calls()).toBe(before);
  });

  it('refuses the bulk forms outside the policy too, before anything is sent', async () => {
    const before = stack.emulators.qiniu.control.calls() + stack.emulators.coze.control.calls() + stack.emulators.feishu.control.calls();
    const bulk = (field: string, input: string) => `mutation { ${field}(input: ${input}) { __typename ... on CopyError { code } } }`;
    const pairs = await stack.gql(
      bulk('copyObjects', '{ objects: [{ source: { bucket: "bob-bucket", key: "bob/a.txt" }, destination: { bucket: "demo-backup", key: "x.txt" } }] }'),
      undefined,
      { key: BOB },
    );
    expect((pairs.body.data as any).copyObjects).toMatchObject({ __typename: 'UpstreamError', code: 'FORBIDDEN' });
    const prefix = await stack.gql(
      bulk(
        'copyObjects',
        '{ prefix: { sourceBucket: "bob-bucket", sourcePrefix: "alice/", destinationBucket: "bob-bucket", destinationPrefix: "bob/copy/" } }',
      ),
      undefined,
      { key: BOB },
    );
    expect((prefix.body.data as any).copyObjects).toMatchObject({ __typename: 'UpstreamError', code: 'FORBIDDEN' });
    const tree = await stack.gql(
      bulk('copyWikiTree', '{ spaceId: "7000000000000000001", nodeToken: "wikcnSRC", targetSpaceId: "7999999999999999999" }'),
      undefined,
      {
        key: BOB,
      },
    );
    expect((tree.body.data as any).copyWikiTree).toMatchObject({ __typename: 'UpstreamError', code: 'FORBIDDEN' });
    const coze = await stack.gql(
      bulk('copyCozeEntities', '{ entities: [{ entityId: "7400000000000000001", entityType: WORKFLOW }], toWorkspaceId: "7400000000000000099" }'),
      undefined,
      { key: BOB },
    );
    expect((coze.body.data as any).copyCozeEntities).toMatchObject({ __typename: 'UpstreamError', code: 'FORBIDDEN' });
    expect(stack.emulators.qiniu.control.calls() + stack.emulators.coze.control.calls() + stack.emulators.feishu.control.calls()).toBe(before);
  });

  it('allows what the policy lists, and keeps a key without policy unrestricted', async () => {
    const inside = await stack.gql(QINIU_COPY('bob-bucket', 'bob-bucket', 'bob/a.txt', 'bob/b.txt'), undefined, { key: BOB });
    expect((inside.body.data as any).copyObject.__typename).toBe('CopyTask');
    const alice = await stack.gql(QINIU_COPY(QINIU_DEMO.sourceBucket, QINIU_DEMO.backupBucket));
    expect((alice.body.data as any).copyObject.__typename).toBe('CopyTask');
  });

  it("resolves entity references outside the policy to null (no peeking at another tenant's objects)", async () => {
    const query = 'query($r: [_Any!]!) { _entities(representations: $r) { ... on StorageObject { bucket key fsize hash } } }';
    const representations = [
      { __typename: 'StorageObject', bucket: QINIU_DEMO.sourceBucket, key: 'docs/readme.txt' },
      { __typename: 'StorageObject', bucket: 'bob-bucket', key: 'bob/a.txt' },
    ];
    const bob = await stack.data(query, { r: representations }, { key: BOB });
    expect(bob['_entities'][0]).toBeNull();
    expect(bob['_entities'][1]).toMatchObject({ bucket: 'bob-bucket', key: 'bob/a.txt' });
    const alice = await stack.data(query, { r: representations });
    expect(alice['_entities'][0]).toMatchObject({ bucket: QINIU_DEMO.sourceBucket });
  });

  it('resolves wiki nodes and Blue todos outside the policy to null', async () => {
    const query = 'query($r: [_Any!]!) { _entities(representations: $r) { ... on WikiNode { nodeToken title } ... on BlueTodo { id title } } }';
    const representations = [
      { __typename: 'WikiNode', nodeToken: FEISHU_DEMO.nodes.onboarding },
      { __typename: 'BlueTodo', id: 'cdemo0todo-launch' },
    ];
    const bob = await stack.data(query, { r: representations }, { key: BOB });
    expect(bob['_entities']).toEqual([null, null]);
    const alice = await stack.data(query, { r: representations });
    expect(alice['_entities'][0]).toMatchObject({ nodeToken: FEISHU_DEMO.nodes.onboarding, title: expect.any(String) });
    expect(alice['_entities'][1]).toMatchObject({ id: 'cdemo0todo-launch', title: expect.any(String) });
  });
});

describe('policy configuration', () => {
  it('reads COPYGRAPH_POLICY_FILE, validated: a bad document stops the start naming the variable', () => {
    const dir = mkdtempSync(join(tmpdir(), 'copygraph-policy-'));
    const good = join(dir, 'good.json');
    writeFileSync(good, JSON.stringify({ principals: { bob: { coze: { workspaces: ['1'] } } } }));
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ principals: { bob: { qiniu: { buckets: [{ name: 'b', keyPrefix: 'typo' }] } } } }));
    const env = { NODE_ENV: 'test', COPYGRAPH_API_KEYS: `bob:${BOB}`, COZE_TOKEN: 'pat_x' };
    const config = loadConfig({ ...env, COPYGRAPH_POLICY_FILE: good });
    expect(config.policies.get('bob')).toEqual({ coze: { workspaces: ['1'] } });
    expect(() => loadConfig({ ...env, COPYGRAPH_POLICY_FILE: bad })).toThrow(/COPYGRAPH_POLICY_FILE/);
    expect(() => loadConfig({ ...env, COPYGRAPH_POLICY: '{not json' })).toThrow(/COPYGRAPH_POLICY: not valid JSON/);
    expect(() => loadConfig({ ...env, COPYGRAPH_CALLBACK_URLS: 'ftp://x/cb' })).toThrow(/COPYGRAPH_CALLBACK_URLS/);
  });
});

describe('the scrubber', () => {
  it('removes every registered secret, longest first, and leaves short values alone', () => {
    registerSecret('tenant-token-abcdef');
    registerSecret('tenant-token-abcdef-longer');
    registerSecret('abc');
    expect(scrub('a tenant-token-abcdef-longer and tenant-token-abcdef, abc')).toBe('a [redacted] and [redacted], abc');
    const failure = new UpstreamFailure({
      code: 'UPSTREAM_ERROR',
      provider: 'FEISHU',
      message: 'x tenant-token-abcdef',
      upstreamMessage: 'tenant-token-abcdef',
      retryable: false,
    });
    expect(failure.message).toBe('x [redacted]');
    expect(failure.upstreamMessage).toBe('[redacted]');
  });
});
