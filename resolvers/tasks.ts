/**
 * Reading tasks: `copyTask`, `copyTasks`, the `copyTaskUpdated` subscription and the `CopyTask`
 * entity. Every read goes through ownership: another principal's task does not exist for you.
 */
import { z } from 'zod';
import { credentialKey } from '../src/core/credentials.ts';
import { graphQLError } from '../src/core/errors.ts';
import type { RequestContext } from '../src/context.ts';
import type { CopyTaskResolvers, QueryResolvers, SubscriptionResolvers } from '../src/generated/resolvers-types.ts';
import { isFinalStatus, type CopyTaskRecord } from '../src/tasks/model.ts';
import { decodeCursor } from '../src/tasks/store/sqlite.ts';
import { streamTask } from '../src/tasks/stream.ts';

/** A task the caller owns, resumed when it waited for the caller's credentials. */
async function ownedTask(id: string, ctx: RequestContext): Promise<CopyTaskRecord | undefined> {
  return resumeIfWaiting(await ctx.services.tasks.get(id, ctx.principal.id), ctx);
}

/** Resumes watching a task that waits for this request's credentials (they are never stored). */
async function resumeIfWaiting(task: CopyTaskRecord | undefined, ctx: RequestContext): Promise<CopyTaskRecord | undefined> {
  if (task && task.credentialSource === 'request' && !isFinalStatus(task.status) && !ctx.services.watcher.isWatching(task.id)) {
    const creds = ctx.requestCredentials[credentialKey(task.provider)];
    if (creds) return ctx.services.watcher.resume(task, ctx.requestCredentials);
  }
  return task;
}

const PageArgs = z.object({ first: z.number().int().min(1).max(100), after: z.string().optional().nullable() });

export const Query: QueryResolvers = {
  copyTask: async (_parent, { id }, ctx) => (await ownedTask(id, ctx)) ?? null,
  copyTasks: async (_parent, args, ctx) => {
    const page = PageArgs.safeParse({ first: args.first ?? 20, after: args.after });
    if (!page.success) throw graphQLError('first must be between 1 and 100', 'BAD_USER_INPUT');
    if (page.data.after != null && decodeCursor(page.data.after) === undefined) throw graphQLError('after is not a cursor from this API', 'BAD_USER_INPUT');
    const result = await ctx.services.tasks.list(
      ctx.principal.id,
      { provider: args.filter?.provider, status: args.filter?.status },
      page.data.first,
      page.data.after ?? undefined,
    );
    return {
      edges: result.items.map(({ cursor, task }) => ({ cursor, node: task })),
      pageInfo: { hasNextPage: result.hasNextPage, endCursor: result.items.at(-1)?.cursor ?? null },
    };
  },
};

export const Subscription: SubscriptionResolvers = {
  copyTaskUpdated: {
    // A plain async function, not a generator: NOT_FOUND is thrown before any stream exists, so
    // graphql-js answers it as a result with errors on every transport (graphql-ws, graphql-sse,
    // the router callback) instead of breaking an already opened stream.
    subscribe: async (_parent, { id }, ctx) => {
      const first = await ownedTask(id, ctx);
      if (!first) throw graphQLError(`No task ${id}`, 'NOT_FOUND');
      return streamTask(async () => (await ctx.services.tasks.get(id, ctx.principal.id)) ?? first, id, ctx.services.pubsub);
    },
    resolve: (task: CopyTaskRecord) => task,
  },
};

export const CopyTask: CopyTaskResolvers = {
  // Through the per-request loader: a gateway's `_entities` call with many references is one store query.
  // A reference to a task that does not exist or is not the caller's is null with a NOT_FOUND error:
  // a gateway that joins it (with a non-null field selected) then reports why, not an internal error.
  __resolveReference: async (ref, ctx) => {
    const task = await resumeIfWaiting(await ctx.loaders.tasks.load(ref.id), ctx);
    if (!task) throw graphQLError('No such copy task (or it is not yours).', 'NOT_FOUND');
    return task;
  },
  isFinal: (task) => isFinalStatus(task.status),
  failures: (task) => task.failures.map((f) => ({ itemId: f.itemId, name: f.name ?? null, kind: f.kind ?? null, reason: f.reason ?? null })),
};
