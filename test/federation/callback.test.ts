/**
 * Apollo Router's two ways to a subgraph's subscriptions. Passthrough mode: graphql-ws on /graphql,
 * with the client's headers forwarded on the upgrade request. Callback mode (callback/1.0), with
 * the test playing the router: a
 * `node:http` server takes `check`, `next`, `complete` and heartbeat calls, and copygraph runs the
 * subscription as a durable record (src/transport/callback-runner.ts), with the same authentication,
 * context and error masking as the other transports, and carries it on across a restart.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { App } from '../../src/app.ts';
import { Provider } from '../../src/core/errors.ts';
import { type CopyTaskRecord, isFinalStatus, TaskStatus } from '../../src/tasks/model.ts';
import { type InstrumentedApp, startInstrumentedApp } from '../fixtures/instrumented-app.ts';
import { FakeRouter } from '../helpers/callback-router.ts';
import { ALICE, BOB, eventually, startStack } from '../helpers/stack.ts';

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
  on: App = app,
): Promise<{ status: number; body: any; id: string; verifier: string }> {
  const id = randomUUID();
  const verifier = randomUUID();
  const res = await fetch(on.url, {
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

function runningTask(on: App = app, owner = 'alice'): Promise<CopyTaskRecord> {
  return on.services.tasks.create({
    owner,
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

    await router.received(id, 'next');
    await app.services.tasks.change(task, { status: TaskStatus.SUCCEEDED });
    await router.received(id, 'complete');

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
    await router.received(id, 'complete');
  });

  it('ends the stream when the router answers a heartbeat with 404', async () => {
    const task = await runningTask();
    const { id } = await subscribeWithCallback(task.id, ALICE, 30);
    await router.received(id, 'next');
    expect(live(task.id)).toBe(1);
    router.gone.add(id);
    // The subscription is torn down: its pub/sub listener goes away without any task change.
    await eventually(() => (live(task.id) === 0 ? true : undefined));
  });

  it('ends the stream when the router answers a next with 404', async () => {
    const task = await runningTask();
    const { id } = await subscribeWithCallback(task.id, ALICE);
    await router.received(id, 'next');
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
    await router.received(id, 'complete');
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
    await router.received(id, 'complete');
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

describe('callback subscriptions across a copygraph restart', () => {
  it('lets the subscription go without complete on drain; copygraph started again on the same store carries it on to its final state', async () => {
    const stack = await startStack({ env: { COPYGRAPH_CALLBACK_URLS: router.url } });
    try {
      const task = await runningTask(stack.app, 'alice');
      const { status, id, verifier } = await subscribeWithCallback(task.id, ALICE, 50, stack.app);
      expect(status).toBe(200);
      await router.received(id, 'next');
      // The record is in the store, without the API key.
      const raw = JSON.stringify(await stack.app.services.callbacks.get(id));
      expect(raw).toContain(verifier);
      expect(raw).not.toContain(ALICE);

      await stack.app.stop();
      const before = router.of(id).length;
      // Drained: no complete (the stream is not over), nothing sent while no replica runs.
      expect(router.of(id).some((m) => m.action === 'complete')).toBe(false);
      await new Promise((r) => setTimeout(r, 200));
      expect(router.of(id)).toHaveLength(before);

      await stack.restart();
      // Carried on at once (its lease was let go): heartbeats again, and the current state as next.
      await router.received(id, 'next', before);
      await router.received(id, 'check', before);
      // The restarted watcher polls Coze for the made-up upstream task and fails it (or this change wins).
      const current = await stack.app.services.tasks.get(task.id, 'alice');
      if (current && !isFinalStatus(current.status)) await stack.app.services.tasks.change(current, { status: TaskStatus.SUCCEEDED }).catch(() => {});
      await router.received(id, 'complete');
      const final = await stack.app.services.tasks.get(task.id, 'alice');
      const after = router.of(id).slice(before);
      expect(after.every((m) => m.verifier === verifier)).toBe(true);
      expect(after.filter((m) => m.action === 'next').map((m) => m.payload?.data?.['copyTaskUpdated'].status)).toEqual(['RUNNING', final?.status]);
      expect(after.at(-1)).toMatchObject({ action: 'complete' });
      expect(after.at(-1)?.errors).toBeUndefined();
      // Done: the record is gone.
      await eventually(async () => ((await stack.app.services.callbacks.get(id)) === undefined ? true : undefined));
    } finally {
      await stack.close();
    }
  });

  it('completes a carried-on subscription with UNAUTHENTICATED when its API key is no longer configured', async () => {
    const stack = await startStack({ env: { COPYGRAPH_CALLBACK_URLS: router.url } });
    try {
      const task = await runningTask(stack.app, 'bob');
      const { status, id, verifier } = await subscribeWithCallback(task.id, BOB, 0, stack.app);
      expect(status).toBe(200);
      await router.received(id, 'next');
      await stack.app.stop();
      const before = router.of(id).length;

      // Bob's key is revoked while no replica runs: the restarted copygraph must not run his subscription.
      await stack.restart({ COPYGRAPH_API_KEYS: `alice:${ALICE}` });
      await router.received(id, 'complete');
      const after = router.of(id).slice(before);
      expect(after.filter((m) => m.action === 'next')).toHaveLength(0);
      expect(after.at(-1)).toMatchObject({ action: 'complete', verifier });
      expect(after.at(-1)?.errors?.[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');
      expect(JSON.stringify(after)).not.toContain(BOB);
      await eventually(async () => ((await stack.app.services.callbacks.get(id)) === undefined ? true : undefined));
    } finally {
      await stack.close();
    }
  });
});
