/**
 * Blue: `copyTodo` (synchronous, so its task is born final) and the `BlueTodo` entity, whose fields load
 * lazily through the per-request loader (one Blue `todos` query by ids per request tick).
 */
import { z } from 'zod';
import { BLUE_COPY_OPTIONS, type BlueTodoDetail, type BlueTodoRef, scopedBlueCredentials } from '../datasources/blue.ts';
import type { RequestContext } from '../src/context.ts';
import { Provider } from '../src/core/errors.ts';
import type { BlueTodoResolvers, MutationResolvers, UnidentifiedBlueTodo } from '../src/generated/resolvers-types.ts';
import { TaskStatus } from '../src/tasks/model.ts';
import { allowsBlue, forbidden } from '../src/core/policy.ts';
import { runCopy } from './results.ts';
import { referenceFailure, submitCopy } from './tasking.ts';

/** Blue ids (cuid-like, e.g. "clx2…"): letters, digits, `_` and `-` [I], bounded. */
export const Id = z
  .string()
  .min(1, { message: 'must not be empty', abort: true })
  .max(200, 'must be at most 200 characters')
  .regex(/^[A-Za-z0-9_-]+$/, 'a Blue id is letters, digits, _ and -');

const CopyTodoInput = z.object({
  todoId: Id,
  todoListId: Id,
  // null and absent keep the source's title (no `title` key is sent).
  title: z
    .string()
    .max(10_000, 'must be at most 10000 characters')
    .nullish()
    .transform((v) => v ?? undefined),
  // The schema's enum already refuses unknown parts; duplicates are harmless and dropped.
  options: z.array(z.enum(BLUE_COPY_OPTIONS)).transform((opts) => [...new Set(opts)]),
});

const detail = (todo: BlueTodoRef, ctx: RequestContext): Promise<BlueTodoDetail> => ctx.loaders.blueTodo.load(todo.id);

export const Mutation: MutationResolvers = {
  copyTodo: (_parent, { input }, ctx) =>
    runCopy(ctx, { operation: 'copyTodo', provider: Provider.BLUE, schema: CopyTodoInput, input }, async (request) => {
      const creds = scopedBlueCredentials(ctx.credentials.blue);
      if (!allowsBlue(ctx.policy, creds.companyId, creds.projectId))
        throw forbidden(Provider.BLUE, `the Blue company/project ${creds.companyId}/${creds.projectId ?? ''}`);
      return submitCopy(
        ctx,
        Provider.BLUE,
        () => ctx.services.blue.copyTodo(creds, request),
        (outcome) => {
          const result: (BlueTodoRef & { __typename: 'BlueTodo' }) | (UnidentifiedBlueTodo & { __typename: 'UnidentifiedBlueTodo' }) = outcome.identified
            ? { __typename: 'BlueTodo', id: outcome.todoId }
            : { __typename: 'UnidentifiedBlueTodo', todoListId: outcome.todoListId, copyTitle: outcome.title, reason: outcome.reason };
          ctx.services.logger.info(
            {
              provider: 'BLUE',
              principal: ctx.principal.id,
              identified: outcome.identified,
              ...(outcome.identified ? { todoId: outcome.todoId } : { reason: outcome.reason }),
            },
            'record copied',
          );
          return { status: TaskStatus.SUCCEEDED, result };
        },
        {},
        { __typename: 'TodoCopyRequest', ...request, title: request.title ?? null },
      );
    }),
};

export const BlueTodo: BlueTodoResolvers = {
  __resolveReference: async (ref, ctx) => {
    const blue = ctx.credentials.blue;
    if (ctx.policy && !allowsBlue(ctx.policy, blue?.companyId, blue?.projectId)) return null;
    try {
      await detail(ref, ctx);
      return { id: ref.id };
    } catch (err) {
      return referenceFailure(err);
    }
  },
  uid: async (t, _args, ctx) => (await detail(t, ctx)).uid,
  title: async (t, _args, ctx) => (await detail(t, ctx)).title,
  position: async (t, _args, ctx) => (await detail(t, ctx)).position,
  text: async (t, _args, ctx) => (await detail(t, ctx)).text,
  html: async (t, _args, ctx) => (await detail(t, ctx)).html,
  startedAt: async (t, _args, ctx) => (await detail(t, ctx)).startedAt,
  duedAt: async (t, _args, ctx) => (await detail(t, ctx)).duedAt,
  timezone: async (t, _args, ctx) => (await detail(t, ctx)).timezone,
  done: async (t, _args, ctx) => (await detail(t, ctx)).done,
  archived: async (t, _args, ctx) => (await detail(t, ctx)).archived,
  createdAt: async (t, _args, ctx) => (await detail(t, ctx)).createdAt,
  updatedAt: async (t, _args, ctx) => (await detail(t, ctx)).updatedAt,
  todoList: async (t, _args, ctx) => (await detail(t, ctx)).todoList,
  assignees: async (t, _args, ctx) => (await detail(t, ctx)).users.map((u) => ({ ...u })),
  tags: async (t, _args, ctx) => (await detail(t, ctx)).tags.map((g) => ({ ...g })),
  customFields: async (t, _args, ctx) =>
    (await detail(t, ctx)).customFields.map((f) => ({
      id: f.id,
      title: f.title,
      type: f.type,
      valueJson: f.value === undefined || f.value === null ? null : JSON.stringify(f.value),
    })),
};
