/**
 * Prometheus metrics after real copies against the emulators: the scrape is read with a strict
 * parser of the text format, and the values are checked against what the emulators and the watcher
 * counted themselves. `/metrics` is on its own port (COPYGRAPH_METRICS_PORT) and not on the API's.
 */
import { createClient as createSseClient } from 'graphql-sse';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COZE_DEMO, COZE_ROUTES } from '../emulators/coze.ts';
import { FEISHU_DEMO, FEISHU_ROUTES } from '../emulators/feishu.ts';
import { Provider } from '../src/core/errors.ts';
import { BoundedLabel, endpointOf } from '../src/core/metrics.ts';
import { TaskStatus } from '../src/tasks/model.ts';
import { type Family, parsePrometheusText, sampleSum, scrape } from './helpers/prom.ts';
import { freeLoopbackPort } from './fixtures/gateways.ts';
import { ALICE, collect, eventually, type Stack, startStack } from './helpers/stack.ts';

const QINIU_COPY = `mutation Copy($input: CopyObjectInput!) {
  copyObject(input: $input) { __typename ... on CopyTask { id status } ... on CopyError { code } }
}`;
const COZE_COPY = `mutation CozeCopy($input: CopyCozeEntityInput!) {
  copyCozeEntity(input: $input) { __typename ... on CopyTask { id status upstreamTaskId } ... on CopyError { code } }
}`;
const WATCH = 'subscription Watch($id: ID!) { copyTaskUpdated(id: $id) { id status isFinal } }';

let stack: Stack;
/** The router's port in callback mode: copygraph calls back only allowed URLs. */
let routerPort: number;
beforeAll(async () => {
  routerPort = await freeLoopbackPort();
  stack = await startStack({ env: { COPYGRAPH_METRICS_PORT: '0', COPYGRAPH_CALLBACK_URLS: `http://127.0.0.1:${routerPort}/callback` } });
});
afterAll(() => stack?.close());

const v = (f: Map<string, Family>, name: string, labels: Record<string, string> = {}) => sampleSum(f, name, labels);

describe('GET /metrics', () => {
  it('is served on the metrics port only, in the Prometheus text format', async () => {
    expect(new URL(stack.app.metricsUrl).port).not.toBe(String(stack.app.port));
    expect((await fetch(stack.app.url.replace(/\/graphql$/, '/metrics'))).status).toBe(404);
    const { contentType, families } = await scrape(stack.app.metricsUrl);
    expect(contentType).toContain('text/plain');
    expect(contentType).toContain('version=0.0.4');
    // Node's default metrics.
    expect(families.get('process_cpu_user_seconds_total')?.type).toBe('counter');
    expect(families.get('nodejs_eventloop_lag_seconds')?.type).toBe('gauge');
    expect(families.get('copygraph_upstream_request_duration_seconds')?.type).toBe('histogram');
  });

  it('counts operations, results, upstream calls, tasks, polls and subscriptions of real copies', async () => {
    const { families: before } = await scrape(stack.app.metricsUrl);
    const qiniu = stack.emulators.qiniu;
    const coze = stack.emulators.coze;
    const qiniuCopies = qiniu.control.calls('copy');
    const cozeCopies = coze.control.calls(COZE_ROUTES.copy);
    const cozeQueries = coze.control.calls(COZE_ROUTES.task);
    const polls = stack.app.services.watcher.pollCounts.get('COZE') ?? 0;

    // A synchronous copy that succeeds, one refused by Qiniu (614: data, not an error).
    const destination = { bucket: 'demo-backup', key: `metrics/${Date.now()}.jpg` };
    const src = { bucket: 'demo-photos', key: 'photos/sunflower.jpg' };
    expect((await stack.data(QINIU_COPY, { input: { source: src, destination } })).copyObject.status).toBe('SUCCEEDED');
    expect((await stack.data(QINIU_COPY, { input: { source: src, destination } })).copyObject.code).toBe('ALREADY_EXISTS');
    // An asynchronous Coze copy, watched over WebSocket until the emulator finishes it.
    const task = (
      await stack.data(COZE_COPY, { input: { entityId: COZE_DEMO.workflowId, entityType: 'WORKFLOW', toWorkspaceId: COZE_DEMO.otherTeamWorkspaceId } })
    ).copyCozeEntity;
    expect(task.status).toBe('RUNNING');
    const events = collect(stack.ws(), WATCH, { id: task.id });
    await eventually(() => ((stack.app.services.watcher.taskPollCounts.get(task.id) ?? 0) >= 2 ? true : undefined));

    const { families: during } = await scrape(stack.app.metricsUrl);
    expect(v(during, 'copygraph_subscriptions_active', { transport: 'ws' })).toBe(1);
    expect(v(during, 'copygraph_tasks_active', { provider: 'COZE', status: 'RUNNING' })).toBe(1);
    expect(v(during, 'copygraph_task_oldest_active_age_seconds', { provider: 'COZE' })).toBeGreaterThan(0);
    expect(v(during, 'copygraph_task_oldest_active_age_seconds', { provider: 'QINIU' })).toBe(0);

    coze.completeTask(task.upstreamTaskId);
    expect((await events).map((e) => e.copyTaskUpdated.status)).toEqual(['RUNNING', 'SUCCEEDED']);
    await eventually(() => (stack.app.services.watcher.isWatching(task.id) ? undefined : true));
    const { families: after } = await scrape(stack.app.metricsUrl);
    const delta = (name: string, labels: Record<string, string> = {}) => v(after, name, labels) - v(before, name, labels);

    // Operations and root results.
    expect(delta('copygraph_graphql_operations_total', { type: 'mutation', name: 'Copy', outcome: 'ok' })).toBe(2);
    expect(delta('copygraph_graphql_operations_total', { type: 'mutation', name: 'CozeCopy', outcome: 'ok' })).toBe(1);
    expect(delta('copygraph_graphql_operation_duration_seconds_count', { type: 'mutation', name: 'Copy' })).toBe(2);
    expect(delta('copygraph_graphql_results_total', { field: 'copyObject', typename: 'CopyTask', code: 'none' })).toBe(1);
    expect(delta('copygraph_graphql_results_total', { field: 'copyObject', typename: 'UpstreamError', code: 'ALREADY_EXISTS' })).toBe(1);
    expect(delta('copygraph_graphql_results_total', { field: 'copyCozeEntity', typename: 'CopyTask' })).toBe(1);

    // Upstream calls, as many as the emulators received, by endpoint template and status.
    const qiniuSent = qiniu.control.calls('copy') - qiniuCopies;
    expect(qiniuSent).toBe(2);
    expect(delta('copygraph_upstream_requests_total', { provider: 'QINIU', endpoint: '/copy/:id/:id' })).toBe(qiniuSent);
    expect(delta('copygraph_upstream_requests_total', { provider: 'QINIU', endpoint: '/copy/:id/:id', outcome: '200' })).toBe(1);
    expect(delta('copygraph_upstream_requests_total', { provider: 'QINIU', endpoint: '/copy/:id/:id', outcome: '614' })).toBe(1);
    expect(delta('copygraph_upstream_requests_total', { provider: 'COZE', endpoint: '/v1/entities/copy_tasks' })).toBe(
      coze.control.calls(COZE_ROUTES.copy) - cozeCopies,
    );
    const queries = coze.control.calls(COZE_ROUTES.task) - cozeQueries;
    expect(queries).toBeGreaterThanOrEqual(2);
    expect(delta('copygraph_upstream_requests_total', { provider: 'COZE', endpoint: '/v1/entities/copy_tasks/:id' })).toBe(queries);
    expect(delta('copygraph_upstream_request_duration_seconds_count', { provider: 'COZE', endpoint: '/v1/entities/copy_tasks/:id' })).toBe(queries);

    // Tasks and the watcher.
    // Every copy is recorded before it is sent, the refused one too (it ends FAILED).
    expect(delta('copygraph_tasks_created_total', { provider: 'QINIU' })).toBe(2);
    expect(delta('copygraph_tasks_finished_total', { provider: 'QINIU', status: 'SUCCEEDED' })).toBe(1);
    expect(delta('copygraph_tasks_finished_total', { provider: 'QINIU', status: 'FAILED' })).toBe(1);
    expect(delta('copygraph_tasks_created_total', { provider: 'COZE' })).toBe(1);
    expect(delta('copygraph_tasks_finished_total', { provider: 'COZE', status: 'SUCCEEDED' })).toBe(1);
    const cozePolls = (stack.app.services.watcher.pollCounts.get('COZE') ?? 0) - polls;
    expect(cozePolls).toBe(queries);
    expect(delta('copygraph_watcher_polls_total', { provider: 'COZE' })).toBe(cozePolls);
    expect(delta('copygraph_watcher_polls_total', { provider: 'COZE', outcome: 'changed' })).toBeGreaterThanOrEqual(1);
    expect(delta('copygraph_watcher_poll_lag_seconds_count', { provider: 'COZE' })).toBe(cozePolls);
    expect(v(after, 'copygraph_tasks_active', { provider: 'COZE' })).toBe(0);
    expect(v(after, 'copygraph_subscriptions_active', { transport: 'ws' })).toBe(0);

    // Histograms are cumulative: buckets never decrease and +Inf equals the count.
    const hist = after.get('copygraph_upstream_request_duration_seconds') as Family;
    const buckets = hist.samples.filter(
      (s) => s.name.endsWith('_bucket') && s.labels['provider'] === 'COZE' && s.labels['endpoint'] === '/v1/entities/copy_tasks/:id',
    );
    for (let i = 1; i < buckets.length; i++)
      expect((buckets[i] as { value: number }).value).toBeGreaterThanOrEqual((buckets[i - 1] as { value: number }).value);
    expect(buckets.find((b) => b.labels['le'] === '+Inf')?.value).toBe(
      v(after, 'copygraph_upstream_request_duration_seconds_count', { provider: 'COZE', endpoint: '/v1/entities/copy_tasks/:id' }),
    );

    // No label carries an id, a key or a principal.
    const forbidden = [task.id, task.upstreamTaskId, 'alice', destination.key, COZE_DEMO.workflowId];
    for (const f of after.values())
      for (const s of f.samples) for (const value of Object.values(s.labels)) expect(forbidden.some((x) => value.includes(x))).toBe(false);
  });

  it('counts a refused request (no API key) by its error code', async () => {
    const { families: before } = await scrape(stack.app.metricsUrl);
    const { status } = await stack.gql('{ copyTasks(first: 1) { edges { cursor } } }', {}, { key: null });
    expect(status).toBe(401);
    const { families: after } = await scrape(stack.app.metricsUrl);
    expect(
      v(after, 'copygraph_graphql_operations_total', { outcome: 'UNAUTHENTICATED' }) -
        v(before, 'copygraph_graphql_operations_total', { outcome: 'UNAUTHENTICATED' }),
    ).toBe(1);
  });
});

describe('retries and the rate limiter', () => {
  it('counts a Feishu token refresh as a retry, and every Feishu call’s wait in the limiter', async () => {
    const feishu = stack.emulators.feishu;
    const input = { spaceId: FEISHU_DEMO.spaceId, nodeToken: FEISHU_DEMO.nodes.onboarding, targetParentToken: FEISHU_DEMO.nodes.templates };
    const COPY = 'mutation Wiki($input: CopyWikiNodeInput!) { copyWikiNode(input: $input) { __typename ... on CopyTask { status } } }';
    expect((await stack.data(COPY, { input })).copyWikiNode.status).toBe('SUCCEEDED'); // caches a token
    const { families: before } = await scrape(stack.app.metricsUrl);
    const copiesBefore = feishu.callLog(FEISHU_ROUTES.copy).length;
    expect(feishu.revokeAppTokens(FEISHU_DEMO.appId)).toBeGreaterThan(0);
    expect((await stack.data(COPY, { input })).copyWikiNode.status).toBe('SUCCEEDED');
    const { families: after } = await scrape(stack.app.metricsUrl);
    const delta = (name: string, labels: Record<string, string>) => v(after, name, labels) - v(before, name, labels);
    const statuses = feishu
      .callLog(FEISHU_ROUTES.copy)
      .slice(copiesBefore)
      .map((e) => e.status);
    expect(statuses).toEqual([400, 200]);
    expect(delta('copygraph_upstream_retries_total', { provider: 'FEISHU', reason: 'token_refresh' })).toBe(1);
    const endpoint = '/open-apis/wiki/v2/spaces/:id/nodes/:id/copy';
    expect(delta('copygraph_upstream_requests_total', { provider: 'FEISHU', endpoint, outcome: '400' })).toBe(1);
    expect(delta('copygraph_upstream_requests_total', { provider: 'FEISHU', endpoint, outcome: '200' })).toBe(1);
    // Both copy calls took a slot of the limiter (the token fetch is not limited).
    expect(delta('copygraph_rate_limiter_wait_seconds_count', { limiter: 'feishu' })).toBe(2);
  });
});

describe('the subscriptions gauge', () => {
  it('counts a graphql-sse subscription while it is open', async () => {
    let task = await stack.app.services.tasks.create({
      owner: 'alice',
      provider: Provider.COZE,
      credentialSource: 'config',
      change: { status: TaskStatus.RUNNING },
    });
    const client = createSseClient({ url: `${stack.app.url}/stream`, headers: { authorization: `Bearer ${ALICE}` }, retryAttempts: 0 });
    const seen: string[] = [];
    const done = new Promise<void>((resolve, reject) => {
      client.subscribe<{ copyTaskUpdated: { status: string } }>(
        { query: WATCH, variables: { id: task.id } },
        { next: (e) => void seen.push(e.data?.copyTaskUpdated.status ?? 'error'), error: reject, complete: resolve },
      );
    });
    await eventually(() => (seen.length > 0 ? true : undefined));
    expect(v((await scrape(stack.app.metricsUrl)).families, 'copygraph_subscriptions_active', { transport: 'sse' })).toBe(1);
    task = await stack.app.services.tasks.change(task, { status: TaskStatus.SUCCEEDED });
    await done;
    expect(seen).toEqual(['RUNNING', 'SUCCEEDED']);
    await eventually(async () =>
      v((await scrape(stack.app.metricsUrl)).families, 'copygraph_subscriptions_active', { transport: 'sse' }) === 0 ? true : undefined,
    );
    client.dispose();
  });
});

describe('the subscriptions gauge in router callback mode', () => {
  it('counts a callback subscription from its accepted check until complete', async () => {
    const actions: string[] = [];
    const router = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const { action } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { action: string };
        actions.push(action);
        if (action === 'check') res.writeHead(204, { 'subscription-protocol': 'callback/1.0' }).end();
        else res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => router.listen(routerPort, '127.0.0.1', resolve));
    try {
      const callbackUrl = `http://127.0.0.1:${(router.address() as AddressInfo).port}/callback`;
      let task = await stack.app.services.tasks.create({
        owner: 'alice',
        provider: Provider.COZE,
        credentialSource: 'config',
        change: { status: TaskStatus.RUNNING },
      });
      const res = await fetch(stack.app.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${ALICE}` },
        body: JSON.stringify({
          query: WATCH,
          variables: { id: task.id },
          extensions: { subscription: { callbackUrl, subscriptionId: randomUUID(), verifier: randomUUID(), heartbeatIntervalMs: 0 } },
        }),
      });
      expect(res.status).toBe(200);
      await eventually(() => (actions.includes('next') ? true : undefined));
      expect(v((await scrape(stack.app.metricsUrl)).families, 'copygraph_subscriptions_active', { transport: 'callback' })).toBe(1);
      task = await stack.app.services.tasks.change(task, { status: TaskStatus.SUCCEEDED });
      await eventually(() => (actions.includes('complete') ? true : undefined));
      await eventually(async () =>
        v((await scrape(stack.app.metricsUrl)).families, 'copygraph_subscriptions_active', { transport: 'callback' }) === 0 ? true : undefined,
      );
    } finally {
      router.closeAllConnections();
      await new Promise<void>((resolve) => router.close(() => resolve()));
    }
  });
});

describe('bounded labels and the parser', () => {
  it('templates upstream paths: ids become :id, plain words stay', () => {
    expect(endpointOf('http://h/copy/ZGVtbzpwaG90b3M=/ZGVtbzprZXk=/force/true')).toBe('/copy/:id/:id/force/true');
    expect(endpointOf('http://h/open-apis/wiki/v2/spaces/7034502641455497244/nodes/wikcnKQ1k3p/copy')).toBe('/open-apis/wiki/v2/spaces/:id/nodes/:id/copy');
    expect(endpointOf('http://h/api/v1/oss/source/copy/process?taskID=123')).toBe('/api/v1/oss/source/copy/process');
  });

  it('caps distinct values and refuses odd shapes', () => {
    const label = new BoundedLabel(2, /^[a-z]+$/);
    expect([label.value('a'), label.value('b'), label.value('c'), label.value('a'), label.value('A!'), label.value(undefined)]).toEqual([
      'a',
      'b',
      'other',
      'a',
      'other',
      'none',
    ]);
  });

  it('rejects what Prometheus would reject', () => {
    expect(() => parsePrometheusText('metric{a="1" 2\n')).toThrow();
    expect(() => parsePrometheusText('metric{a="1"} two\n')).toThrow();
    expect(() => parsePrometheusText('metric{a="x\\q"} 1\n')).toThrow();
    const f = parsePrometheusText('# TYPE m counter\nm_total{a="x\\"y\\\\z"} 3 1700000000\n');
    expect(f.get('m')?.samples).toEqual([{ name: 'm_total', labels: { a: 'x"y\\z' }, value: 3 }]);
  });
});
