/**
 * Operations over the streaming transports get what HTTP operations get (src/operation-observer.ts):
 * one structured log line each (name, type, principal, duration, outcome, transport, request and trace
 * ids; a subscription's line when it ends, with how it ended), the same ids on every line logged while
 * serving it, the operation metrics by transport, and a SERVER span continuing the caller's
 * `traceparent` with the upstream calls under it. Real clients (graphql-ws, graphql-sse, fetch reading
 * a multipart answer) against a real server; the spans arrive over OTLP/HTTP in protobuf (the default
 * protocol) at a loopback receiver.
 */
import { createClient as createSseClient } from 'graphql-sse';
import { createClient as createWsClient } from 'graphql-ws';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { COZE_DEMO } from '../emulators/coze.ts';
import { createLogger } from '../src/core/logger.ts';
import { flushTracing } from '../src/core/tracing.ts';
import { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from './helpers/otlp.ts';
import { type Family, parsePrometheusText, sampleSum, scrape } from './helpers/prom.ts';
import { ALICE, collect, eventually, type Stack, startStack } from './helpers/stack.ts';

const lines: Record<string, unknown>[] = [];
const sink = new Writable({
  write: (chunk, _enc, cb) => {
    for (const l of String(chunk).split('\n')) if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
    cb();
  },
});

let receiver: OtlpReceiver;
let stack: Stack;
/** A router's callback endpoint: records each message; 204 to a check (with its protocol), 200 otherwise. */
let router: Server;
let routerUrl = '';
const routerMessages: { action: string; id: string }[] = [];
beforeAll(async () => {
  receiver = await startOtlpReceiver();
  router = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const m = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { action: string; id: string };
      routerMessages.push(m);
      if (m.action === 'check') res.writeHead(204, { 'subscription-protocol': 'callback/1.0' }).end();
      else res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => router.listen(0, '127.0.0.1', resolve));
  routerUrl = `http://127.0.0.1:${(router.address() as AddressInfo).port}/callback`;
  // No OTEL_EXPORTER_OTLP_PROTOCOL: the spec's default, http/protobuf.
  stack = await startStack({
    logger: createLogger('info', sink),
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_SERVICE_NAME: 'copygraph-ops', COPYGRAPH_CALLBACK_URLS: routerUrl },
  });
});
afterAll(async () => {
  await stack?.close();
  await receiver?.close();
  router?.closeAllConnections();
  await new Promise<void>((resolve) => router?.close(() => resolve()));
});

const QINIU_COPY = `mutation Copy($input: CopyObjectInput!) {
  copyObject(input: $input) { __typename ... on CopyTask { id status } ... on CopyError { code } }
}`;
const COZE_COPY = `mutation CozeCopy($input: CopyCozeEntityInput!) {
  copyCozeEntity(input: $input) { __typename ... on CopyTask { id status upstreamTaskId } }
}`;
const WATCH = 'subscription Watch($id: ID!) { copyTaskUpdated(id: $id) { id status isFinal } }';
const TASKS = 'query Tasks { copyTasks(first: 1) { edges { cursor } } }';

const qiniuInput = () => ({
  source: { bucket: 'demo-photos', key: 'photos/sunflower.jpg' },
  destination: { bucket: 'demo-backup', key: `ops-transports/${Date.now()}-${Math.random()}.jpg` },
});
const cozeInput = { entityId: COZE_DEMO.workflowId, entityType: 'WORKFLOW', toWorkspaceId: COZE_DEMO.otherTeamWorkspaceId };

const v = (f: Map<string, Family>, name: string, labels: Record<string, string> = {}) => sampleSum(f, name, labels);
const traceparent = (trace: string, span: string) => `00-${trace}-${span}-01`;
const opLines = (pred: (l: Record<string, unknown>) => boolean) => lines.filter((l) => l['msg'] === 'graphql operation' && pred(l));

async function spansWhere(pred: (s: ReceivedSpan) => boolean, atLeast = 1): Promise<ReceivedSpan[]> {
  return eventually(async () => {
    await flushTracing();
    const found = receiver.spans.filter(pred);
    return found.length >= atLeast ? found : undefined;
  });
}

/** A Coze copy (over HTTP) that runs until `finish()`, for subscriptions to follow. */
async function runningCozeTask(): Promise<{ id: string; finish: () => void }> {
  const task = (await stack.data<{ copyCozeEntity: { id: string; upstreamTaskId: string } }>(COZE_COPY, { input: cozeInput })).copyCozeEntity;
  return { id: task.id, finish: () => stack.emulators.coze.completeTask(task.upstreamTaskId) };
}

describe('graphql-ws operations', () => {
  const TRACE = 'aa0c8f4f1e3b4d2c9a8b7c6d5e4f3a2b';
  const SPAN = '1111222233334444';
  const upgradeIds: string[] = [];
  /** The ws WebSocket with an `x-request-id` on its upgrade request, noting the one answered in the 101. */
  class TracedSocket extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols, { headers: { 'x-request-id': 'ws-upgrade-7' } });
      this.on('upgrade', (res) => upgradeIds.push(String(res.headers['x-request-id'])));
    }
  }
  const client = () =>
    createWsClient({
      url: stack.app.wsUrl,
      webSocketImpl: TracedSocket,
      retryAttempts: 0,
      lazy: true,
      // The connection_init payload carries the trace context (as Apollo Router's passthrough can).
      connectionParams: { authorization: `Bearer ${ALICE}`, traceparent: traceparent(TRACE, SPAN) },
    });

  it('logs, counts and traces a query, a mutation and a subscription sent over the socket', async () => {
    const before = (await scrape(stack.app.metricsUrl)).families;
    const ws = client();
    try {
      expect((await collect(ws, TASKS))[0]).toHaveProperty('copyTasks');
      const [copied] = await collect<{ copyObject: { __typename: string } }>(ws, QINIU_COPY, { input: qiniuInput() });
      expect(copied?.copyObject.__typename).toBe('CopyTask');
      const task = await runningCozeTask();
      const events = collect<{ copyTaskUpdated: { status: string } }>(ws, WATCH, { id: task.id });
      await eventually(async () =>
        v((await scrape(stack.app.metricsUrl)).families, 'copygraph_subscriptions_active', { transport: 'ws' }) === 1 ? true : undefined,
      );
      task.finish();
      expect((await events).map((e) => e.copyTaskUpdated.status)).toEqual(['RUNNING', 'SUCCEEDED']);
    } finally {
      await ws.dispose();
    }
    expect(upgradeIds).toContain('ws-upgrade-7');

    // One line per operation: its own request id, the socket's upgrade request id, the trace id.
    const ops = await eventually(() => {
      const found = opLines((l) => l['transport'] === 'ws' && l['connectionRequestId'] === 'ws-upgrade-7');
      return found.length >= 3 ? found : undefined;
    });
    const byName = (name: string) => ops.filter((l) => l['operationName'] === name);
    expect(byName('Tasks')).toEqual([expect.objectContaining({ operationType: 'query', outcome: 'ok', principal: 'alice', traceId: TRACE })]);
    expect(byName('Copy')).toEqual([
      expect.objectContaining({ operationType: 'mutation', outcome: 'ok', principal: 'alice', traceId: TRACE, results: { copyObject: 'CopyTask' } }),
    ]);
    expect(byName('Watch')).toEqual([
      expect.objectContaining({ operationType: 'subscription', outcome: 'ok', ended: 'completed', principal: 'alice', traceId: TRACE }),
    ]);
    for (const l of ops) {
      expect(l['requestId']).toMatch(/^[0-9a-f-]{36}$/);
      expect(typeof l['durationMs']).toBe('number');
      expect(typeof l['wsOperationId']).toBe('string');
    }
    expect(new Set(ops.map((l) => l['requestId'])).size).toBe(ops.length);
    // The resolver's own line while serving the mutation carries the mutation's ids.
    const copyLine = byName('Copy')[0] as Record<string, unknown>;
    expect(lines.find((l) => l['msg'] === 'object copied' && l['requestId'] === copyLine['requestId'])).toMatchObject({
      traceId: TRACE,
      connectionRequestId: 'ws-upgrade-7',
    });

    // Metrics by transport.
    const after = (await scrape(stack.app.metricsUrl)).families;
    const delta = (name: string, labels: Record<string, string>) => v(after, name, labels) - v(before, name, labels);
    expect(delta('copygraph_graphql_operations_total', { transport: 'ws', type: 'query', name: 'Tasks', outcome: 'ok' })).toBe(1);
    expect(delta('copygraph_graphql_operations_total', { transport: 'ws', type: 'mutation', name: 'Copy', outcome: 'ok' })).toBe(1);
    expect(delta('copygraph_graphql_operations_total', { transport: 'ws', type: 'subscription', name: 'Watch', outcome: 'ok' })).toBe(1);
    expect(delta('copygraph_graphql_operation_duration_seconds_count', { transport: 'ws', type: 'subscription', name: 'Watch' })).toBe(1);
    expect(delta('copygraph_graphql_results_total', { field: 'copyObject', typename: 'CopyTask' })).toBe(1);
    expect(delta('copygraph_subscriptions_ended_total', { transport: 'ws', reason: 'completed' })).toBe(1);
    expect(v(after, 'copygraph_subscriptions_active', { transport: 'ws' })).toBe(0);

    // Spans: each operation a SERVER span continuing the connection_init's traceparent; the mutation's
    // upstream call under it.
    const [mutation] = await spansWhere((s) => s.traceId === TRACE && s.name === 'mutation Copy');
    expect(mutation).toMatchObject({ parentSpanId: SPAN, kind: 2, serviceName: 'copygraph-ops', attributes: { 'copygraph.transport': 'ws' } });
    const [upstream] = await spansWhere((s) => s.parentSpanId === mutation?.spanId);
    expect(upstream).toMatchObject({ traceId: TRACE, kind: 3, attributes: { 'copygraph.provider': 'QINIU', 'http.response.status_code': 200 } });
    const [watch] = await spansWhere((s) => s.traceId === TRACE && s.name === 'subscription Watch');
    expect(watch).toMatchObject({ parentSpanId: SPAN, attributes: { 'graphql.operation.type': 'subscription', 'copygraph.subscription.ended': 'completed' } });
    await spansWhere((s) => s.traceId === TRACE && s.name === 'query Tasks' && s.parentSpanId === SPAN);
  });

  it('keeps a task created over the socket in the mutation’s trace: the watcher’s polls link to its span', async () => {
    const ws = client();
    try {
      const [created] = await collect<{ copyCozeEntity: { id: string; upstreamTaskId: string } }>(ws, COZE_COPY, { input: cozeInput });
      const task = created?.copyCozeEntity as { id: string; upstreamTaskId: string };
      const [mutation] = await spansWhere((s) => s.traceId === TRACE && s.name === 'mutation CozeCopy');
      expect(mutation).toMatchObject({ parentSpanId: SPAN, attributes: { 'copygraph.transport': 'ws' } });
      await spansWhere((s) => s.parentSpanId === mutation?.spanId && s.name === 'COZE POST /v1/entities/copy_tasks');
      const [poll] = await spansWhere((s) => s.name === 'poll COZE' && s.attributes['copygraph.task_id'] === task.id);
      expect(poll?.links).toEqual([{ traceId: TRACE, spanId: mutation?.spanId }]);
      stack.emulators.coze.completeTask(task.upstreamTaskId);
    } finally {
      await ws.dispose();
    }
  });

  it('ends a subscription the client completes as client_closed, and a refused one with its code', async () => {
    const task = await runningCozeTask();
    const ws = client();
    try {
      const seen = new Promise<void>((resolve, reject) => {
        const stop = ws.subscribe(
          { query: WATCH, variables: { id: task.id }, extensions: { traceparent: traceparent(TRACE, '5555666677778888') } },
          {
            next: () => {
              stop();
              resolve();
            },
            error: reject,
            complete: () => undefined,
          },
        );
      });
      await seen;
      const line = await eventually(() => opLines((l) => l['transport'] === 'ws' && l['ended'] === 'client_closed')[0]);
      expect(line).toMatchObject({ operationName: 'Watch', outcome: 'ok', traceId: TRACE });
      // The subscribe message's own traceparent wins over the connection's.
      await spansWhere((s) => s.name === 'subscription Watch' && s.parentSpanId === '5555666677778888');
      const refused = await collect(ws, 'query Broken { nope }').catch((e: unknown) => e);
      expect(String(refused)).toContain('GRAPHQL_VALIDATION_FAILED');
      expect(await eventually(() => opLines((l) => l['transport'] === 'ws' && l['outcome'] === 'GRAPHQL_VALIDATION_FAILED')[0])).toMatchObject({
        operationType: null,
        errorCodes: ['GRAPHQL_VALIDATION_FAILED'],
        principal: 'alice',
        traceId: TRACE,
      });
    } finally {
      await ws.dispose();
      task.finish();
    }
  });
});

describe('graphql-sse operations', () => {
  const TRACE = 'bb1d9e5e2f4c5e3d0b9c8d7e6f5a4b3c';
  const SPAN = '2222333344445555';

  it('logs, counts and traces a subscription on /graphql/stream with the HTTP request’s ids', async () => {
    const before = (await scrape(stack.app.metricsUrl)).families;
    const task = await runningCozeTask();
    const sse = createSseClient({
      url: stack.app.url.replace(/\/graphql$/, '/graphql/stream'),
      retryAttempts: 0,
      headers: { authorization: `Bearer ${ALICE}`, 'x-request-id': 'sse-sub-1', traceparent: traceparent(TRACE, SPAN) },
    });
    try {
      const statuses: string[] = [];
      const done = new Promise<void>((resolve, reject) => {
        sse.subscribe<{ copyTaskUpdated: { status: string } }>(
          { query: WATCH, variables: { id: task.id } },
          {
            next: (r) => void statuses.push(String(r.data?.copyTaskUpdated.status)),
            error: reject,
            complete: resolve,
          },
        );
      });
      await eventually(() => (statuses.length >= 1 ? true : undefined));
      expect(v((await scrape(stack.app.metricsUrl)).families, 'copygraph_subscriptions_active', { transport: 'sse' })).toBe(1);
      task.finish();
      await done;
      expect(statuses).toEqual(['RUNNING', 'SUCCEEDED']);
    } finally {
      sse.dispose();
    }
    const line = await eventually(() => opLines((l) => l['requestId'] === 'sse-sub-1')[0]);
    expect(line).toMatchObject({
      transport: 'sse',
      operationType: 'subscription',
      operationName: 'Watch',
      principal: 'alice',
      outcome: 'ok',
      ended: 'completed',
      traceId: TRACE,
    });
    const after = (await scrape(stack.app.metricsUrl)).families;
    const delta = (name: string, labels: Record<string, string>) => v(after, name, labels) - v(before, name, labels);
    expect(delta('copygraph_graphql_operations_total', { transport: 'sse', type: 'subscription', name: 'Watch', outcome: 'ok' })).toBe(1);
    expect(delta('copygraph_subscriptions_ended_total', { transport: 'sse', reason: 'completed' })).toBe(1);
    expect(v(after, 'copygraph_subscriptions_active', { transport: 'sse' })).toBe(0);
    const [span] = await spansWhere((s) => s.traceId === TRACE && s.name === 'subscription Watch');
    expect(span).toMatchObject({ parentSpanId: SPAN, kind: 2, attributes: { 'copygraph.transport': 'sse', 'copygraph.subscription.ended': 'completed' } });
  });

  it('observes a mutation sent to /graphql as an event stream, its upstream call under its span', async () => {
    const res = await fetch(stack.app.url, {
      method: 'POST',
      headers: {
        accept: 'text/event-stream',
        'content-type': 'application/json',
        authorization: `Bearer ${ALICE}`,
        'x-request-id': 'sse-mut-1',
        traceparent: traceparent(TRACE, SPAN),
      },
      body: JSON.stringify({ query: QINIU_COPY, variables: { input: qiniuInput() } }),
    });
    expect(res.headers.get('x-request-id')).toBe('sse-mut-1');
    expect(await res.text()).toContain('CopyTask');
    const line = await eventually(() => opLines((l) => l['requestId'] === 'sse-mut-1')[0]);
    expect(line).toMatchObject({
      transport: 'sse',
      operationType: 'mutation',
      operationName: 'Copy',
      outcome: 'ok',
      traceId: TRACE,
      results: { copyObject: 'CopyTask' },
    });
    expect(line).not.toHaveProperty('ended');
    expect(lines.find((l) => l['msg'] === 'object copied' && l['requestId'] === 'sse-mut-1')).toMatchObject({ traceId: TRACE });
    const [op] = await spansWhere((s) => s.traceId === TRACE && s.name === 'mutation Copy');
    await spansWhere((s) => s.parentSpanId === op?.spanId && s.kind === 3 && s.attributes['copygraph.provider'] === 'QINIU');
  });
});

describe('router callback subscriptions', () => {
  const TRACE = 'ee4a1b2c3d4e5f60718293a4b5c6d7e8';
  const SPAN = '5555666677778888';

  it('logs, counts and traces a subscription a router holds by callback, from its request to its complete', async () => {
    const before = (await scrape(stack.app.metricsUrl)).families;
    const task = await runningCozeTask();
    const id = randomUUID();
    const res = await fetch(stack.app.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ALICE}`, 'x-request-id': 'cb-sub-1', traceparent: traceparent(TRACE, SPAN) },
      body: JSON.stringify({
        query: WATCH,
        variables: { id: task.id },
        extensions: { subscription: { callbackUrl: routerUrl, subscriptionId: id, verifier: randomUUID(), heartbeatIntervalMs: 0 } },
      }),
    });
    expect(res.status).toBe(200);
    await eventually(() => (routerMessages.some((m) => m.id === id && m.action === 'next') ? true : undefined));
    expect(v((await scrape(stack.app.metricsUrl)).families, 'copygraph_subscriptions_active', { transport: 'callback' })).toBe(1);
    task.finish();
    await eventually(() => (routerMessages.some((m) => m.id === id && m.action === 'complete') ? true : undefined));
    const line = await eventually(() => opLines((l) => l['transport'] === 'callback' && l['requestId'] === 'cb-sub-1')[0]);
    expect(line).toMatchObject({
      operationType: 'subscription',
      operationName: 'Watch',
      principal: 'alice',
      outcome: 'ok',
      ended: 'completed',
      traceId: TRACE,
    });
    const after = await eventually(async () => {
      const f = (await scrape(stack.app.metricsUrl)).families;
      return v(f, 'copygraph_subscriptions_active', { transport: 'callback' }) === 0 ? f : undefined;
    });
    const delta = (name: string, labels: Record<string, string>) => v(after, name, labels) - v(before, name, labels);
    expect(delta('copygraph_graphql_operations_total', { transport: 'callback', type: 'subscription', name: 'Watch', outcome: 'ok' })).toBe(1);
    expect(delta('copygraph_subscriptions_ended_total', { transport: 'callback', reason: 'completed' })).toBe(1);
    // The subscribing request has its own (http) span, continuing the router's traceparent; the
    // subscription's own span (its lifetime, how it ended) is a child of it.
    const [request] = await spansWhere((s) => s.traceId === TRACE && s.attributes['copygraph.transport'] === 'http');
    expect(request).toMatchObject({ parentSpanId: SPAN, kind: 2 });
    const [span] = await spansWhere((s) => s.traceId === TRACE && s.name === 'subscription Watch' && s.attributes['copygraph.transport'] === 'callback');
    expect(span).toMatchObject({ parentSpanId: request?.spanId, kind: 2, attributes: { 'copygraph.subscription.ended': 'completed' } });
  });
});

describe('multipart HTTP subscriptions', () => {
  const TRACE = 'cc2e0f6f3a5d6f4e1c0d9e8f7a6b5c4d';
  const SPAN = '3333444455556666';

  it('logs, counts and traces a subscription answered as multipart/mixed', async () => {
    const before = (await scrape(stack.app.metricsUrl)).families;
    const task = await runningCozeTask();
    const res = await fetch(stack.app.url, {
      method: 'POST',
      headers: {
        accept: 'multipart/mixed;subscriptionSpec="1.0", application/json',
        'content-type': 'application/json',
        authorization: `Bearer ${ALICE}`,
        'x-request-id': 'mp-sub-1',
        traceparent: traceparent(TRACE, SPAN),
      },
      body: JSON.stringify({ query: WATCH, variables: { id: task.id } }),
    });
    expect(res.headers.get('content-type')).toContain('multipart/mixed');
    expect(res.headers.get('x-request-id')).toBe('mp-sub-1');
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = '';
    const readUntil = async (needle: string) => {
      while (!text.includes(needle)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended before ${needle}: ${text}`);
        text += decoder.decode(value, { stream: true });
      }
    };
    await readUntil('RUNNING');
    expect(v((await scrape(stack.app.metricsUrl)).families, 'copygraph_subscriptions_active', { transport: 'multipart' })).toBe(1);
    task.finish();
    await readUntil('SUCCEEDED');
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    expect(text.trimEnd().endsWith('--')).toBe(true);

    const line = await eventually(() => opLines((l) => l['requestId'] === 'mp-sub-1')[0]);
    expect(line).toMatchObject({
      transport: 'multipart',
      operationType: 'subscription',
      operationName: 'Watch',
      principal: 'alice',
      outcome: 'ok',
      ended: 'completed',
      traceId: TRACE,
    });
    const after = (await scrape(stack.app.metricsUrl)).families;
    const delta = (name: string, labels: Record<string, string>) => v(after, name, labels) - v(before, name, labels);
    expect(delta('copygraph_graphql_operations_total', { transport: 'multipart', type: 'subscription', name: 'Watch', outcome: 'ok' })).toBe(1);
    expect(delta('copygraph_subscriptions_ended_total', { transport: 'multipart', reason: 'completed' })).toBe(1);
    expect(v(after, 'copygraph_subscriptions_active', { transport: 'multipart' })).toBe(0);
    const [span] = await spansWhere((s) => s.traceId === TRACE && s.name === 'subscription Watch');
    expect(span).toMatchObject({
      parentSpanId: SPAN,
      kind: 2,
      attributes: { 'copygraph.transport': 'multipart', 'copygraph.subscription.ended': 'completed' },
    });
  });

  it('exported every span in protobuf, the default protocol, and no credential', async () => {
    await flushTracing();
    expect(receiver.contentTypes.length).toBeGreaterThan(0);
    expect(new Set(receiver.contentTypes)).toEqual(new Set(['application/x-protobuf']));
    const exported = receiver.bodies.join('\n');
    for (const secret of [ALICE, 'demo-sk']) expect(exported).not.toContain(secret);
    expect(JSON.stringify(lines)).not.toContain(ALICE);
  });
});

describe('subscriptions cut short', () => {
  it('reports a multipart subscription the client drops as client_closed', async () => {
    const task = await runningCozeTask();
    const abort = new AbortController();
    const res = await fetch(stack.app.url, {
      method: 'POST',
      signal: abort.signal,
      headers: {
        accept: 'multipart/mixed;subscriptionSpec="1.0"',
        'content-type': 'application/json',
        authorization: `Bearer ${ALICE}`,
        'x-request-id': 'mp-drop-1',
      },
      body: JSON.stringify({ query: WATCH, variables: { id: task.id } }),
    });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let text = '';
    while (!text.includes('RUNNING')) text += new TextDecoder().decode((await reader.read()).value);
    abort.abort();
    expect(await eventually(() => opLines((l) => l['requestId'] === 'mp-drop-1')[0])).toMatchObject({
      transport: 'multipart',
      outcome: 'ok',
      ended: 'client_closed',
    });
    task.finish();
  });

  it('reports a graphql-sse subscription the client stops as client_closed', async () => {
    const task = await runningCozeTask();
    const sse = createSseClient({
      url: stack.app.url.replace(/\/graphql$/, '/graphql/stream'),
      retryAttempts: 0,
      headers: { authorization: `Bearer ${ALICE}`, 'x-request-id': 'sse-drop-1' },
    });
    await new Promise<void>((resolve, reject) => {
      const stop = sse.subscribe(
        { query: WATCH, variables: { id: task.id } },
        {
          next: () => {
            stop();
            resolve();
          },
          error: reject,
          complete: () => undefined,
        },
      );
    });
    expect(await eventually(() => opLines((l) => l['requestId'] === 'sse-drop-1')[0])).toMatchObject({
      transport: 'sse',
      outcome: 'ok',
      ended: 'client_closed',
    });
    sse.dispose();
    task.finish();
  });

  it('reports the subscriptions open on every transport when copygraph shuts down as drain', async () => {
    const { registry } = await import('../src/core/metrics.ts');
    const count = async (transport: string) => {
      const families = parsePrometheusText(await registry.metrics());
      return v(families, 'copygraph_subscriptions_ended_total', { transport, reason: 'drain' });
    };
    const before = { ws: await count('ws'), sse: await count('sse'), multipart: await count('multipart') };
    const task = await runningCozeTask();
    const ws = stack.ws();
    const wsDone = collect(ws, WATCH, { id: task.id }).catch((e: unknown) => e);
    const sse = createSseClient({
      url: stack.app.url.replace(/\/graphql$/, '/graphql/stream'),
      retryAttempts: 0,
      headers: { authorization: `Bearer ${ALICE}`, 'x-request-id': 'sse-drain-1' },
    });
    const sseDone = new Promise<void>((resolve) => {
      sse.subscribe({ query: WATCH, variables: { id: task.id } }, { next: () => undefined, error: () => resolve(), complete: () => resolve() });
    });
    const mp = await fetch(stack.app.url, {
      method: 'POST',
      headers: {
        accept: 'multipart/mixed;subscriptionSpec="1.0"',
        'content-type': 'application/json',
        authorization: `Bearer ${ALICE}`,
        'x-request-id': 'mp-drain-1',
      },
      body: JSON.stringify({ query: WATCH, variables: { id: task.id } }),
    });
    const mpDone = mp.text().catch(() => '');
    await eventually(async () => {
      const families = parsePrometheusText(await registry.metrics());
      return ['ws', 'sse', 'multipart'].every((transport) => v(families, 'copygraph_subscriptions_active', { transport }) === 1) ? true : undefined;
    });

    await stack.app.stop();
    await Promise.all([wsDone, sseDone, mpDone]);
    sse.dispose();
    const drained = await eventually(() => {
      const found = opLines((l) => l['ended'] === 'drain' && l['operationName'] === 'Watch');
      return found.length >= 3 ? found : undefined;
    });
    expect(new Set(drained.map((l) => l['transport']))).toEqual(new Set(['ws', 'sse', 'multipart']));
    expect(drained.find((l) => l['transport'] === 'sse')).toMatchObject({ requestId: 'sse-drain-1', outcome: 'ok' });
    expect(drained.find((l) => l['transport'] === 'multipart')).toMatchObject({ requestId: 'mp-drain-1', outcome: 'ok' });
    expect(await count('ws')).toBe(before.ws + 1);
    expect(await count('sse')).toBe(before.sse + 1);
    expect(await count('multipart')).toBe(before.multipart + 1);
  });
});
