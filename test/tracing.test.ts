/**
 * OpenTelemetry traces of a real copy, exported over OTLP/HTTP (JSON) to a loopback receiver: the
 * operation's SERVER span continues the router's `traceparent`, each upstream call is a CLIENT span
 * under it (provider, endpoint template, status, upstream log id; no credential anywhere), and each
 * watcher poll is a span of its own linked to the operation that created the task.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COZE_DEMO } from '../emulators/coze.ts';
import { flushTracing } from '../src/core/tracing.ts';
import { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from './helpers/otlp.ts';
import { ALICE, eventually, type Stack, startStack } from './helpers/stack.ts';

const ROUTER_TRACE = '0af7651916cd43dd8448eb211c80319c';
const ROUTER_SPAN = 'b7ad6b7169203331';

let receiver: OtlpReceiver;
let stack: Stack;
beforeAll(async () => {
  receiver = await startOtlpReceiver();
  stack = await startStack({
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_SERVICE_NAME: 'copygraph-test' },
  });
});
afterAll(async () => {
  await stack?.close();
  await receiver?.close();
});

const COPY = `mutation CozeCopy($input: CopyCozeEntityInput!) {
  copyCozeEntity(input: $input) { __typename ... on CopyTask { id status upstreamTaskId } }
}`;
const TASK = 'query Task($id: ID!) { copyTask(id: $id) { status isFinal } }';

async function spansWhere(pred: (s: ReceivedSpan) => boolean, atLeast = 1): Promise<ReceivedSpan[]> {
  return eventually(async () => {
    await flushTracing();
    const found = receiver.spans.filter(pred);
    return found.length >= atLeast ? found : undefined;
  });
}

describe('traces', () => {
  it('continue the router’s trace through the operation and its upstream calls, and link the watcher’s polls to it', async () => {
    const res = await fetch(stack.app.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ALICE}`, traceparent: `00-${ROUTER_TRACE}-${ROUTER_SPAN}-01` },
      body: JSON.stringify({
        query: COPY,
        variables: { input: { entityId: COZE_DEMO.workflowId, entityType: 'WORKFLOW', toWorkspaceId: COZE_DEMO.otherTeamWorkspaceId } },
      }),
    });
    const task = ((await res.json()) as { data: { copyCozeEntity: { id: string; status: string; upstreamTaskId: string } } }).data.copyCozeEntity;
    expect(task.status).toBe('RUNNING');
    await eventually(() => ((stack.app.services.watcher.taskPollCounts.get(task.id) ?? 0) >= 1 ? true : undefined));
    stack.emulators.coze.completeTask(task.upstreamTaskId);
    await eventually(async () => ((await stack.data(TASK, { id: task.id })).copyTask.isFinal ? true : undefined));

    const [operation] = await spansWhere((s) => s.traceId === ROUTER_TRACE && s.name === 'mutation CozeCopy');
    expect(operation).toMatchObject({
      parentSpanId: ROUTER_SPAN,
      kind: 2, // SERVER
      serviceName: 'copygraph-test',
      attributes: { 'graphql.operation.type': 'mutation', 'graphql.operation.name': 'CozeCopy' },
    });
    const [submit] = await spansWhere((s) => s.parentSpanId === operation?.spanId && s.kind === 3);
    expect(submit).toMatchObject({
      traceId: ROUTER_TRACE,
      name: 'COZE POST /v1/entities/copy_tasks',
      attributes: { 'copygraph.provider': 'COZE', 'http.request.method': 'POST', 'url.template': '/v1/entities/copy_tasks', 'http.response.status_code': 200 },
    });
    expect(String(submit?.attributes['copygraph.upstream.log_id'])).toMatch(/\w{8,}/);

    // Each poll: its own trace, linked to the operation that created the task, with the upstream query under it.
    const polls = await spansWhere((s) => s.name === 'poll COZE' && s.attributes['copygraph.task_id'] === task.id);
    for (const poll of polls) {
      expect(poll.traceId).not.toBe(ROUTER_TRACE);
      expect(poll.parentSpanId).toBeUndefined();
      expect(poll.links).toEqual([{ traceId: ROUTER_TRACE, spanId: operation?.spanId }]);
    }
    const queries = await spansWhere((s) => polls.some((p) => p.spanId === s.parentSpanId), polls.length);
    for (const q of queries)
      expect(q).toMatchObject({ name: 'COZE GET /v1/entities/copy_tasks/:id', kind: 3, attributes: { 'http.response.status_code': 200 } });
    expect(polls.some((p) => p.attributes['copygraph.poll.changed'] === true)).toBe(true);

    // Never a credential, a URL with its query, or the caller's key in what was exported.
    const exported = receiver.bodies.join('\n');
    for (const secret of [ALICE, 'pat_demo', 'demo-sk', 'demo-secret']) expect(exported).not.toContain(secret);
    // OTEL_EXPORTER_OTLP_PROTOCOL=http/json: every export was JSON (the protobuf default: ops-transports.test.ts).
    expect(new Set(receiver.contentTypes)).toEqual(new Set(['application/json']));
  });
});
