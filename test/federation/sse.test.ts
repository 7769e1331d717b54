/**
 * graphql-sse on `/graphql/stream` for clients that cannot open a WebSocket: the same
 * authentication, context and error masking as graphql-ws, checked with graphql-sse's own client.
 */
import { type Client as SseClient, createClient as createSseClient } from 'graphql-sse';
import { createClient as createWsClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { QINIU_DEMO } from '../../emulators/qiniu.ts';
import { Provider } from '../../src/core/errors.ts';
import { type CopyTaskRecord, TaskStatus } from '../../src/tasks/model.ts';
import { type InstrumentedApp, startInstrumentedApp } from '../fixtures/instrumented-app.ts';
import { ALICE, BOB, eventually } from '../helpers/stack.ts';

let fed: InstrumentedApp;
const clients: { dispose(): void | Promise<void> }[] = [];

beforeAll(async () => {
  fed = await startInstrumentedApp();
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  await fed?.close();
});

function sse(key: string | null): SseClient {
  const client = createSseClient({
    url: `${fed.app.url}/stream`,
    headers: key ? { authorization: `Bearer ${key}` } : {},
    retryAttempts: 0,
  });
  clients.push(client);
  return client;
}

interface Outcome {
  values: Record<string, any>[];
  errors: { message: string; extensions?: Record<string, unknown> }[];
}

/** Runs an operation to its end; `onValue` may act after each value. Rejects on a transport error. */
function run(client: SseClient, query: string, variables: Record<string, unknown>, onValue: (n: number) => Promise<void> = async () => {}): Promise<Outcome> {
  const out: Outcome = { values: [], errors: [] };
  return new Promise((resolve, reject) => {
    client.subscribe<Record<string, any>>(
      { query, variables },
      {
        next: (v) => {
          if (v.errors) out.errors.push(...(v.errors as unknown as Outcome['errors']));
          if (v.data) {
            out.values.push(v.data);
            onValue(out.values.length).catch(reject);
          }
        },
        error: (e) => reject(e instanceof Error ? e : new Error(JSON.stringify(e))),
        complete: () => resolve(out),
      },
    );
  });
}

const UPDATES = 'subscription($id: ID!) { copyTaskUpdated(id: $id) { id status isFinal progress { completed total } result { __typename } } }';

function runningTask(): Promise<CopyTaskRecord> {
  return fed.app.services.tasks.create({
    owner: 'alice',
    provider: Provider.COZE,
    credentialSource: 'config',
    change: { status: TaskStatus.RUNNING, progress: { completed: 0, total: 2 } },
  });
}

describe('graphql-sse on /graphql/stream', () => {
  it('streams every change of a task and completes after the final state', async () => {
    let task = await runningTask();
    const { values, errors } = await run(sse(ALICE), UPDATES, { id: task.id }, async (n) => {
      if (n === 1) task = await fed.app.services.tasks.change(task, { progress: { completed: 1, total: 2 } });
      if (n === 2) task = await fed.app.services.tasks.change(task, { status: TaskStatus.SUCCEEDED, progress: { completed: 2, total: 2 } });
    });
    expect(errors).toEqual([]);
    expect(values.map((v) => [v['copyTaskUpdated'].status, v['copyTaskUpdated'].progress.completed])).toEqual([
      ['RUNNING', 0],
      ['RUNNING', 1],
      ['SUCCEEDED', 2],
    ]);
    await eventually(() => (fed.listeners.get(task.id) === 0 ? true : undefined));
  });

  it('runs a copy mutation with the caller context (credentials, owner) and the object exists in the emulator', async () => {
    const { values, errors } = await run(
      sse(ALICE),
      'mutation($input: CopyObjectInput!) { copyObject(input: $input) { __typename ... on CopyTask { id status } } }',
      {
        input: { source: { bucket: QINIU_DEMO.sourceBucket, key: 'docs/readme.txt' }, destination: { bucket: QINIU_DEMO.backupBucket, key: 'sse/readme.txt' } },
      },
    );
    expect(errors).toEqual([]);
    expect(values[0]?.['copyObject']).toMatchObject({ __typename: 'CopyTask', status: 'SUCCEEDED' });
    expect(fed.emulators.qiniu.getObject(QINIU_DEMO.backupBucket, 'sse/readme.txt')?.hash).toBe(
      fed.emulators.qiniu.getObject(QINIU_DEMO.sourceBucket, 'docs/readme.txt')?.hash,
    );
    const task = await fed.app.services.tasks.get(values[0]?.['copyObject'].id, 'alice');
    expect(task?.owner).toBe('alice');
  });

  it('refuses a stream without an API key with 401 UNAUTHENTICATED', async () => {
    const res = await fetch(`${fed.app.url}/stream`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: UPDATES, variables: { id: 'x' } }),
    });
    expect(res.status).toBe(401);
    expect(((await res.json()) as Outcome).errors[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');
    await expect(run(sse(null), UPDATES, { id: 'x' })).rejects.toThrow(/401/);
  });

  it("ends with NOT_FOUND for another principal's task", async () => {
    const task = await runningTask();
    const { values, errors } = await run(sse(BOB), UPDATES, { id: task.id });
    expect(values).toEqual([]);
    expect(errors.map((e) => e.extensions?.['code'])).toEqual(['NOT_FOUND']);
  });

  it('masks an unexpected error as INTERNAL_SERVER_ERROR', async () => {
    const task = await fed.app.services.tasks.create({
      owner: 'alice',
      provider: Provider.QINIU,
      credentialSource: 'config',
      change: { status: TaskStatus.SUCCEEDED, result: { __typename: 'SecretInternalType' } },
    });
    const { errors } = await run(sse(ALICE), UPDATES, { id: task.id });
    expect(errors).toEqual([expect.objectContaining({ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } })]);
    expect(JSON.stringify(errors)).not.toContain('SecretInternalType');
  });
});

describe('a subscriber that leaves', () => {
  it.each(['graphql-sse', 'graphql-ws'])('releases the task listener at once over %s, before the task changes again', async (transport) => {
    const task = await runningTask();
    let unsubscribe: () => void = () => {};
    const first = new Promise<void>((resolve) => {
      const sink = { next: () => resolve(), error: () => {}, complete: () => {} };
      if (transport === 'graphql-sse') {
        unsubscribe = sse(ALICE).subscribe({ query: UPDATES, variables: { id: task.id } }, sink);
      } else {
        const ws = createWsClient({ url: fed.app.wsUrl, webSocketImpl: WebSocket, retryAttempts: 0, connectionParams: { authorization: `Bearer ${ALICE}` } });
        clients.push(ws);
        unsubscribe = ws.subscribe({ query: UPDATES, variables: { id: task.id } }, sink);
      }
    });
    await first;
    expect(fed.listeners.get(task.id)).toBe(1);
    unsubscribe();
    await eventually(() => (fed.listeners.get(task.id) === 0 ? true : undefined));
  });
});
