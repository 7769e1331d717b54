/**
 * Reading tasks: `copyTask`, `node`, `copyTasks`, the `copyTaskUpdated` and `copyTasksUpdated`
 * subscriptions and the `CopyTask` entity. Every read goes through ownership: another principal's task
 * does not exist for you.
 */
import { z } from 'zod';
import { credentialKey } from '../src/core/credentials.ts';
import { graphQLError } from '../src/core/errors.ts';
import type { RequestContext } from '../src/context.ts';
import type { CopyTaskConnectionResolvers, CopyTaskResolvers, NodeResolvers, QueryResolvers, SubscriptionResolvers } from '../src/generated/resolvers-types.ts';
import { isFinalStatus, type CopyTaskRecord } from '../src/tasks/model.ts';
import { streamOwnerTasks } from '../src/tasks/owner-stream.ts';
import { decodeCursor, type TaskListFilter } from '../src/tasks/store/sqlite.ts';
import { streamTask } from '../src/tasks/stream.ts';

/**
 * A page of `copyTasks` as the resolver returns it; `totalCount` is counted only when selected, from
 * the owner and filter kept here.
 */
export interface CopyTaskConnectionModel {
  readonly edges: readonly { readonly cursor: string; readonly node: CopyTaskRecord }[];
  readonly pageInfo: {
    readonly hasNextPage: boolean;
    readonly endCursor: string | null;
    readonly hasPreviousPage: boolean;
    readonly startCursor: string | null;
  };
  readonly owner: string;
  readonly filter: TaskListFilter;
}

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

const PageSize = z.number().int().min(1).max(100);
const PageArgs = z
  .object({ first: PageSize.nullish(), after: z.string().nullish(), last: PageSize.nullish(), before: z.string().nullish() })
  .refine(
    (a) => !((a.first != null || a.after != null) && (a.last != null || a.before != null)),
    'page forward (first, after) or backward (last, before), not both',
  );

export const Query: QueryResolvers = {
  copyTask: async (_parent, { id }, ctx) => (await ownedTask(id, ctx)) ?? null,
  // Tasks are the only nodes: a node id is a task id (the same id `copyTask` takes).
  node: async (_parent, { id }, ctx) => {
    const task = await ownedTask(id, ctx);
    return task ? { __typename: 'CopyTask', ...task } : null;
  },
  copyTasks: async (_parent, args, ctx) => {
    const page = PageArgs.safeParse(args);
    if (!page.success) {
      const message = page.error.issues.some((i) => i.path.length === 0) ? (page.error.issues[0]?.message ?? '') : 'first and last must be between 1 and 100';
      throw graphQLError(message, 'BAD_USER_INPUT');
    }
    const { first, after, last, before } = page.data;
    for (const cursor of [after, before]) {
      if (cursor != null && decodeCursor(cursor) === undefined) throw graphQLError('after and before take cursors from this API', 'BAD_USER_INPUT');
    }
    const filter: TaskListFilter = { provider: args.filter?.provider, status: args.filter?.status };
    const backward = last != null || before != null;
    const result = backward
      ? await ctx.services.tasks.listBefore(ctx.principal.id, filter, last ?? 20, before ?? undefined)
      : await ctx.services.tasks.list(ctx.principal.id, filter, first ?? 20, after ?? undefined);
    const model: CopyTaskConnectionModel = {
      edges: result.items.map(({ cursor, task }) => ({ cursor, node: task })),
      pageInfo: {
        // A cursor from another page: the tasks beyond it (older after `before`, newer before `after`) exist.
        hasNextPage: backward ? before != null : result.hasNextPage,
        hasPreviousPage: backward ? result.hasNextPage : after != null,
        endCursor: result.items.at(-1)?.cursor ?? null,
        startCursor: result.items[0]?.cursor ?? null,
      },
      owner: ctx.principal.id,
      filter,
    };
    return model;
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
  copyTasksUpdated: {
    // Scoped to the caller by construction: the stream listens on the caller's own channel only.
    subscribe: (_parent, { filter }, ctx) => streamOwnerTasks(ctx.principal.id, { provider: filter?.provider, status: filter?.status }, ctx.services.pubsub),
    resolve: (task: CopyTaskRecord) => task,
  },
};

export const CopyTaskConnection: CopyTaskConnectionResolvers = {
  totalCount: (page, _args, ctx) => ctx.services.tasks.count(page.owner, page.filter),
};

export const Node: NodeResolvers = {
  __resolveType: () => 'CopyTask',
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
  upstreamTaskIds: (task) => (task.upstreamTaskId ? task.upstreamTaskId.split(',').filter(Boolean) : []),
  request: (task) => task.request ?? null,
  failures: (task) => task.failures.map((f) => ({ itemId: f.itemId, name: f.name ?? null, kind: f.kind ?? null, reason: f.reason ?? null })),
};
