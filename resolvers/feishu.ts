/**
 * Feishu / Lark wiki: `copyWikiNode` (synchronous, so its task is born final with the new node) and the
 * `WikiNode` entity, resolved by reference through the per-request `get_node` loader.
 */
import { z } from 'zod';
import { Provider } from '../src/core/errors.ts';
import { requireCredentials } from '../src/core/credentials.ts';
import type { MutationResolvers, WikiNodeResolvers } from '../src/generated/resolvers-types.ts';
import { TaskStatus } from '../src/tasks/model.ts';
import type { WikiNodeModel } from '../datasources/feishu-wiki.ts';
import { runCopy } from './results.ts';
import { recordTask, referenceFailure } from './tasking.ts';

/** Feishu tokens and ids: 1 to 999 characters (the documented bound of `target_parent_token`), no spaces. */
const Token = z
  .string()
  .min(1, { message: 'must not be empty', abort: true })
  .max(999, 'must be at most 999 characters')
  .regex(/^\S+$/, 'must not contain spaces');
/** An optional target: null, absent and '' all mean "not given", and nothing is sent for it. */
const OptionalToken = z
  .string()
  .max(999, 'must be at most 999 characters')
  .regex(/^\S*$/, 'must not contain spaces')
  .nullish()
  .transform((v) => (v ? v : undefined));

const CopyWikiNodeInput = z
  .object({
    spaceId: Token,
    nodeToken: Token,
    targetParentToken: OptionalToken,
    targetSpaceId: OptionalToken,
    // null and absent keep the original title (no `title` key is sent); '' is sent as an empty title.
    title: z
      .string()
      .nullish()
      .transform((v) => v ?? undefined),
  })
  .superRefine((input, ctx) => {
    if (input.targetParentToken === undefined && input.targetSpaceId === undefined) {
      const message = 'give targetParentToken, targetSpaceId or both: they cannot both be empty';
      ctx.addIssue({ code: 'custom', path: ['targetParentToken'], message });
      ctx.addIssue({ code: 'custom', path: ['targetSpaceId'], message });
    }
  });

export const Mutation: MutationResolvers = {
  copyWikiNode: (_parent, { input }, ctx) =>
    runCopy(ctx, { operation: 'copyWikiNode', provider: Provider.FEISHU, schema: CopyWikiNodeInput, input }, async (request) => {
      const creds = requireCredentials(ctx.credentials, 'feishu');
      const node = await ctx.services.feishu.copyNode(creds, request);
      // The copy answer is the full node: a reference to it later in this request needs no get_node.
      ctx.loaders.feishuNode.prime(node.nodeToken, node);
      const result: WikiNodeModel & { __typename: 'WikiNode' } = { __typename: 'WikiNode', ...node };
      ctx.services.logger.info(
        { provider: 'FEISHU', principal: ctx.principal.id, asUser: Boolean(creds.userAccessToken), nodeToken: node.nodeToken },
        'wiki node copied',
      );
      return recordTask(ctx, Provider.FEISHU, { status: TaskStatus.SUCCEEDED, result });
    }),
};

export const WikiNode: WikiNodeResolvers = {
  __resolveReference: async (ref, ctx) => {
    try {
      return await ctx.loaders.feishuNode.load(ref.nodeToken);
    } catch (err) {
      return referenceFailure(err);
    }
  },
};
