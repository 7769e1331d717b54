/**
 * Feishu / Lark wiki: `copyWikiNode` (synchronous, so its task is born final with the new node) and the
 * `WikiNode` entity, resolved by reference through the per-request `get_node` loader.
 */
import { z } from 'zod';
import { Provider } from '../src/core/errors.ts';
import { requireCredentials } from '../src/core/credentials.ts';
import { allowsFeishuSpace, forbidden } from '../src/core/policy.ts';
import type { MutationResolvers, WikiNodeResolvers } from '../src/generated/resolvers-types.ts';
import { TaskStatus } from '../src/tasks/model.ts';
import type { WikiNodeModel } from '../datasources/feishu-wiki.ts';
import { runCopy } from './results.ts';
import { referenceFailure, submitCopy } from './tasking.ts';

/**
 * Feishu node tokens: 1 to 999 characters (the documented bound of `target_parent_token`) of letters,
 * digits, `_` and `-` (documented examples are base62 like "wikcnKQ1k3p…"; `_`/`-` allowed [I]). They go
 * into the request path: "." and ".." or a "/" would change which Feishu API is called.
 */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]+$/;
const TOKEN_MESSAGE = 'a Feishu token is letters, digits, _ and -';
/** Space ids are int64 numbers written as strings (documented example "6946843325487912356"). */
const SPACE_SHAPE = /^\d{1,19}$/;
const SPACE_MESSAGE = 'a Feishu space id is a number of 1 to 19 digits, written as a string';
export const Token = z
  .string()
  .min(1, { message: 'must not be empty', abort: true })
  .max(999, 'must be at most 999 characters')
  .regex(TOKEN_SHAPE, TOKEN_MESSAGE);
export const SpaceId = z.string().min(1, { message: 'must not be empty', abort: true }).regex(SPACE_SHAPE, SPACE_MESSAGE);
/** An optional target: null, absent and '' all mean "not given", and nothing is sent for it. */
const optional = (shape: RegExp, message: string) =>
  z
    .string()
    .max(999, 'must be at most 999 characters')
    .refine((v) => v === '' || shape.test(v), message)
    .nullish()
    .transform((v) => (v ? v : undefined));
export const OptionalToken = optional(TOKEN_SHAPE, TOKEN_MESSAGE);
export const OptionalSpaceId = optional(SPACE_SHAPE, SPACE_MESSAGE);

const CopyWikiNodeInput = z
  .object({
    spaceId: SpaceId,
    nodeToken: Token,
    targetParentToken: OptionalToken,
    targetSpaceId: OptionalSpaceId,
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
      if (!allowsFeishuSpace(ctx.policy, request.spaceId)) throw forbidden(Provider.FEISHU, `the wiki space ${request.spaceId}`);
      // Under a policy the destination space must be named: a parent token alone does not say which space it is in.
      if (ctx.policy && !allowsFeishuSpace(ctx.policy, request.targetSpaceId)) {
        throw forbidden(Provider.FEISHU, request.targetSpaceId ? `the wiki space ${request.targetSpaceId}` : 'a destination without targetSpaceId');
      }
      const creds = requireCredentials(ctx.credentials, 'feishu');
      return submitCopy(
        ctx,
        Provider.FEISHU,
        () => ctx.services.feishu.copyNode(creds, request, ctx.principal.id),
        (node) => {
          // The copy answer is the full node: a reference to it later needs no get_node, and the parent's cached answers are dropped.
          ctx.loaders.wikiNodeCopied(node);
          const result: WikiNodeModel & { __typename: 'WikiNode' } = { __typename: 'WikiNode', ...node };
          ctx.services.logger.info(
            { provider: 'FEISHU', principal: ctx.principal.id, asUser: Boolean(creds.userAccessToken), nodeToken: node.nodeToken },
            'wiki node copied',
          );
          return { status: TaskStatus.SUCCEEDED, result };
        },
        {},
        {
          __typename: 'WikiNodeCopyRequest',
          spaceId: request.spaceId,
          nodeToken: request.nodeToken,
          targetParentToken: request.targetParentToken ?? null,
          targetSpaceId: request.targetSpaceId ?? null,
          title: request.title ?? null,
        },
      );
    }),
};

export const WikiNode: WikiNodeResolvers = {
  __resolveReference: async (ref, ctx) => {
    // A token that is not a token is no node (and never reaches a Feishu path).
    if (typeof ref.nodeToken !== 'string' || !TOKEN_SHAPE.test(ref.nodeToken) || ref.nodeToken.length > 999) return null;
    try {
      const node = await ctx.loaders.feishuNode.load(ref.nodeToken);
      // Outside the caller's policy: does not exist for this key.
      return allowsFeishuSpace(ctx.policy, node.spaceId) ? node : null;
    } catch (err) {
      return referenceFailure(err);
    }
  },
};
