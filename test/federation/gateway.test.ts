/**
 * Through a real gateway: `@apollo/gateway` (IntrospectAndCompose over the running subgraphs, a
 * RemoteGraphQLDataSource that forwards the client's Authorization) in front of copygraph and the
 * "projects" fixture subgraph, all on loopback. Copies are proven by the Qiniu emulator's state.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QINIU_DEMO } from '../../emulators/qiniu.ts';
import { type RunningGateway, startApolloGateway } from '../fixtures/gateways.ts';
import { type ProjectsSubgraph, startProjectsSubgraph } from '../fixtures/projects-subgraph.ts';
import { ALICE, BOB, type Stack, startStack } from '../helpers/stack.ts';

let stack: Stack;
let projects: ProjectsSubgraph;
let gateway: RunningGateway;

beforeAll(async () => {
  [stack, projects] = await Promise.all([startStack(), startProjectsSubgraph()]);
  gateway = await startApolloGateway({ copygraph: stack.app.url, projects: projects.url }, ALICE);
});

afterAll(async () => {
  await gateway?.close();
  await projects?.close();
  await stack?.close();
});

interface GatewayResponse {
  status: number;
  body: { data?: Record<string, any> | null; errors?: { message: string; extensions?: Record<string, unknown> }[] };
}

async function throughGateway(query: string, variables: Record<string, unknown> = {}, key: string | null = ALICE): Promise<GatewayResponse> {
  const res = await fetch(gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, body: (await res.json()) as GatewayResponse['body'] };
}

const COPY_OBJECT = /* GraphQL */ `
  mutation Copy($input: CopyObjectInput!) {
    copyObject(input: $input) {
      __typename
      ... on CopyTask { id status isFinal provider result { ... on StorageObject { bucket key hash } } }
      ... on CopyError { code message }
      ... on InvalidInputError { fields { path message } }
      ... on UpstreamError { provider upstreamCode logId retryable }
    }
  }
`;

const PROJECT = /* GraphQL */ `
  query Project($id: ID!) {
    project(id: $id) {
      name
      cover { bucket key fsize hash mimeType usedBy { id } }
      backupTask {
        id status provider isFinal auditLabel
        projects { id name }
        result { __typename ... on StorageObject { bucket key hash } }
      }
    }
  }
`;

async function copyToBackup(key: string): Promise<string> {
  const { body } = await throughGateway(COPY_OBJECT, {
    input: { source: { bucket: QINIU_DEMO.sourceBucket, key: 'photos/sunflower.jpg' }, destination: { bucket: QINIU_DEMO.backupBucket, key } },
  });
  expect(body.data?.['copyObject'].__typename).toBe('CopyTask');
  return body.data?.['copyObject'].id as string;
}

describe('copygraph behind @apollo/gateway', () => {
  it('runs copyObject through the gateway and the object exists in the emulator with the source hash', async () => {
    const { status, body } = await throughGateway(COPY_OBJECT, {
      input: { source: { bucket: QINIU_DEMO.sourceBucket, key: 'photos/harbor.png' }, destination: { bucket: QINIU_DEMO.backupBucket, key: 'gw/harbor.png' } },
    });
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    const source = stack.emulators.qiniu.getObject(QINIU_DEMO.sourceBucket, 'photos/harbor.png');
    const copy = stack.emulators.qiniu.getObject(QINIU_DEMO.backupBucket, 'gw/harbor.png');
    expect(copy?.hash).toBe(source?.hash);
    expect(body.data?.['copyObject']).toMatchObject({
      __typename: 'CopyTask',
      status: 'SUCCEEDED',
      isFinal: true,
      provider: 'QINIU',
      result: { bucket: QINIU_DEMO.backupBucket, key: 'gw/harbor.png', hash: source?.hash },
    });
  });

  it('joins a fixture Project to its CopyTask and StorageObject, with @requires and @override honoured', async () => {
    const taskId = await copyToBackup('gw/cover.jpg');
    projects.projects.set('launch', {
      id: 'launch',
      name: 'Launch site',
      cover: { bucket: QINIU_DEMO.backupBucket, key: 'gw/cover.jpg', mimeType: 'image/jpeg; from projects' },
      backupTaskId: taskId,
      costCenter: 'CC-7',
    });
    const { body } = await throughGateway(PROJECT, { id: 'launch' });
    expect(body.errors).toBeUndefined();
    const hash = stack.emulators.qiniu.getObject(QINIU_DEMO.backupBucket, 'gw/cover.jpg')?.hash;
    expect(body.data?.['project']).toEqual({
      name: 'Launch site',
      // fsize and hash come from copygraph (Qiniu stat); mimeType from projects (@override).
      cover: { bucket: QINIU_DEMO.backupBucket, key: 'gw/cover.jpg', fsize: 48_213, hash, mimeType: 'image/jpeg; from projects', usedBy: [{ id: 'launch' }] },
      backupTask: {
        id: taskId,
        status: 'SUCCEEDED',
        provider: 'QINIU',
        isFinal: true,
        // Computed by projects from copygraph's upstreamTaskId, which the gateway fetched for it.
        auditLabel: `copy ${taskId} (upstream none)`,
        projects: [{ id: 'launch', name: 'Launch site' }],
        result: { __typename: 'StorageObject', bucket: QINIU_DEMO.backupBucket, key: 'gw/cover.jpg', hash },
      },
    });
  });

  it("forwards the client's Authorization to every subgraph, so another principal's task joins as null", async () => {
    const taskId = await copyToBackup('gw/private.jpg');
    projects.projects.set('private', { id: 'private', name: 'Private', cover: null, backupTaskId: taskId, costCenter: 'CC-9' });
    const mark = projects.authorizations.length;
    const asBob = await throughGateway('query($id: ID!) { project(id: $id) { name backupTask { id status } } }', { id: 'private' }, BOB);
    expect(asBob.body.data?.['project']).toEqual({ name: 'Private', backupTask: null });
    expect(projects.authorizations.slice(mark)).toEqual([`Bearer ${BOB}`]);
    const asAlice = await throughGateway('query($id: ID!) { project(id: $id) { backupTask { id status } } }', { id: 'private' });
    expect(asAlice.body.data?.['project']).toEqual({ backupTask: { id: taskId, status: 'SUCCEEDED' } });
  });

  it('starts from copygraph and joins the projects a task backed up', async () => {
    const taskId = await copyToBackup('gw/reverse.jpg');
    projects.projects.set('reverse', { id: 'reverse', name: 'Reverse', cover: null, backupTaskId: taskId, costCenter: 'CC-1' });
    const { body } = await throughGateway('query($id: ID!) { copyTask(id: $id) { id status projects { name } auditLabel } }', { id: taskId });
    expect(body.errors).toBeUndefined();
    expect(body.data?.['copyTask']).toEqual({ id: taskId, status: 'SUCCEEDED', projects: [{ name: 'Reverse' }], auditLabel: `copy ${taskId} (upstream none)` });
  });

  it('returns a typed UpstreamError through the gateway when the source does not exist', async () => {
    const { body } = await throughGateway(COPY_OBJECT, {
      input: { source: { bucket: QINIU_DEMO.sourceBucket, key: 'missing.bin' }, destination: { bucket: QINIU_DEMO.backupBucket, key: 'gw/missing.bin' } },
    });
    expect(body.errors).toBeUndefined();
    expect(body.data?.['copyObject']).toMatchObject({
      __typename: 'UpstreamError',
      code: 'NOT_FOUND',
      provider: 'QINIU',
      upstreamCode: '612',
      retryable: false,
    });
    expect(body.data?.['copyObject'].logId).toEqual(expect.any(String));
    expect(stack.emulators.qiniu.getObject(QINIU_DEMO.backupBucket, 'gw/missing.bin')).toBeUndefined();
  });

  it('returns a typed InvalidInputError through the gateway and sends nothing upstream', async () => {
    const copiesBefore = stack.emulators.qiniu.control.calls('copy');
    const { body } = await throughGateway(COPY_OBJECT, {
      input: { source: { bucket: 'Bad_Bucket', key: 'a' }, destination: { bucket: QINIU_DEMO.backupBucket, key: '' } },
    });
    expect(body.data?.['copyObject']).toMatchObject({ __typename: 'InvalidInputError', code: 'BAD_USER_INPUT' });
    expect(body.data?.['copyObject'].fields.map((f: { path: string }) => f.path).sort()).toEqual(['destination.key', 'source.bucket']);
    expect(stack.emulators.qiniu.control.calls('copy')).toBe(copiesBefore);
  });

  it('refuses an @inaccessible field at the gateway', async () => {
    const { status, body } = await throughGateway('{ projects { costCenter } }');
    expect(status).toBe(400);
    expect(body.errors?.[0]?.extensions?.['code']).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('passes UNAUTHENTICATED from copygraph through the gateway when the client sends no key', async () => {
    const { body } = await throughGateway('{ copyTasks { edges { node { id } } } }', {}, null);
    expect(body.data ?? null).toBeNull();
    expect(JSON.stringify(body.errors)).toContain('UNAUTHENTICATED');
  });
});
