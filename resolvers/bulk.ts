/**
 * Bulk copies: `copyObjects` (Qiniu, many pairs or a prefix) and `CopyTask.items`, the page-by-page
 * view of a bulk copy's items. Each bulk copy is one asynchronous task run by its bulk poller
 * (`src/pollers/*-bulk.ts`) through the watcher.
 */
import { z } from 'zod';
import { requireCredentials } from '../src/core/credentials.ts';
import { graphQLError, Provider } from '../src/core/errors.ts';
import type { CopyTaskResolvers, MutationResolvers } from '../src/generated/resolvers-types.ts';
import { decodeItemCursor, encodeItemCursor, ItemStatus } from '../src/tasks/items.ts';
import { TaskStatus } from '../src/tasks/model.ts';
import { objectId, parseQiniuBulkWatch, planQiniuPairs, planQiniuPrefix, qiniuItemPair } from '../src/pollers/qiniu-bulk.ts';
import { FEISHU_MAX_DEPTH, nodeInput, planFeishuTree } from '../src/pollers/feishu-bulk.ts';
import { InvalidInput } from '../src/core/errors.ts';
import { BLUE_COPY_OPTIONS, scopedBlueCredentials } from '../datasources/blue.ts';
import { MAX_BLUE_TODOS, planBlueTodos } from '../src/pollers/blue-bulk.ts';
import { cozeItemInput, MAX_COZE_ENTITIES, planCozeEntities } from '../src/pollers/coze-bulk.ts';
import { allowsBlue, allowsCozeSource, allowsCozeWorkspace, allowsFeishuSpace, allowsQiniu, forbidden } from '../src/core/policy.ts';
import { Id as BlueId } from './blue.ts';
import { CozeId } from './coze.ts';
import { OptionalSpaceId, OptionalToken, SpaceId, Token } from './feishu.ts';
import { Bucket, Key } from './qiniu.ts';
import { runCopy } from './results.ts';
import { recordTask, watchTask } from './tasking.ts';

/** The most pairs one `copyObjects` takes. */
export const MAX_OBJECT_PAIRS = 100_000;

// The shapes of the single copies (one statement of each documented shape, for both).
const Location = z.object({ bucket: Bucket, key: Key });
const KeyPrefix = z
  .string()
  .refine((k) => !/\p{Cs}/u.test(k), { message: 'a prefix must be well-formed text (no lone surrogates)', abort: true })
  .refine((k) => Buffer.byteLength(k, 'utf8') <= 750, 'a prefix is at most 750 bytes');

const CopyObjectsInput = z
  .object({
    objects: z
      .array(z.object({ source: Location, destination: Location }))
      .min(1, 'give at least one pair')
      .max(MAX_OBJECT_PAIRS, `at most ${MAX_OBJECT_PAIRS} pairs a copy`)
      .nullish(),
    prefix: z
      .object({ sourceBucket: Bucket, sourcePrefix: KeyPrefix, destinationBucket: Bucket, destinationPrefix: KeyPrefix })
      .refine((p) => !(p.sourceBucket === p.destinationBucket && p.destinationPrefix.startsWith(p.sourcePrefix)), {
        message: 'in the same bucket, the destination prefix must not lie under the source prefix (the copies would be listed and copied again)',
      })
      .nullish(),
    overwrite: z
      .boolean()
      .nullish()
      .transform((v) => v ?? false),
  })
  .superRefine((i, ctx) => {
    if (!i.objects === !i.prefix) ctx.addIssue({ code: 'custom', message: 'give either objects or prefix (exactly one)' });
    if (!i.objects) return;
    const destinations = new Set<string>();
    i.objects.forEach((p, n) => {
      const dst = objectId(p.destination);
      if (dst === objectId(p.source)) ctx.addIssue({ code: 'custom', path: ['objects', n, 'destination'], message: 'the destination is the source itself' });
      if (destinations.has(dst)) ctx.addIssue({ code: 'custom', path: ['objects', n, 'destination'], message: 'another pair copies to this destination' });
      destinations.add(dst);
    });
  });

const CopyWikiTreeInput = z
  .object({
    spaceId: SpaceId,
    nodeToken: Token,
    targetParentToken: OptionalToken,
    targetSpaceId: OptionalSpaceId,
    title: z
      .string()
      .nullish()
      .transform((v) => v ?? undefined),
    maxDepth: z
      .number()
      .int()
      .min(0)
      .max(FEISHU_MAX_DEPTH, `Feishu trees are at most ${FEISHU_MAX_DEPTH} levels deep`)
      .nullish()
      .transform((v) => v ?? FEISHU_MAX_DEPTH),
  })
  .superRefine((input, ctx) => {
    if (input.targetParentToken === undefined && input.targetSpaceId === undefined) {
      ctx.addIssue({ code: 'custom', path: ['targetParentToken'], message: 'give targetParentToken, targetSpaceId or both' });
    }
    if (input.targetParentToken === input.nodeToken)
      ctx.addIssue({ code: 'custom', path: ['targetParentToken'], message: 'a tree cannot be copied under itself' });
  });

/** How far up a target's ancestors are checked for the source (a tree copied into itself would never end). */
const MAX_ANCESTOR_CHECK = 50;

const ItemsArgs = z.object({ first: z.number().int().min(1).max(1000), after: z.string().nullish() });

export const Mutation: MutationResolvers = {
  copyObjects: (_parent, { input }, ctx) =>
    runCopy(ctx, { operation: 'copyObjects', provider: Provider.QINIU, schema: CopyObjectsInput, input }, async (parsed) => {
      // Under a per-key policy every source and destination must be allowed (a prefix as a whole).
      if (ctx.policy) {
        const places = parsed.objects
          ? parsed.objects.flatMap((p) => [p.source, p.destination])
          : [
              {
                bucket: (parsed.prefix as NonNullable<typeof parsed.prefix>).sourceBucket,
                key: (parsed.prefix as NonNullable<typeof parsed.prefix>).sourcePrefix,
              },
              {
                bucket: (parsed.prefix as NonNullable<typeof parsed.prefix>).destinationBucket,
                key: (parsed.prefix as NonNullable<typeof parsed.prefix>).destinationPrefix,
              },
            ];
        const refused = places.find((o) => !allowsQiniu(ctx.policy, o.bucket, o.key));
        if (refused) throw forbidden(Provider.QINIU, `the bucket/key ${refused.bucket}/${refused.key}`);
      }
      requireCredentials(ctx.credentials, 'qiniu');
      const watch = parsed.objects
        ? planQiniuPairs(parsed.objects.length, parsed.overwrite)
        : planQiniuPrefix(parsed.prefix as NonNullable<typeof parsed.prefix>, parsed.overwrite);
      const task = await recordTask(ctx, Provider.QINIU, {
        status: TaskStatus.QUEUED,
        progress: { completed: 0, total: watch.total },
        watch,
      });
      if (parsed.objects) {
        await ctx.services.items.add(
          task.id,
          0,
          parsed.objects.map((p) => ({ itemId: objectId(p.source), input: objectId(p.destination) })),
        );
      }
      watchTask(ctx, task);
      ctx.services.logger.info(
        { provider: 'QINIU', principal: ctx.principal.id, taskId: task.id, items: watch.total, byPrefix: !parsed.objects },
        'bulk copy accepted',
      );
      return task;
    }),
};

Mutation.copyWikiTree = (_parent, { input }, ctx) =>
  runCopy(ctx, { operation: 'copyWikiTree', provider: Provider.FEISHU, schema: CopyWikiTreeInput, input }, async (request) => {
    if (!allowsFeishuSpace(ctx.policy, request.spaceId)) throw forbidden(Provider.FEISHU, `the wiki space ${request.spaceId}`);
    // As for copyWikiNode: under a policy the destination space must be named and allowed.
    if (ctx.policy && !allowsFeishuSpace(ctx.policy, request.targetSpaceId)) {
      throw forbidden(Provider.FEISHU, request.targetSpaceId ? `the wiki space ${request.targetSpaceId}` : 'a destination without targetSpaceId');
    }
    const creds = requireCredentials(ctx.credentials, 'feishu');
    const feishu = ctx.services.feishu;
    const source = await feishu.getNode(creds, request.nodeToken, ctx.principal.id);
    if (source.spaceId !== request.spaceId) throw new InvalidInput([{ path: 'nodeToken', message: `the node is not in space ${request.spaceId}` }]);
    let targetSpaceId = request.targetSpaceId;
    if (request.targetParentToken) {
      const target = await feishu.getNode(creds, request.targetParentToken, ctx.principal.id);
      if (targetSpaceId && target.spaceId !== targetSpaceId) {
        throw new InvalidInput([{ path: 'targetParentToken', message: `the target parent is not in space ${targetSpaceId}` }]);
      }
      targetSpaceId = target.spaceId;
      // A tree copied under one of its own descendants would list its own copies forever.
      let up: string | null = target.parentNodeToken;
      for (let i = 0; up && target.spaceId === source.spaceId && i < MAX_ANCESTOR_CHECK; i++) {
        if (up === source.nodeToken) throw new InvalidInput([{ path: 'targetParentToken', message: 'the target lies inside the tree to copy' }]);
        up = (await feishu.getNode(creds, up, ctx.principal.id)).parentNodeToken;
      }
    }
    const watch = planFeishuTree({
      spaceId: request.spaceId,
      nodeToken: request.nodeToken,
      targetParentToken: request.targetParentToken ?? null,
      targetSpaceId: targetSpaceId as string,
      title: request.title ?? null,
      maxDepth: request.maxDepth,
    });
    const task = await recordTask(ctx, Provider.FEISHU, { status: TaskStatus.QUEUED, progress: { completed: 0, total: 1 }, watch });
    await ctx.services.items.add(task.id, 0, [{ itemId: source.nodeToken, input: nodeInput(-1, 0, source) }]);
    watchTask(ctx, task);
    ctx.services.logger.info({ provider: 'FEISHU', principal: ctx.principal.id, taskId: task.id, maxDepth: request.maxDepth }, 'wiki tree copy accepted');
    return task;
  });

const CopyTodosInput = z.object({
  todoIds: z.array(BlueId).min(1, 'give at least one record').max(MAX_BLUE_TODOS, `at most ${MAX_BLUE_TODOS} records a copy`),
  todoListId: BlueId,
  options: z.array(z.enum(BLUE_COPY_OPTIONS)).transform((opts) => [...new Set(opts)]),
});
const CopyCozeEntitiesInput = z.object({
  entities: z
    .array(z.object({ entityId: CozeId, entityType: z.enum(['BOT', 'APP', 'WORKFLOW']) }))
    .min(1, 'give at least one entity')
    .max(MAX_COZE_ENTITIES, `at most ${MAX_COZE_ENTITIES} entities a copy`),
  toWorkspaceId: z
    .union([z.literal(''), CozeId])
    .nullish()
    .transform((v) => v || null),
});

Mutation.copyTodos = (_parent, { input }, ctx) =>
  runCopy(ctx, { operation: 'copyTodos', provider: Provider.BLUE, schema: CopyTodosInput, input }, async (request) => {
    const creds = scopedBlueCredentials(ctx.credentials.blue);
    if (!allowsBlue(ctx.policy, creds.companyId, creds.projectId))
      throw forbidden(Provider.BLUE, `the Blue company/project ${creds.companyId}/${creds.projectId ?? ''}`);
    const task = await recordTask(ctx, Provider.BLUE, {
      status: TaskStatus.QUEUED,
      progress: { completed: 0, total: request.todoIds.length },
      watch: planBlueTodos(request.todoListId, request.options, request.todoIds.length),
    });
    await ctx.services.items.add(
      task.id,
      0,
      request.todoIds.map((itemId) => ({ itemId })),
    );
    watchTask(ctx, task);
    return task;
  });

Mutation.copyCozeEntities = (_parent, { input }, ctx) =>
  runCopy(ctx, { operation: 'copyCozeEntities', provider: Provider.COZE, schema: CopyCozeEntitiesInput, input }, async (request) => {
    if (!allowsCozeWorkspace(ctx.policy, request.toWorkspaceId ?? undefined)) {
      throw forbidden(Provider.COZE, request.toWorkspaceId ? `the workspace ${request.toWorkspaceId}` : 'a copy without toWorkspaceId');
    }
    if (ctx.policy) {
      // Every source: listed in the policy, or a copy this principal made (see copyCozeEntity); no Coze call.
      const own = await ctx.loaders.cozeEntities.loadMany(request.entities.map((e) => e.entityId));
      const refused = request.entities.find((e, i) => {
        const copy = own[i];
        return !allowsCozeSource(ctx.policy, e.entityId, copy instanceof Error ? undefined : copy?.workspaceId);
      });
      if (refused) throw forbidden(Provider.COZE, `the entity ${refused.entityId} as a copy source`);
    }
    requireCredentials(ctx.credentials, 'coze');
    const task = await recordTask(ctx, Provider.COZE, {
      status: TaskStatus.QUEUED,
      progress: { completed: 0, total: request.entities.length },
      watch: planCozeEntities(request.toWorkspaceId, request.entities.length),
    });
    await ctx.services.items.add(
      task.id,
      0,
      request.entities.map((e) => ({ itemId: e.entityId, input: cozeItemInput(e.entityType) })),
    );
    watchTask(ctx, task);
    return task;
  });

export const CopyTask: Pick<CopyTaskResolvers, 'items'> = {
  items: async (task, args, ctx) => {
    const page = ItemsArgs.safeParse({ first: args.first ?? 100, after: args.after });
    if (!page.success) throw graphQLError('first must be between 1 and 1000', 'BAD_USER_INPUT');
    const afterSeq = page.data.after ? decodeItemCursor(page.data.after) : undefined;
    if (page.data.after && afterSeq === undefined) throw graphQLError('after is not a cursor from this API', 'BAD_USER_INPUT');
    const result = await ctx.services.items.page(task.id, page.data.first, afterSeq, args.status ?? undefined);
    const qiniu = parseQiniuBulkWatch(task.watch);
    const edges = result.items.map((item) => {
      // Qiniu items store no result: the destination follows from the item (or the prefix plan).
      const derived = qiniu && item.status === ItemStatus.SUCCEEDED ? objectId(qiniuItemPair(qiniu, item).destination) : null;
      return {
        cursor: encodeItemCursor(item.seq),
        node: {
          itemId: item.itemId,
          status: item.status,
          result: item.result ?? derived,
          error: item.error ? { __typename: 'CopyTaskItemError' as const, ...item.error } : null,
        },
      };
    });
    // Forward only: a page after a cursor has items before it.
    const pageInfo = {
      hasNextPage: result.hasNextPage,
      endCursor: edges.at(-1)?.cursor ?? null,
      hasPreviousPage: afterSeq !== undefined,
      startCursor: edges[0]?.cursor ?? null,
    };
    return { edges, pageInfo };
  },
};
