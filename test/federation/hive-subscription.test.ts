/**
 * A federated subscription end to end: a graphql-ws client at Hive Gateway's runtime, which runs the
 * subscription against copygraph over graphql-ws and joins each event with the "projects" subgraph.
 * The supergraph is composed in the test; everything runs on loopback.
 */
import { type Client, createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { QINIU_DEMO } from '../../emulators/qiniu.ts';
import { Provider } from '../../src/core/errors.ts';
import { TaskStatus } from '../../src/tasks/model.ts';
import { composeSupergraph, type RunningHiveGateway, startHiveGateway } from '../fixtures/gateways.ts';
import { type ProjectsSubgraph, startProjectsSubgraph } from '../fixtures/projects-subgraph.ts';
import { ALICE, BOB, type Stack, startStack } from '../helpers/stack.ts';

let stack: Stack;
let projects: ProjectsSubgraph;
let hive: RunningHiveGateway;
const clients: Client[] = [];

beforeAll(async () => {
  [stack, projects] = await Promise.all([startStack(), startProjectsSubgraph()]);
  hive = await startHiveGateway(composeSupergraph({ copygraph: stack.app.url, projects: projects.url }).supergraphSdl);
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  await hive?.close();
  await projects?.close();
  await stack?.close();
});

function gatewayClient(key: string): Client {
  const client = createClient({ url: hive.wsUrl, webSocketImpl: WebSocket, retryAttempts: 0, connectionParams: { authorization: `Bearer ${key}` } });
  clients.push(client);
  return client;
}

const TASK_UPDATES = /* GraphQL */ `
  subscription TaskUpdates($id: ID!) {
    copyTaskUpdated(id: $id) {
      id status isFinal progress { completed total }
      auditLabel
      projects { name }
    }
  }
`;

interface Update {
  copyTaskUpdated: {
    id: string;
    status: string;
    isFinal: boolean;
    progress: { completed: number; total: number } | null;
    auditLabel: string;
    projects: { name: string }[];
  };
}

/** Runs a subscription to its end; `onValue` may act after each value (to drive the next change). */
function run(client: Client, id: string, onValue: (n: number) => Promise<void> = async () => {}): Promise<{ values: Update[]; errors: unknown[] }> {
  const values: Update[] = [];
  const errors: unknown[] = [];
  return new Promise((resolve, reject) => {
    client.subscribe<Update>(
      { query: TASK_UPDATES, variables: { id } },
      {
        next: (v) => {
          if (v.errors) errors.push(...v.errors);
          if (v.data) {
            values.push(v.data);
            onValue(values.length).catch(reject);
          }
        },
        error: (e) => reject(e instanceof Error ? e : new Error(JSON.stringify(e))),
        complete: () => resolve({ values, errors }),
      },
    );
  });
}

describe('federated subscription through Hive Gateway', () => {
  it('copies through the gateway, then streams the task to its end with fields joined from projects', async () => {
    const res = await fetch(hive.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ALICE}` },
      body: JSON.stringify({
        query: 'mutation($input: CopyObjectInput!) { copyObject(input: $input) { __typename ... on CopyTask { id status } } }',
        variables: {
          input: {
            source: { bucket: QINIU_DEMO.sourceBucket, key: 'docs/readme.txt' },
            destination: { bucket: QINIU_DEMO.backupBucket, key: 'hive/readme.txt' },
          },
        },
      }),
    });
    const body = (await res.json()) as { data: { copyObject: { __typename: string; id: string; status: string } } };
    expect(body.data.copyObject).toMatchObject({ __typename: 'CopyTask', status: 'SUCCEEDED' });
    expect(stack.emulators.qiniu.getObject(QINIU_DEMO.backupBucket, 'hive/readme.txt')?.hash).toBe(
      stack.emulators.qiniu.getObject(QINIU_DEMO.sourceBucket, 'docs/readme.txt')?.hash,
    );
    const id = body.data.copyObject.id;
    projects.projects.set('docs', { id: 'docs', name: 'Docs', cover: null, backupTaskId: id, costCenter: 'CC-2' });

    const { values, errors } = await run(gatewayClient(ALICE), id);
    expect(errors).toEqual([]);
    // A synchronous copy is born final: its one state, then the end of the stream.
    expect(values).toEqual([
      { copyTaskUpdated: { id, status: 'SUCCEEDED', isFinal: true, progress: null, auditLabel: `copy ${id} (upstream none)`, projects: [{ name: 'Docs' }] } },
    ]);
  });

  it('streams every change of a running task through the gateway and completes after the final state', async () => {
    const { tasks } = stack.app.services;
    let task = await tasks.create({
      owner: 'alice',
      provider: Provider.COZE,
      credentialSource: 'config',
      change: { status: TaskStatus.RUNNING, upstreamTaskId: 'up-1', progress: { completed: 0, total: 2 } },
    });
    projects.projects.set('bots', { id: 'bots', name: 'Bots', cover: null, backupTaskId: task.id, costCenter: 'CC-3' });
    // Each change is made only after the previous state reached the client through the gateway.
    const { values, errors } = await run(gatewayClient(ALICE), task.id, async (n) => {
      if (n === 1) task = await tasks.change(task, { progress: { completed: 1, total: 2 } });
      if (n === 2) task = await tasks.change(task, { status: TaskStatus.SUCCEEDED, progress: { completed: 2, total: 2 } });
    });
    expect(errors).toEqual([]);
    const label = `copy ${task.id} (upstream up-1)`;
    expect(values.map((v) => v.copyTaskUpdated)).toEqual([
      { id: task.id, status: 'RUNNING', isFinal: false, progress: { completed: 0, total: 2 }, auditLabel: label, projects: [{ name: 'Bots' }] },
      { id: task.id, status: 'RUNNING', isFinal: false, progress: { completed: 1, total: 2 }, auditLabel: label, projects: [{ name: 'Bots' }] },
      { id: task.id, status: 'SUCCEEDED', isFinal: true, progress: { completed: 2, total: 2 }, auditLabel: label, projects: [{ name: 'Bots' }] },
    ]);
  });

  it("forwards the subscriber's key over the subgraph WebSocket: another principal gets NOT_FOUND", async () => {
    const task = await stack.app.services.tasks.create({
      owner: 'alice',
      provider: Provider.QINIU,
      credentialSource: 'config',
      change: { status: TaskStatus.SUCCEEDED },
    });
    const { values, errors } = await run(gatewayClient(BOB), task.id);
    expect(values).toEqual([]);
    expect(JSON.stringify(errors)).toContain('NOT_FOUND');
  });
});
