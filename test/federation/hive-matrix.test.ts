/**
 * The subscription matrix through Hive Gateway: each of its ways to reach copygraph's subscriptions
 * (its default HTTP transport: an event stream from `GET /graphql`; graphql-ws; the HTTP callback
 * protocol) × each way a client subscribes to the gateway (graphql-ws; SSE) × (the caller's own task,
 * streamed to its final state with fields joined from "projects"; another principal's task, which
 * ends with NOT_FOUND and no value).
 */
import { type Client as SseClient, createClient as createSseClient } from 'graphql-sse';
import { type Client as WsClient, createClient as createWsClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Provider } from '../../src/core/errors.ts';
import { TaskStatus } from '../../src/tasks/model.ts';
import {
  composeSupergraph,
  freeLoopbackPort,
  HIVE_SUBGRAPH_MODES,
  MESH_CALLBACK_PATH,
  MESH_SUBGRAPH_MODES,
  type HiveSubgraphMode,
  type RunningHiveGateway,
  startHiveGateway,
} from '../fixtures/gateways.ts';
import { type ProjectsSubgraph, startProjectsSubgraph } from '../fixtures/projects-subgraph.ts';
import { ALICE, BOB, type Stack, startStack } from '../helpers/stack.ts';

/** The hand-written transports, and the real Mesh transport packages. */
const ALL_MODES: readonly HiveSubgraphMode[] = [...HIVE_SUBGRAPH_MODES, ...MESH_SUBGRAPH_MODES];

let stack: Stack;
let projects: ProjectsSubgraph;
const gateways = new Map<HiveSubgraphMode, RunningHiveGateway>();
const clients: { dispose(): void | Promise<void> }[] = [];

beforeAll(async () => {
  // The hand-written callback transport's server, and the gateway of `mesh-callback` (its webhook route).
  const [callbackPort, meshCallbackPort] = [await freeLoopbackPort(), await freeLoopbackPort()];
  [stack, projects] = await Promise.all([
    startStack({
      env: { COPYGRAPH_CALLBACK_URLS: `http://127.0.0.1:${callbackPort}/callback/,http://127.0.0.1:${meshCallbackPort}${MESH_CALLBACK_PATH}/` },
    }),
    startProjectsSubgraph(),
  ]);
  const { supergraphSdl } = composeSupergraph({ copygraph: stack.app.url, projects: projects.url });
  for (const mode of ALL_MODES) gateways.set(mode, await startHiveGateway(supergraphSdl, mode, mode === 'mesh-callback' ? meshCallbackPort : callbackPort));
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  for (const gateway of gateways.values()) await gateway.close();
  await projects?.close();
  await stack?.close();
});

type ClientTransport = 'graphql-ws' | 'sse';

const UPDATES = /* GraphQL */ `
  subscription TaskUpdates($id: ID!) {
    copyTaskUpdated(id: $id) { id status isFinal progress { completed total } projects { name } }
  }
`;

interface Update {
  copyTaskUpdated: { id: string; status: string; isFinal: boolean; progress: { completed: number } | null; projects: { name: string }[] };
}

interface Outcome {
  values: Update[];
  errors: { message: string; extensions?: Record<string, unknown> }[];
}

type Sink = { next(v: { data?: unknown; errors?: unknown }): void; error(e: unknown): void; complete(): void };

function subscribeVia(transport: ClientTransport, gateway: RunningHiveGateway, key: string, variables: Record<string, unknown>, sink: Sink): void {
  if (transport === 'graphql-ws') {
    const client: WsClient = createWsClient({
      url: gateway.wsUrl,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: { authorization: `Bearer ${key}` },
    });
    clients.push(client);
    client.subscribe({ query: UPDATES, variables }, sink as never);
    return;
  }
  const client: SseClient = createSseClient({ url: gateway.url, headers: { authorization: `Bearer ${key}` }, retryAttempts: 0 });
  clients.push(client);
  client.subscribe({ query: UPDATES, variables }, sink as never);
}

/** Runs the subscription to its end; `onValue` may act after each value (to drive the next change). */
function run(
  transport: ClientTransport,
  mode: HiveSubgraphMode,
  key: string,
  id: string,
  onValue: (n: number) => Promise<void> = async () => {},
): Promise<Outcome> {
  const gateway = gateways.get(mode) as RunningHiveGateway;
  const out: Outcome = { values: [], errors: [] };
  return new Promise((resolve, reject) => {
    subscribeVia(
      transport,
      gateway,
      key,
      { id },
      {
        next: (v) => {
          if (v.errors) out.errors.push(...(v.errors as Outcome['errors']));
          if (v.data) {
            out.values.push(v.data as Update);
            onValue(out.values.length).catch(reject);
          }
        },
        error: (e) => reject(e instanceof Error ? e : new Error(JSON.stringify(e))),
        complete: () => resolve(out),
      },
    );
  });
}

const MATRIX = [
  ...HIVE_SUBGRAPH_MODES.flatMap((mode) => (['graphql-ws', 'sse'] as const).map((client) => [mode, client] as const)),
  // The real Mesh transports, with the JS and with Hive's Rust query planner.
  ['mesh-http', 'sse'] as const,
  ['mesh-ws', 'sse'] as const,
  ['mesh-ws', 'graphql-ws'] as const,
  ['mesh-http', 'graphql-ws'] as const,
  ['rust-http', 'graphql-ws'] as const,
  ['rust-ws', 'graphql-ws'] as const,
  ['rust-http', 'sse'] as const,
  ['rust-ws', 'sse'] as const,
  ['mesh-callback', 'graphql-ws'] as const,
  ['mesh-callback', 'sse'] as const,
];

describe.each(MATRIX)('Hive Gateway (subgraph transport %s), client over %s', (mode, transport) => {
  it('streams the caller’s own task to its final state, joined with projects', async () => {
    const { tasks } = stack.app.services;
    let task = await tasks.create({
      owner: 'alice',
      provider: Provider.COZE,
      credentialSource: 'config',
      change: { status: TaskStatus.RUNNING, upstreamTaskId: `up-${mode}-${transport}`, progress: { completed: 0, total: 2 } },
    });
    projects.projects.set(task.id, { id: task.id, name: `P ${mode} ${transport}`, cover: null, backupTaskId: task.id, costCenter: 'CC' });
    // Each change is made only after the previous state reached the client through the gateway.
    const { values, errors } = await run(transport, mode, ALICE, task.id, async (n) => {
      if (n === 1) task = await tasks.change(task, { progress: { completed: 1, total: 2 } });
      if (n === 2) task = await tasks.change(task, { status: TaskStatus.SUCCEEDED, progress: { completed: 2, total: 2 } });
    });
    expect(errors).toEqual([]);
    expect(values.map((v) => [v.copyTaskUpdated.status, v.copyTaskUpdated.progress?.completed, v.copyTaskUpdated.projects])).toEqual([
      ['RUNNING', 0, [{ name: `P ${mode} ${transport}` }]],
      ['RUNNING', 1, [{ name: `P ${mode} ${transport}` }]],
      ['SUCCEEDED', 2, [{ name: `P ${mode} ${transport}` }]],
    ]);
  });

  // Rust planner: with the mask that lets subgraph errors through (fixture, README).
  it("ends with NOT_FOUND (not an internal error) for another principal's task", async () => {
    const task = await stack.app.services.tasks.create({
      owner: 'alice',
      provider: Provider.QINIU,
      credentialSource: 'config',
      change: { status: TaskStatus.SUCCEEDED },
    });
    const { values, errors } = await run(transport, mode, BOB, task.id);
    expect(values).toEqual([]);
    expect(errors.map((e) => e.extensions?.['code'])).toEqual(['NOT_FOUND']);
  });
});

describe.each(ALL_MODES)('a query through Hive Gateway (subgraph transport %s) that joins a task', (mode) => {
  const query = 'query($id: ID!) { project(id: $id) { name backupTask { id status } } }';
  const post = async (key: string, id: string) => {
    const res = await fetch((gateways.get(mode) as RunningHiveGateway).url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ query, variables: { id } }),
    });
    return (await res.json()) as { data?: { project: { name: string; backupTask: { id: string; status: string } | null } }; errors?: unknown[] };
  };

  it("joins the caller's own task, and another principal's as null with NOT_FOUND (not an internal error)", async () => {
    const task = await stack.app.services.tasks.create({
      owner: 'alice',
      provider: Provider.QINIU,
      credentialSource: 'config',
      change: { status: TaskStatus.SUCCEEDED },
    });
    projects.projects.set(`join-${mode}`, { id: `join-${mode}`, name: 'Joined', cover: null, backupTaskId: task.id, costCenter: 'CC' });
    expect(await post(ALICE, `join-${mode}`)).toEqual({ data: { project: { name: 'Joined', backupTask: { id: task.id, status: 'SUCCEEDED' } } } });
    const asBob = await post(BOB, `join-${mode}`);
    expect(asBob.data).toEqual({ project: { name: 'Joined', backupTask: null } });
    expect((asBob.errors as { extensions?: { code?: string } }[]).map((e) => e.extensions?.code)).toEqual(['NOT_FOUND']);
  });
});
