/**
 * How expected failures become data: every copy mutation answers with its task, an
 * `InvalidInputError`, or an `UpstreamError` (routers redact subgraph errors, so failures a client
 * must handle travel as union members). Anything else is rethrown and masked as a bug.
 */
import type { z } from 'zod';
import type { RequestContext } from '../src/context.ts';
import { CopyErrorCode, InvalidInput, isUpstreamFailure, type Provider } from '../src/core/errors.ts';
import { scrub } from '../src/core/secrets.ts';
import type { InvalidInputError, UpstreamError } from '../src/generated/resolvers-types.ts';
import type { CopyTaskRecord } from '../src/tasks/model.ts';

export type CopyResult =
  | (CopyTaskRecord & { __typename: 'CopyTask' })
  | (InvalidInputError & { __typename: 'InvalidInputError' })
  | (UpstreamError & { __typename: 'UpstreamError' });

/** Validates a mutation input; throws `InvalidInput` naming each bad field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw new InvalidInput(parsed.error.issues.map((i) => ({ path: i.path.join('.') || '(input)', message: i.message })));
}

export function asTaskResult(task: CopyTaskRecord): CopyResult {
  return { __typename: 'CopyTask', ...task };
}

/** Turns an expected failure into its union member; rethrows anything else. */
export function asErrorResult(err: unknown): CopyResult {
  if (err instanceof InvalidInput) {
    return { __typename: 'InvalidInputError', code: CopyErrorCode.BAD_USER_INPUT, message: `Invalid input: ${err.message}`, fields: [...err.fields] };
  }
  if (isUpstreamFailure(err)) {
    return {
      __typename: 'UpstreamError',
      code: err.code,
      // Already scrubbed when the failure was built; again here, for any secret registered since.
      message: scrub(err.message),
      provider: err.provider,
      upstreamCode: scrub(err.upstreamCode) ?? null,
      upstreamMessage: scrub(err.upstreamMessage) ?? null,
      logId: err.logId ?? null,
      retryable: err.retryable,
      retryAfterSeconds: err.retryAfterSeconds ?? null,
    };
  }
  throw err;
}

/**
 * Runs a copy: its task on success, its typed failure otherwise. The caller's quota of copies in
 * progress is checked first (RATE_LIMITED, nothing sent).
 */
export async function runCopy(ctx: RequestContext, provider: Provider, copy: () => Promise<CopyTaskRecord>): Promise<CopyResult> {
  try {
    await ctx.quotas?.checkActiveTasks(ctx.principal.id, provider);
    return asTaskResult(await copy());
  } catch (err) {
    return asErrorResult(err);
  }
}
