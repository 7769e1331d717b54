/**
 * A frontend's view: Apollo Client 4 with an HttpLink for queries and mutations split with a
 * GraphQLWsLink (graphql-ws, `ws` as the WebSocket on Node) for subscriptions, using the
 * TypedDocumentNodes codegen makes from the operations in test/client/operations/. A copy, then the
 * task followed to its end, against a real copygraph on loopback.
 */
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache } from '@apollo/client';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { getMainDefinition } from '@apollo/client/utilities';
import { type Client, createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import WebSocket from 'ws';
import { QINIU_DEMO } from '../../emulators/qiniu.ts';
import { Provider } from '../../src/core/errors.ts';
import { TaskStatus } from '../../src/tasks/model.ts';
import {
  CopyObjectDocument,
  type CopyObjectMutation,
  CopyTaskDocument,
  type CopyTaskQuery,
  CopyTaskUpdatedDocument,
  type CopyTaskUpdatedSubscription,
} from '../client/generated/graphql.ts';
import { ALICE, type Stack, startStack } from '../helpers/stack.ts';

let stack: Stack;
let wsClient: Client;
let client: ApolloClient;

/**
 * The cache must know which types implement `CopyError` and belong to each result union, or it drops
 * the fields of `... on CopyError` fragments. A frontend generates this map at build time
 * (`@graphql-codegen/fragment-matcher`); here it comes from the server's introspection, the same data.
 */
async function fetchPossibleTypes(httpUrl: string, apiKey: string): Promise<Record<string, string[]>> {
  const res = await fetch(httpUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
    body: JSON.stringify({ query: '{ __schema { types { name possibleTypes { name } } } }' }),
  });
  const { data } = (await res.json()) as { data: { __schema: { types: { name: string; possibleTypes: { name: string }[] | null }[] } } };
  return Object.fromEntries(data.__schema.types.flatMap((t) => (t.possibleTypes ? [[t.name, t.possibleTypes.map((p) => p.name)]] : [])));
}

/** The setup the README shows ("Use it from a frontend"), pointed at the test server. */
function createApolloClient(
  httpUrl: string,
  wsUrl: string,
  apiKey: string,
  possibleTypes: Record<string, string[]>,
): { client: ApolloClient; wsClient: Client } {
  const ws = createClient({ url: wsUrl, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${apiKey}` }, retryAttempts: 0 });
  const link = ApolloLink.split(
    ({ query }) => {
      const definition = getMainDefinition(query);
      return definition.kind === 'OperationDefinition' && definition.operation === 'subscription';
    },
    new GraphQLWsLink(ws),
    new HttpLink({ uri: httpUrl, headers: { authorization: `Bearer ${apiKey}` } }),
  );
  return { client: new ApolloClient({ link, cache: new InMemoryCache({ possibleTypes }) }), wsClient: ws };
}

beforeAll(async () => {
  stack = await startStack();
  ({ client, wsClient } = createApolloClient(stack.app.url, stack.app.wsUrl, ALICE, await fetchPossibleTypes(stack.app.url, ALICE)));
});

afterAll(async () => {
  client?.stop();
  await wsClient?.dispose();
  await stack?.close();
});

/** Every value of a subscription until it completes. */
function follow(id: string, onValue: (n: number) => Promise<void> = async () => {}): Promise<CopyTaskUpdatedSubscription['copyTaskUpdated'][]> {
  const values: CopyTaskUpdatedSubscription['copyTaskUpdated'][] = [];
  return new Promise((resolve, reject) => {
    client.subscribe({ query: CopyTaskUpdatedDocument, variables: { id } }).subscribe({
      next: (result) => {
        expectTypeOf(result.data).toEqualTypeOf<CopyTaskUpdatedSubscription | undefined>();
        if (result.error) return reject(result.error);
        if (result.data) values.push(result.data.copyTaskUpdated);
        onValue(values.length).catch(reject);
      },
      error: reject,
      complete: () => resolve(values),
    });
  });
}

describe('Apollo Client 4 with codegen TypedDocumentNodes', () => {
  it('copies an object over HTTP, then follows the task over WebSocket to its end', async () => {
    const { data, error } = await client.mutate({
      mutation: CopyObjectDocument,
      variables: {
        input: {
          source: { bucket: QINIU_DEMO.sourceBucket, key: 'photos/harbor.png' },
          destination: { bucket: QINIU_DEMO.backupBucket, key: 'client/harbor.png' },
        },
      },
    });
    expectTypeOf(data).toEqualTypeOf<CopyObjectMutation | undefined>();
    expect(error).toBeUndefined();
    const result = data?.copyObject;
    if (result?.__typename !== 'CopyTask') throw new Error(`expected a CopyTask, got ${JSON.stringify(result)}`);
    // Narrowed by __typename: the generated union types know which fields each member has.
    expectTypeOf(result.id).toEqualTypeOf<string>();

    const states = await follow(result.id);
    const copy = stack.emulators.qiniu.getObject(QINIU_DEMO.backupBucket, 'client/harbor.png');
    expect(copy?.hash).toBe(stack.emulators.qiniu.getObject(QINIU_DEMO.sourceBucket, 'photos/harbor.png')?.hash);
    expect(states).toEqual([
      {
        __typename: 'CopyTask',
        id: result.id,
        status: 'SUCCEEDED',
        isFinal: true,
        progress: null,
        result: { __typename: 'StorageObject', bucket: QINIU_DEMO.backupBucket, key: 'client/harbor.png', hash: copy?.hash, fsize: copy?.fsize },
        error: null,
      },
    ]);
  });

  it("follows a running task's progress until the final state", async () => {
    let task = await stack.app.services.tasks.create({
      owner: 'alice',
      provider: Provider.PAN123,
      credentialSource: 'config',
      change: { status: TaskStatus.RUNNING, progress: { completed: 0, total: 3 } },
    });
    const states = await follow(task.id, async (n) => {
      if (n < 3) task = await stack.app.services.tasks.change(task, { progress: { completed: n, total: 3 } });
      else if (n === 3) task = await stack.app.services.tasks.change(task, { status: TaskStatus.SUCCEEDED, progress: { completed: 3, total: 3 } });
    });
    expect(states.map((s) => [s.status, s.progress?.completed, s.isFinal])).toEqual([
      ['RUNNING', 0, false],
      ['RUNNING', 1, false],
      ['RUNNING', 2, false],
      ['SUCCEEDED', 3, true],
    ]);
  });

  it('gets a typed InvalidInputError for a bad input, as data', async () => {
    const { data } = await client.mutate({
      mutation: CopyObjectDocument,
      variables: { input: { source: { bucket: 'x', key: 'a' }, destination: { bucket: QINIU_DEMO.backupBucket, key: 'client/x' } } },
    });
    const result = data?.copyObject;
    if (result?.__typename !== 'InvalidInputError') throw new Error(`expected an InvalidInputError, got ${JSON.stringify(result)}`);
    expect(result.code).toBe('BAD_USER_INPUT');
    expect(result.fields.map((f) => f.path)).toEqual(['source.bucket']);
  });

  it('reads the task back with a typed query', async () => {
    const task = await stack.app.services.tasks.create({
      owner: 'alice',
      provider: Provider.QINIU,
      credentialSource: 'config',
      change: { status: TaskStatus.SUCCEEDED },
    });
    const { data } = await client.query({ query: CopyTaskDocument, variables: { id: task.id } });
    expectTypeOf(data).toEqualTypeOf<CopyTaskQuery | undefined>();
    expect(data?.copyTask).toMatchObject({ id: task.id, provider: 'QINIU', status: 'SUCCEEDED', isFinal: true, finishedAt: task.finishedAt });
  });
});
