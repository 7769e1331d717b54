/**
 * Apollo Router's two ways to a subgraph's subscriptions. Passthrough mode: graphql-ws on /graphql,
 * with the client's headers forwarded on the upgrade request. Callback mode (callback/1.0), with
 * the test playing the router: a
 * `node:http` server takes `check`, `next`, `complete` and heartbeat calls, and copygraph runs the
 * subscription through Apollo Server's own executor (ApolloServerPluginSubscriptionCallback), with
 * the same authentication, context and error masking as the other transports.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { App } from '../../src/app.ts';
import { Provider } from '../../src/core/errors.ts';
import { type CopyTaskRecord, TaskStatus } from '../../src/tasks/model.ts';
import { type InstrumentedApp, startInstrumentedApp } from '../fixtures/instrumented-app.ts';
import { ALICE, BOB, eventually } from '../helpers/stack.ts';

/** One call the router received. */
interface CallbackMessage {
  readonly kind: string;
  readonly action: 'check' | 'next' | 'complete';
  readonly id: string;
  readonly verifier: string;
  readonly payload?: { data?: Record<string, any> | null; errors?: { message: string; extensions?: Record<string, unknown> }[] };
  readonly errors?: { message: string; extensions?: Record<string, unknown> }[];
  readonly protocol: string | undefined;
}

/** The router's side: records every call; answers 404 for subscriptions it has forgotten. */
class FakeRouter {
  readonly messages: CallbackMessage[] = [];
  readonly gone = new Set<string>();
  #server: Server | undefined;
  url = '';

  async start(): Promise<void> {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Omit<CallbackMessage, 'protocol'>;
        const header = req.headers['subscription-protocol'];
        this.messages.push({ ...body, protocol: Array.isArray(header) ? header[0] : header });
        if (this.gone.has(body.id)) {
          res.writeHead(404).end();
          return;
        }
        // The router answers a check with 204 and the protocol it speaks; next and complete with 200.
        if (body.action === 'check') res.writeHead(204, { 'subscription-protocol': 'callback/1.0' }).end();
        else res.writeHead(200).end();
      });
    });
    const server = this.#server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/callback`;
  }

  of(id: string): CallbackMessage[] {
    return this.messages.filter((m) => m.id === id);
  }

  async close(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) => this.#server?.close(() => resolve()));
  }
}

let fed: InstrumentedApp;
let app: App;
let router: FakeRouter;

beforeAll(async () => {
  router = new FakeRouter();
  await router.start();
  // The callback protocol is off unless the router's callback URL is allowed.
  fed = await startInstrumentedApp({ COPYGRAPH_CALLBACK_URLS: router.url });
  app = fed.app;
});

afterAll(async () => {
  await fed?.close();
  await router?.close();
});

/** Live pub/sub listeners of a task: 0 once its streams have really ended. */
const live = (taskId: string) => fed.listeners.get(taskId) ?? 0;

const SUBSCRIPTION = 'subscription($id: ID!) { copyTaskUpdated(id: $id) { id status isFinal result { __typename } } }';

/** Starts a subscription the way the router does in callback mode. */
async function subscribeWithCallback(
  taskId: string,
  key: string | null,
  heartbeatIntervalMs = 0,
): Promise<{ status: number; body: any; id: string; verifier: string }> {
  const id = randomUUID();
  const verifier = randomUUID();
  const res = await fetch(app.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify({
      query: SUBSCRIPTION,
      variables: { id: taskId },
      extensions: { subscription: { callbackUrl: router.url, subscriptionId: id, verifier, heartbeatIntervalMs } },
    }),
  });
  return { status: res.status, body: await res.json(), id, verifier };
}

function runningTask(): Promise<CopyTaskRecord> {
  return app.services.tasks.create({
    owner: 'alice',
    provider: Provider.COZE,
    credentialSource: 'config',
    change: { status: TaskStatus.RUNNING, upstreamTaskId: `up-${randomUUID()}` },
  });
}

describe('subscription callback protocol (Apollo Router callback mode)', () => {
  it('checks with the router, sends each state as next, then complete after the final state', async () => {
    const task = await runningTask();
    const { status, body, id, verifier } = await subscribeWithCallback(task.id, ALICE);
    expect(status).toBe(200);
    expect(body).toEqual({ data: null });
    // The check happens before the answer: the router has it already.
    expect(router.of(id)[0]).toMatchObject({ kind: 'subscription', action: 'check', verifier, protocol: 'callback/1.0' });

    await eventually(() => (router.of(id).some((m) => m.action === 'next') ? true : undefined));
    await app.services.tasks.change(task, { status: TaskStatus.SUCCEEDED });
    await eventually(() => (router.of(id).some((m) => m.action === 'complete') ? true : undefined));

    const calls = router.of(id);
    expect(calls.every((m) => m.verifier === verifier)).toBe(true);
    expect(calls.filter((m) => m.action === 'next').map((m) => m.payload?.data?.['copyTaskUpdated'].status)).toEqual(['RUNNING', 'SUCCEEDED']);
    expect(calls.at(-1)).toMatchObject({ action: 'complete' });
    expect(calls.at(-1)?.errors).toBeUndefined();
    await eventually(() => (live(task.id) === 0 ? true : undefined));
  });

  it('sends heartbeats (check calls) while the subscription lives', async () => {
    const task = await runningTask();
    const { id } = await subscribeWithCallback(task.id, ALICE, 30);
    await eventually(() => (router.of(id).filter((m) => m.action === 'check').length >= 3 ? true : undefined));
    await app.services.tasks.change(task, { status: TaskStatus.FAILED, error: { code: 'UPSTREAM_ERROR', message: 'gave up' } });
    await eventually(() => (router.of(id).some((m) => m.action === 'complete') ? true : undefined));
  });

  it('ends the stream when the router answers a heartbeat with 404', async () => {
    const task = await runningTask();
    const { id } = await subscribeWithCallback(task.id, ALICE, 30);
    await eventually(() => (router.of(id).some((m) => m.action === 'next') ? true : undefined));
    expect(live(task.id)).toBe(1);
    router.gone.add(id);
    // The subscription is torn down: its pub/sub listener goes away without any task change.
    await eventually(() => (live(task.id) === 0 ? true : undefined));
  });

  it('ends the stream when the router answers a next with 404', async () => {
    const task = await runningTask();
    const { id } = await subscribeWithCallback(task.id, ALICE);
    await eventually(() => (router.of(id).some((m) => m.action === 'next') ? true : undefined));
    router.gone.add(id);
    await app.services.tasks.change(task, { progress: { completed: 1, total: 2 } });
    await eventually(() => (live(task.id) === 0 ? true : undefined));
    // Nothing more is sent for a subscription the router has forgotten.
    const sent = router.of(id).length;
    await app.services.tasks.change(task, { status: TaskStatus.SUCCEEDED });
    expect(router.of(id)).toHaveLength(sent);
  });

  it('refuses a subscription without an API key before calling the router', async () => {
    const task = await runningTask();
    const { status, body, id } = await subscribeWithCallback(task.id, null);
    expect(status).toBe(401);
    expect(body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect(router.of(id)).toEqual([]);
  });

  it("completes with NOT_FOUND for another principal's task", async () => {
    const task = await runningTask();
    const { id } = await subscribeWithCallback(task.id, BOB);
    await eventually(() => (router.of(id).some((m) => m.action === 'complete') ? true : undefined));
    const complete = router.of(id).find((m) => m.action === 'complete');
    expect(complete?.errors?.[0]?.extensions?.['code']).toBe('NOT_FOUND');
    expect(router.of(id).filter((m) => m.action === 'next')).toEqual([]);
  });

  it('masks an unexpected error in an event as INTERNAL_SERVER_ERROR, as on every transport', async () => {
    // A result whose type the schema does not know: graphql-js fails the field with a message
    // that names internals, which must not reach the router.
    const task = await app.services.tasks.create({
      owner: 'alice',
      provider: Provider.QINIU,
      credentialSource: 'config',
      change: { status: TaskStatus.SUCCEEDED, result: { __typename: 'SecretInternalType' } },
    });
    const { id } = await subscribeWithCallback(task.id, ALICE);
    await eventually(() => (router.of(id).some((m) => m.action === 'complete') ? true : undefined));
    const next = router.of(id).find((m) => m.action === 'next');
    expect(next?.payload?.errors).toEqual([expect.objectContaining({ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } })]);
    expect(JSON.stringify(router.of(id))).not.toContain('SecretInternalType');
  });
});

describe('subscriptions in Apollo Router passthrough mode (graphql-ws on /graphql)', () => {
  /** Opens a socket the way a router does: propagated headers on the upgrade, an empty connection_init. */
  function routerSocket(headers: Record<string, string>): Promise<{ type: string; id?: string; payload?: any }[]> {
    return new Promise((resolve, reject) => {
      const messages: { type: string; id?: string; payload?: any }[] = [];
      const ws = new WebSocket(app.wsUrl, 'graphql-transport-ws', { headers });
      ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init' })));
      ws.on('error', reject);
      ws.on('message', (data: Buffer) => {
        const message = JSON.parse(data.toString('utf8')) as { type: string; id?: string; payload?: any };
        messages.push(message);
        if (message.type === 'connection_ack')
          ws.send(JSON.stringify({ type: 'subscribe', id: '1', payload: { query: SUBSCRIPTION, variables: { id: currentTask } } }));
        if (message.type === 'complete' || message.type === 'error') {
          ws.close();
          resolve(messages);
        }
      });
    });
  }
  let currentTask = '';

  it('authenticates with the Authorization header of the upgrade request', async () => {
    const task = await app.services.tasks.create({
      owner: 'alice',
      provider: Provider.QINIU,
      credentialSource: 'config',
      change: { status: TaskStatus.SUCCEEDED },
    });
    currentTask = task.id;
    const messages = await routerSocket({ authorization: `Bearer ${ALICE}` });
    expect(messages.filter((m) => m.id === '1')).toEqual([
      { type: 'next', id: '1', payload: { data: { copyTaskUpdated: { id: task.id, status: 'SUCCEEDED', isFinal: true, result: null } } } },
      { type: 'complete', id: '1' },
    ]);
  });

  it('refuses a socket whose upgrade carries no key with UNAUTHENTICATED', async () => {
    const messages = await routerSocket({});
    expect(messages.find((m) => m.id === '1')).toMatchObject({ type: 'error', payload: [{ extensions: { code: 'UNAUTHENTICATED' } }] });
  });
});

describe('callback subscriptions when copygraph shuts down', () => {
  it('completes each open subscription with SERVICE_RESTART, so the client knows to subscribe again', async () => {
    const own = await startInstrumentedApp({ COPYGRAPH_CALLBACK_URLS: router.url });
    let stopped = false;
    try {
      const task = await own.app.services.tasks.create({
        owner: 'alice',
        provider: Provider.COZE,
        credentialSource: 'config',
        change: { status: TaskStatus.RUNNING, upstreamTaskId: `up-${randomUUID()}` },
      });
      const id = randomUUID();
      const res = await fetch(own.app.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${ALICE}` },
        body: JSON.stringify({
          query: SUBSCRIPTION,
          variables: { id: task.id },
          extensions: { subscription: { callbackUrl: router.url, subscriptionId: id, verifier: randomUUID(), heartbeatIntervalMs: 0 } },
        }),
      });
      expect(res.status).toBe(200);
      await eventually(() => (router.of(id).some((m) => m.action === 'next') ? true : undefined));
      await own.close();
      stopped = true;
      const complete = router.of(id).find((m) => m.action === 'complete');
      expect(complete?.errors?.map((e) => e.extensions?.['code'])).toEqual(['SERVICE_RESTART']);
    } finally {
      if (!stopped) await own.close();
    }
  });
});
