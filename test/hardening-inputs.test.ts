/**
 * Generated inputs for every copy mutation (fast-check, bounded): whatever a caller sends, the answer
 * is a task or a typed error, never an internal error; and an input that does not have its documented
 * shape is refused as InvalidInputError with no call at all to the upstream (emulator call counts,
 * token requests included; the watcher is stopped, so no poll of an earlier copy's task is counted). The shapes below are the test's own statement of the documented ones.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BLUE_DEMO, COZE_DEMO, FEISHU_DEMO, PAN123_DEMO, QINIU_DEMO } from '../emulators/index.ts';
import { text } from './helpers/inputs.ts';
import { type Stack, startStack } from './helpers/stack.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ env: { FEISHU_RATE_LIMIT_PER_MINUTE: '100000' } });
  // No background polling of earlier copies' tasks: every upstream call counted is a mutation's own.
  await stack.app.services.watcher.stop();
});
afterAll(async () => stack?.close());

/** Strings an attacker tries first: path steps, separators, encodings, controls, blanks. */

const RESULT_FIELDS = '__typename ... on CopyTask { id status } ... on CopyError { code message }';

async function run(field: string, inputType: string, input: unknown, calls: () => number): Promise<{ typename: string; calls: number }> {
  const before = calls();
  const { status, body } = await stack.gql(`mutation($input: ${inputType}!) { ${field}(input: $input) { ${RESULT_FIELDS} } }`, { input });
  expect(status).toBe(200);
  expect(body.errors).toBeUndefined();
  const answer = (body.data as Record<string, { __typename: string; code?: string }>)[field];
  expect(answer?.__typename).toMatch(/^(CopyTask|InvalidInputError|UpstreamError)$/);
  expect(answer?.code).not.toBe('INTERNAL_SERVER_ERROR');
  return { typename: answer?.__typename ?? '', calls: calls() - before };
}

const RUNS = { numRuns: 60 };
const INT64_MAX = 9_223_372_036_854_775_807n;

describe('generated inputs never reach an upstream when invalid, and never cause an internal error', () => {
  it('copyWikiNode', async () => {
    const TOKEN = /^[A-Za-z0-9_-]{1,999}$/;
    const SPACE = /^\d{1,19}$/;
    const token = text(fc.constantFrom(FEISHU_DEMO.nodes.onboarding, FEISHU_DEMO.nodes.templates));
    const space = text(fc.constantFrom(FEISHU_DEMO.spaceId));
    await fc.assert(
      fc.asyncProperty(space, token, fc.option(token), fc.option(space), async (spaceId, nodeToken, targetParentToken, targetSpaceId) => {
        const valid =
          SPACE.test(spaceId) &&
          TOKEN.test(nodeToken) &&
          (!targetParentToken || TOKEN.test(targetParentToken)) &&
          (!targetSpaceId || SPACE.test(targetSpaceId)) &&
          Boolean(targetParentToken || targetSpaceId);
        const r = await run('copyWikiNode', 'CopyWikiNodeInput', { spaceId, nodeToken, targetParentToken, targetSpaceId }, () =>
          stack.emulators.feishu.control.calls(),
        );
        if (!valid) expect(r).toEqual({ typename: 'InvalidInputError', calls: 0 });
      }),
      RUNS,
    );
  });

  it('copyTodo', async () => {
    const ID = /^[A-Za-z0-9_-]{1,200}$/;
    const id = text(fc.constantFrom('cdemo0todo-launch', 'cdemo0rm-done', BLUE_DEMO.company.id));
    await fc.assert(
      fc.asyncProperty(id, id, async (todoId, todoListId) => {
        const valid = ID.test(todoId) && ID.test(todoListId);
        const r = await run('copyTodo', 'CopyTodoInput', { todoId, todoListId, options: [] }, () => stack.emulators.blue.control.calls());
        if (!valid) expect(r).toEqual({ typename: 'InvalidInputError', calls: 0 });
      }),
      RUNS,
    );
  });

  it('copyCozeEntity', async () => {
    const id = text(fc.constantFrom(COZE_DEMO.botId, COZE_DEMO.teamWorkspaceId), [
      '9223372036854775808',
      '9999999999999999999',
      '0',
      '00',
      ' 7400000000000000003',
      '-1',
      '1e3',
    ]);
    const isId = (v: string) => /^\d{1,19}$/.test(v.trim()) && BigInt(v.trim()) > 0n && BigInt(v.trim()) <= INT64_MAX;
    await fc.assert(
      fc.asyncProperty(id, fc.option(id), async (entityId, toWorkspaceId) => {
        const valid = isId(entityId) && (toWorkspaceId === null || toWorkspaceId === '' || isId(toWorkspaceId));
        const r = await run('copyCozeEntity', 'CopyCozeEntityInput', { entityId, entityType: 'BOT', toWorkspaceId }, () =>
          stack.emulators.coze.control.calls(),
        );
        if (!valid) expect(r).toEqual({ typename: 'InvalidInputError', calls: 0 });
      }),
      RUNS,
    );
  });

  it('copyImages', async () => {
    const fileId = text(fc.constantFrom(...PAN123_DEMO.imageFileIds.map(String)), ['0', '01', '123456789012345678901', ' 14802101', '-1']);
    const folder = text(fc.constantFrom(PAN123_DEMO.ossFolderId, ''));
    await fc.assert(
      fc.asyncProperty(fc.array(fileId, { minLength: 0, maxLength: 3 }), folder, async (fileIds, toParentFileId) => {
        const valid = fileIds.length > 0 && fileIds.every((f) => /^[1-9]\d{0,19}$/.test(f.trim())) && /^[A-Za-z0-9_-]{0,128}$/.test(toParentFileId.trim());
        const r = await run('copyImages', 'CopyImagesInput', { fileIds, toParentFileId }, () => stack.emulators.pan123.control.calls());
        if (!valid) expect(r).toEqual({ typename: 'InvalidInputError', calls: 0 });
      }),
      RUNS,
    );
  });

  it('copyObject', async () => {
    const BUCKET = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;
    const bucket = text(fc.constantFrom(QINIU_DEMO.sourceBucket, QINIU_DEMO.backupBucket));
    const key = text(fc.constantFrom(...QINIU_DEMO.keys), ['\uD800', 'a\uDC00b', 'é'.repeat(376), 'x'.repeat(751)]);
    const isKey = (k: string) => k.length > 0 && !/\p{Cs}/u.test(k) && Buffer.byteLength(k, 'utf8') <= 750;
    await fc.assert(
      fc.asyncProperty(bucket, key, bucket, key, async (sb, sk, db, dk) => {
        const valid = BUCKET.test(sb) && BUCKET.test(db) && isKey(sk) && isKey(dk) && (sb !== db || sk !== dk);
        const input = { source: { bucket: sb, key: sk }, destination: { bucket: db, key: dk }, overwrite: true };
        const r = await run('copyObject', 'CopyObjectInput', input, () => stack.emulators.qiniu.control.calls());
        if (!valid) expect(r).toEqual({ typename: 'InvalidInputError', calls: 0 });
      }),
      RUNS,
    );
  });
});
