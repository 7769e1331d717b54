/**
 * 123pan: `copyImages` and the `PanImageCopy` entity. The mutation validates the ids, makes sure a
 * token can be had, records the task with its plan (parts of ≤ 100 ids), submits the first parts (up
 * to 3, each upstream task id stored as soon as it exists) and answers; the watcher does the rest
 * (src/pollers/pan123.ts).
 */
import { z } from 'zod';
import { Provider } from '../src/core/errors.ts';
import { requireCredentials } from '../src/core/credentials.ts';
import { allowsPan123Folder, allowsPan123Sources, forbidden } from '../src/core/policy.ts';
import type { MutationResolvers, PanImageCopyResolvers } from '../src/generated/resolvers-types.ts';
import { type AdvanceOutcome, advancePan123Copy, type PanImageCopyRef, planPan123Copy } from '../src/pollers/pan123.ts';
import { type TaskChange, TaskStatus } from '../src/tasks/model.ts';
import { imageCopyRequest } from '../src/tasks/request-summary.ts';
import { runCopy } from './results.ts';
import { recordTask, watchTask } from './tasking.ts';

/**
 * The most ids one copy takes. The upstream has no such cap (copygraph splits them), but the plan is
 * stored with the task: 100,000 ids are 1,000 upstream tasks, far beyond any sensible single copy.
 */
export const MAX_FILE_IDS = 100_000;

/** Drive ids are positive integers; the API wants them as strings. */
const DriveId = z
  .string()
  .trim()
  .regex(/^[1-9]\d{0,19}$/, 'a drive file id is a positive whole number, written as a string');

const CopyImagesInput = z.object({
  fileIds: z
    .array(DriveId)
    .min(1, 'give at least one drive file id')
    .max(MAX_FILE_IDS, `give at most ${MAX_FILE_IDS} ids in one copy`)
    // Duplicates are copied once: the first occurrence keeps its place.
    .transform((ids) => [...new Set(ids)]),
  toParentFileId: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9_-]{0,128}$/, 'an image-host folder id is letters and digits ("" is the root)'),
});

export const Mutation: MutationResolvers = {
  copyImages: (_parent, { input }, ctx) =>
    runCopy(ctx, { operation: 'copyImages', provider: Provider.PAN123, schema: CopyImagesInput, input }, async ({ fileIds, toParentFileId }) => {
      if (!allowsPan123Folder(ctx.policy, toParentFileId)) throw forbidden(Provider.PAN123, `the image-host folder "${toParentFileId}"`);
      if (!allowsPan123Sources(ctx.policy, fileIds)) throw forbidden(Provider.PAN123, 'drive files not listed in its policy as copy sources');
      const creds = requireCredentials(ctx.credentials, 'pan123');
      const pan123 = ctx.services.pan123;
      // Bad client credentials are refused here, before a task is recorded.
      await pan123.ensureToken(creds);
      const plan = planPan123Copy(fileIds, toParentFileId);
      let task = await recordTask(
        ctx,
        Provider.PAN123,
        { status: TaskStatus.QUEUED, progress: { completed: 0, total: plan.parts.length }, watch: plan },
        imageCopyRequest(fileIds, toParentFileId),
      );
      const checkpoint = async (change: TaskChange) => (task = await ctx.services.tasks.change(task, change));
      let outcome: AdvanceOutcome;
      try {
        outcome = await advancePan123Copy(pan123, creds, task, checkpoint);
        if (outcome.change) await checkpoint(outcome.change);
      } finally {
        // Whatever happened, a recorded task that is not final is followed from here on (a final one is ignored).
        watchTask(ctx, task);
      }
      ctx.services.logger.info({ provider: 'PAN123', principal: ctx.principal.id, taskId: task.id, parts: plan.parts.length }, 'image copy started');
      // Refused outright, nothing runs upstream: answer with the refusal (the task stays on record as FAILED).
      if (task.status === TaskStatus.FAILED && outcome.submitError && !task.upstreamTaskId) throw outcome.submitError;
      return task;
    }),
};

export const PanImageCopy: PanImageCopyResolvers = {
  __resolveReference: async (ref, ctx) => {
    // Through the per-request task loader (ownership included): many references, one store query.
    const task = await ctx.loaders.tasks.load(ref.taskId);
    const result = task?.result as PanImageCopyRef | null | undefined;
    return result?.__typename === 'PanImageCopy' ? result : null;
  },
};
