/**
 * Generated inputs for the bulk copy mutations (fast-check, bounded), as test/hardening-inputs.test.ts
 * does for the single ones: whatever a caller sends, the answer is a task or a typed error, never an
 * internal error; an input without its documented shape is refused as InvalidInputError with no
 * upstream call at all (the watcher is stopped, so the calls counted are the mutation's own:
 * copyWikiTree reads the source node and the target before answering). The shapes are the test's own
 * statement of the documented ones.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COZE_DEMO, FEISHU_DEMO, QINIU_DEMO } from '../emulators/index.ts';
import { text } from './helpers/inputs.ts';
import { type Stack, startStack } from './helpers/stack.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ env: { FEISHU_RATE_LIMIT_PER_MINUTE: '100000' } });
  await stack.app.services.watcher.stop();
});
afterAll(async () => stack?.close());

/** Lists of 0 to `max` items, mostly all valid, so one bad item among good ones is what decides. */
const list = <T>(item: fc.Arbitrary<T>, max = 4) => fc.array(item, { minLength: 0, maxLength: max });

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

const RUNS = { numRuns: 50 };
const INT64_MAX = 9_223_372_036_854_775_807n;
const isCozeId = (v: string) => /^\d{1,19}$/.test(v.trim()) && BigInt(v.trim()) > 0n && BigInt(v.trim()) <= INT64_MAX;
const allCalls = () =>
  stack.emulators.qiniu.control.calls() +
  stack.emulators.feishu.control.calls() +
  stack.emulators.coze.control.calls() +
  stack.emulators.blue.control.calls() +
  stack.emulators.pan123.control.calls();

describe('generated inputs to the bulk mutations never reach an upstream when invalid, and never cause an internal error', () => {
  it('copyObjects (pairs and prefix)', async () => {
    const BUCKET = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;
    const bucket = text(fc.constantFrom(QINIU_DEMO.sourceBucket, QINIU_DEMO.backupBucket));
    const key = text(fc.constantFrom(...QINIU_DEMO.keys, 'a.txt', 'b/c.txt'), ['\uD800', 'a\uDC00b', 'é'.repeat(376), 'x'.repeat(751)]);
    const wellFormed = (k: string) => !/\p{Cs}/u.test(k) && Buffer.byteLength(k, 'utf8') <= 750;
    const isKey = (k: string) => k.length > 0 && wellFormed(k);
    const pair = fc.record({ source: fc.record({ bucket, key }), destination: fc.record({ bucket, key }) });
    const prefix = fc.record({ sourceBucket: bucket, sourcePrefix: key, destinationBucket: bucket, destinationPrefix: key });
    await fc.assert(
      fc.asyncProperty(fc.option(list(pair)), fc.option(prefix), async (objects, pre) => {
        const id = (l: { bucket: string; key: string }) => `${l.bucket}/${l.key}`;
        const pairsValid =
          objects !== null &&
          objects.length > 0 &&
          objects.every((p) => BUCKET.test(p.source.bucket) && BUCKET.test(p.destination.bucket) && isKey(p.source.key) && isKey(p.destination.key)) &&
          objects.every((p) => id(p.source) !== id(p.destination)) &&
          new Set(objects.map((p) => id(p.destination))).size === objects.length;
        const prefixValid =
          pre !== null &&
          BUCKET.test(pre.sourceBucket) &&
          BUCKET.test(pre.destinationBucket) &&
          wellFormed(pre.sourcePrefix) &&
          wellFormed(pre.destinationPrefix) &&
          !(pre.sourceBucket === pre.destinationBucket && pre.destinationPrefix.startsWith(pre.sourcePrefix));
        const valid = (objects !== null) !== (pre !== null) && (objects !== null ? pairsValid : prefixValid);
        const r = await run('copyObjects', 'CopyObjectsInput', { objects, prefix: pre, overwrite: true }, allCalls);
        if (!valid) expect(r).toEqual({ typename: 'InvalidInputError', calls: 0 });
        else expect(r.calls).toBe(0);
      }),
      RUNS,
    );
  });

  it('copyWikiTree', async () => {
    const TOKEN = /^[A-Za-z0-9_-]{1,999}$/;
    const SPACE = /^\d{1,19}$/;
    const token = text(fc.constantFrom(FEISHU_DEMO.nodes.onboarding, FEISHU_DEMO.nodes.templates));
    const space = text(fc.constantFrom(FEISHU_DEMO.spaceId));
    const depth = fc.option(fc.oneof(fc.integer({ min: 0, max: 50 }), fc.integer({ min: -5, max: 100 })));
    await fc.assert(
      fc.asyncProperty(space, token, fc.option(token), fc.option(space), depth, async (spaceId, nodeToken, targetParentToken, targetSpaceId, maxDepth) => {
        const valid =
          SPACE.test(spaceId) &&
          TOKEN.test(nodeToken) &&
          (!targetParentToken || TOKEN.test(targetParentToken)) &&
          (!targetSpaceId || SPACE.test(targetSpaceId)) &&
          Boolean(targetParentToken || targetSpaceId) &&
          targetParentToken !== nodeToken &&
          (maxDepth === null || (maxDepth >= 0 && maxDepth <= 50));
        const input = { spaceId, nodeToken, targetParentToken, targetSpaceId, maxDepth };
        const r = await run('copyWikiTree', 'CopyWikiTreeInput', input, allCalls);
        if (!valid) expect(r).toEqual({ typename: 'InvalidInputError', calls: 0 });
      }),
      RUNS,
    );
  });

  it('copyTodos', async () => {
    const ID = /^[A-Za-z0-9_-]{1,200}$/;
    const id = text(fc.constantFrom('cdemo0todo-launch', 'cdemo0todo-beta', 'cdemo0rm-done'));
    await fc.assert(
      fc.asyncProperty(list(id), id, async (todoIds, todoListId) => {
        const valid = todoIds.length > 0 && todoIds.every((t) => ID.test(t)) && ID.test(todoListId);
        const r = await run('copyTodos', 'CopyTodosInput', { todoIds, todoListId, options: [] }, allCalls);
        if (!valid) expect(r).toEqual({ typename: 'InvalidInputError', calls: 0 });
        else expect(r.calls).toBe(0);
      }),
      RUNS,
    );
  });

  it('copyCozeEntities', async () => {
    const id = text(fc.constantFrom(COZE_DEMO.botId, COZE_DEMO.workflowId, COZE_DEMO.teamWorkspaceId), [
      '9223372036854775808',
      '9999999999999999999',
      '0',
      '00',
      ' 7400000000000000003',
      '-1',
      '1e3',
    ]);
    const entity = fc.record({ entityId: id, entityType: fc.constantFrom('BOT', 'APP', 'WORKFLOW') });
    await fc.assert(
      fc.asyncProperty(list(entity), fc.option(id), async (entities, toWorkspaceId) => {
        const valid =
          entities.length > 0 && entities.every((e) => isCozeId(e.entityId)) && (toWorkspaceId === null || toWorkspaceId === '' || isCozeId(toWorkspaceId));
        const r = await run('copyCozeEntities', 'CopyCozeEntitiesInput', { entities, toWorkspaceId }, allCalls);
        if (!valid) expect(r).toEqual({ typename: 'InvalidInputError', calls: 0 });
        else expect(r.calls).toBe(0);
      }),
      RUNS,
    );
  });
});
