/**
 * How expected failures become data: every copy mutation answers with its task, an
 * `InvalidInputError`, or an `UpstreamError` (routers redact subgraph errors, so failures a client
 * must handle travel as union members). Anything else is rethrown and masked as a bug.
 */
import type { z } from 'zod';
import type { RequestContext } from '../src/context.ts';
import { CopyErrorCode, InvalidInput, isUpstreamFailure, type Provider } from '../src/core/errors.ts';
import { scrub } from '../src/core/secrets.ts';
import type { IdempotencyKeyReusedError, InvalidInputError, UpstreamError } from '../src/generated/resolvers-types.ts';
import { IdempotencyKeyReused } from '../src/tasks/idempotency.ts';
import type { CopyTaskRecord } from '../src/tasks/model.ts';
import { idempotent } from './idempotency.ts';
import { lookingUpUnknown } from './outcome.ts';

export type CopyResult =
  | (CopyTaskRecord & { __typename: 'CopyTask' })
  | (InvalidInputError & { __typename: 'InvalidInputError' })
  | (UpstreamError & { __typename: 'UpstreamError' })
  | (IdempotencyKeyReusedError & { __typename: 'IdempotencyKeyReusedError' });

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
  if (err instanceof IdempotencyKeyReused) {
    return {
      __typename: 'IdempotencyKeyReusedError',
      code: CopyErrorCode.IDEMPOTENCY_KEY_REUSED,
      message: err.message,
      idempotencyKey: err.idempotencyKey,
      taskId: err.taskId,
    };
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

/** What a copy mutation names: its operation, its provider, its input schema and its raw input. */
export interface CopyCall<S extends z.ZodType> {
  readonly operation: string;
  readonly provider: Provider;
  readonly schema: S;
  readonly input: { readonly idempotencyKey?: string | null | undefined };
}

/**
 * Runs a copy: validates its input, then runs it at most once per idempotency key (./idempotency.ts),
 * turning an unknown outcome into a task that looks upstream where it can (./outcome.ts); answers its
 * task on success, its typed failure otherwise. The caller's quota of copies in progress is checked
 * before the key is claimed (RATE_LIMITED, nothing sent).
 */
export async function runCopy<S extends z.ZodType>(
  ctx: RequestContext,
  call: CopyCall<S>,
  copy: (request: z.output<S>) => Promise<CopyTaskRecord>,
): Promise<CopyResult> {
  try {
    const request = parseInput(call.schema, call.input);
    const { provider, operation } = call;
    await ctx.quotas?.checkActiveTasks(ctx.principal.id, provider);
    const task = await idempotent(ctx, provider, operation, call.input.idempotencyKey, request, (taskId) =>
      lookingUpUnknown(ctx, provider, operation, request, taskId, () => copy(request)),
    );
    return asTaskResult(task);
  } catch (err) {
    return asErrorResult(err);
  }
}
