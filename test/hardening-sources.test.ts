/**
 * Policies on copy sources that copygraph cannot see without an upstream call (issue 15): Coze entities
 * (no documented read says which workspace an entity is in) and 123pan drive files. Under a policy the
 * source must be listed (or, for Coze, be a copy this key made into one of its workspaces); anything else
 * is FORBIDDEN before a single upstream call.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COZE_DEMO } from '../emulators/coze.ts';
import { PAN123_DEMO } from '../emulators/pan123.ts';
import { BOB, eventually, type Stack, startStack } from './helpers/stack.ts';

const C = COZE_DEMO;
const P = PAN123_DEMO;
const RESULT = '__typename ... on CopyTask { id status } ... on UpstreamError { code message }';
const cozeCopy = (entityId: string, type: string) =>
  `mutation { copyCozeEntity(input: { entityId: "${entityId}", entityType: ${type}, toWorkspaceId: "${C.teamWorkspaceId}" }) { ${RESULT} } }`;
const imageCopy = (ids: readonly number[]) =>
  `mutation { copyImages(input: { fileIds: [${ids.map((i) => `"${i}"`).join(', ')}], toParentFileId: "${P.ossFolderId}" }) { ${RESULT} } }`;

describe('policies on Coze and 123pan copy sources', () => {
  let stack: Stack;
  const upstreamCalls = () => stack.emulators.coze.control.calls() + stack.emulators.pan123.control.calls();
  const data = async (query: string): Promise<any> => (await stack.gql(query, undefined, { key: BOB })).body.data;

  beforeAll(async () => {
    const policy = {
      principals: {
        bob: {
          coze: { workspaces: [C.teamWorkspaceId], entities: [C.appId] },
          pan123: { folders: [P.ossFolderId], sourceFileIds: [String(P.imageFileIds[0])] },
        },
      },
    };
    stack = await startStack({ env: { COPYGRAPH_POLICY: JSON.stringify(policy) } });
  });
  afterAll(async () => stack?.close());

  it('refuses a Coze entity not listed as a source, single and bulk, with 0 Coze calls', async () => {
    const before = upstreamCalls();
    expect((await data(cozeCopy(C.workflowId, 'WORKFLOW'))).copyCozeEntity).toMatchObject({ __typename: 'UpstreamError', code: 'FORBIDDEN' });
    const bulk = await data(
      `mutation { copyCozeEntities(input: { entities: [{ entityId: "${C.appId}", entityType: APP }, { entityId: "${C.botId}", entityType: BOT }], toWorkspaceId: "${C.teamWorkspaceId}" }) { ${RESULT} } }`,
    );
    expect(bulk.copyCozeEntities).toMatchObject({ __typename: 'UpstreamError', code: 'FORBIDDEN' });
    expect(bulk.copyCozeEntities.message).toContain(C.botId);
    expect(upstreamCalls()).toBe(before);
  });

  it('refuses 123pan drive files not listed as sources (one among several too), with 0 123pan calls', async () => {
    const before = upstreamCalls();
    expect((await data(imageCopy([P.imageFileIds[1] as number]))).copyImages).toMatchObject({ __typename: 'UpstreamError', code: 'FORBIDDEN' });
    expect((await data(imageCopy([P.imageFileIds[0] as number, P.driveFolderId]))).copyImages).toMatchObject({
      __typename: 'UpstreamError',
      code: 'FORBIDDEN',
    });
    expect(upstreamCalls()).toBe(before);
  });

  it('copies listed sources, and accepts a copy this key made (into its workspace) as a later source', async () => {
    expect((await data(imageCopy([P.imageFileIds[0] as number]))).copyImages.__typename).toBe('CopyTask');
    const first = (await data(cozeCopy(C.appId, 'APP'))).copyCozeEntity;
    expect(first.__typename).toBe('CopyTask');
    const copied = await eventually(async () => {
      const d = await data(`{ copyTask(id: "${first.id}") { status result { ... on CozeEntity { id workspaceId } } } }`);
      return d.copyTask.status === 'SUCCEEDED' ? d.copyTask.result : undefined;
    });
    expect(copied.workspaceId).toBe(C.teamWorkspaceId);
    expect((await data(cozeCopy(copied.id, 'APP'))).copyCozeEntity.__typename).toBe('CopyTask');
  });
});
