/**
 * Coze: `copyCozeEntity` and the `CozeEntity` entity. The task is recorded "submitting" before Coze is
 * called. A same-workspace bot copy answers at once, so its task becomes `SUCCEEDED`; every other copy
 * is a Coze task whose id is stored with the copygraph task before the mutation answers, then followed
 * by the watcher (src/pollers/coze.ts).
 */
import { z } from 'zod';
import type { CozeEntityRef } from '../datasources/coze.ts';
import { requireCredentials } from '../src/core/credentials.ts';
import { allowsCozeSource, allowsCozeWorkspace, forbidden } from '../src/core/policy.ts';
import { Provider } from '../src/core/errors.ts';
import type { CozeEntityResolvers, MutationResolvers } from '../src/generated/resolvers-types.ts';
import type { CozeWatchState } from '../src/pollers/coze.ts';
import { type TaskChange, TaskStatus } from '../src/tasks/model.ts';
import { runCopy } from './results.ts';
import { submitCopy, watchTask } from './tasking.ts';

/** Coze ids are int64 numbers written as strings; Coze refuses anything else with 4000. */
const INT64_MAX = 9_223_372_036_854_775_807n;
export const CozeId = z
  .string()
  .trim()
  .regex(/^\d{1,19}$/, { message: 'a Coze id is a number of 1 to 19 digits, written as a string', abort: true })
  .refine((v) => BigInt(v) > 0n && BigInt(v) <= INT64_MAX, 'a Coze id is a positive int64');

const CopyCozeEntityInput = z.object({
  entityId: CozeId,
  // The GraphQL enum already refuses unknown types; this keeps the resolver honest on its own.
  entityType: z.enum(['BOT', 'APP', 'WORKFLOW']),
  // "" means the entity's own workspace, as upstream; so does null.
  toWorkspaceId: z
    .union([z.literal(''), CozeId])
    .nullish()
    .transform((v) => v || undefined),
});

export const Mutation: MutationResolvers = {
  copyCozeEntity: (_parent, { input }, ctx) =>
    runCopy(ctx, { operation: 'copyCozeEntity', provider: Provider.COZE, schema: CopyCozeEntityInput, input }, async (request) => {
      // The source's workspace is not known before the call: under a policy the target must be named and allowed.
      if (!allowsCozeWorkspace(ctx.policy, request.toWorkspaceId)) {
        throw forbidden(Provider.COZE, request.toWorkspaceId ? `the workspace ${request.toWorkspaceId}` : 'a copy without toWorkspaceId');
      }
      // The source: listed in the policy, or a copy this principal made (its tasks say where it went); no Coze call.
      if (ctx.policy && !allowsCozeSource(ctx.policy, request.entityId, (await ctx.loaders.cozeEntities.load(request.entityId))?.workspaceId)) {
        throw forbidden(Provider.COZE, `the entity ${request.entityId} as a copy source`);
      }
      const summary = { __typename: 'CozeCopyRequest', ...request, toWorkspaceId: request.toWorkspaceId ?? null } as const;
      const creds = requireCredentials(ctx.credentials, 'coze');
      const watch: CozeWatchState = { entityId: request.entityId, entityType: request.entityType, toWorkspaceId: request.toWorkspaceId ?? null };
      // Recorded before Coze is called (submitCopy): a crash in between is reported after the restart,
      // and the Coze task id is stored in the same change that records the answer.
      const task = await submitCopy(
        ctx,
        Provider.COZE,
        () => ctx.services.coze.copyEntity(creds, request),
        (started): TaskChange => {
          ctx.services.logger.info({ provider: 'COZE', principal: ctx.principal.id, logId: started.logId, kind: started.kind }, 'coze copy started');
          if (started.kind === 'copied') {
            const result: CozeEntityRef = {
              __typename: 'CozeEntity',
              id: started.copiedEntityId,
              type: request.entityType,
              workspaceId: request.toWorkspaceId ?? null,
              sourceEntityId: request.entityId,
            };
            return { status: TaskStatus.SUCCEEDED, result };
          }
          return { status: TaskStatus.RUNNING, upstreamTaskId: started.taskId, watch };
        },
        { ...watch },
        summary,
      );
      watchTask(ctx, task);
      return task;
    }),
};

export const CozeEntity: CozeEntityResolvers = {
  /**
   * Coze has no "get entity" API, so copygraph resolves only the copies it made, and only for the
   * principal that made them (someone else's copy does not exist for you).
   */
  // Through the per-request loader: a gateway's `_entities` call pages the caller's tasks once for all.
  __resolveReference: async (ref, ctx) => (await ctx.loaders.cozeEntities.load(ref.id)) ?? null,
};
