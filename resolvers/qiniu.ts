/**
 * Qiniu Kodo: `copyObject` (synchronous, so its task is born final) and the `StorageObject` entity,
 * whose stat fields load lazily through the per-request `/batch` loader.
 */
import { z } from 'zod';
import type { StorageObjectRef } from '../datasources/qiniu.ts';
import { CopyErrorCode, graphQLError, Provider, UpstreamFailure } from '../src/core/errors.ts';
import { requireCredentials } from '../src/core/credentials.ts';
import { allowsQiniu, forbidden } from '../src/core/policy.ts';
import type { MutationResolvers, StorageClass, StorageObjectResolvers } from '../src/generated/resolvers-types.ts';
import { TaskStatus } from '../src/tasks/model.ts';
import { runCopy } from './results.ts';
import { submitCopy } from './tasking.ts';

/** Qiniu bucket names: 3–63 characters, lowercase letters, digits and hyphens, not starting or ending with a hyphen. */
export const Bucket = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/, 'a bucket name is 3 to 63 lowercase letters, digits and hyphens, not starting or ending with a hyphen');
/** Keys are 1 to 750 bytes of UTF-8: well-formed text (a lone surrogate has no UTF-8 form). */
export const Key = z
  .string()
  .min(1, { message: 'the key must not be empty', abort: true })
  .refine((k) => !/\p{Cs}/u.test(k), { message: 'the key must be well-formed text (no lone surrogates)', abort: true })
  .refine((k) => Buffer.byteLength(k, 'utf8') <= 750, 'the key must be at most 750 bytes');
const Location = z.object({ bucket: Bucket, key: Key });

export const CopyObjectInput = z
  .object({
    source: Location,
    destination: Location,
    overwrite: z
      .boolean()
      .nullish()
      .transform((v) => v ?? false),
  })
  .refine((i) => i.source.bucket !== i.destination.bucket || i.source.key !== i.destination.key, {
    path: ['destination'],
    message: 'the destination is the source itself',
  });

/** Qiniu's `type` codes, in order (0 standard … 5 intelligent tiering); an unknown code is null. */
const STORAGE_CLASSES: readonly StorageClass[] = ['STANDARD', 'INFREQUENT_ACCESS', 'ARCHIVE', 'DEEP_ARCHIVE', 'ARCHIVE_DIRECT_READ', 'INTELLIGENT_TIERING'];

export const Mutation: MutationResolvers = {
  copyObject: (_parent, { input }, ctx) =>
    runCopy(ctx, { operation: 'copyObject', provider: Provider.QINIU, schema: CopyObjectInput, input }, async ({ source, destination, overwrite }) => {
      if (!allowsQiniu(ctx.policy, source.bucket, source.key)) throw forbidden(Provider.QINIU, `the source bucket/key ${source.bucket}`);
      if (!allowsQiniu(ctx.policy, destination.bucket, destination.key)) throw forbidden(Provider.QINIU, `the destination bucket/key ${destination.bucket}`);
      const keys = requireCredentials(ctx.credentials, 'qiniu');
      const result: StorageObjectRef & { __typename: 'StorageObject' } = { __typename: 'StorageObject', bucket: destination.bucket, key: destination.key };
      return submitCopy(
        ctx,
        Provider.QINIU,
        () => ctx.services.qiniu.copy(keys, source, destination, overwrite),
        ({ reqId }) => {
          ctx.services.logger.info({ provider: 'QINIU', principal: ctx.principal.id, reqId }, 'object copied');
          return { status: TaskStatus.SUCCEEDED, result };
        },
        {},
        { __typename: 'ObjectCopyRequest', source, destination, overwrite },
      );
    }),
};

export const StorageObject: StorageObjectResolvers = {
  // A reference to an object that does not exist is null, as federation expects (not an error on every
  // field). The existence check is the same batched stat the fields use: one Qiniu `/batch` per request.
  __resolveReference: async (ref, ctx) => {
    const obj = { bucket: ref.bucket, key: ref.key };
    // Outside the caller's policy: does not exist for this key (nothing is read upstream).
    if (!allowsQiniu(ctx.policy, obj.bucket, obj.key)) return null;
    try {
      await ctx.loaders.qiniuStat.load(obj);
    } catch (err) {
      if (err instanceof UpstreamFailure) {
        if (err.code === CopyErrorCode.NOT_FOUND) return null;
        if (err.code === CopyErrorCode.FORBIDDEN || err.code === CopyErrorCode.UNAUTHENTICATED) throw graphQLError(err.message, err.code);
      }
      throw err;
    }
    return obj;
  },
  fsize: async (obj, _args, ctx) => (await ctx.loaders.qiniuStat.load(obj)).fsize,
  hash: async (obj, _args, ctx) => (await ctx.loaders.qiniuStat.load(obj)).hash,
  mimeType: async (obj, _args, ctx) => (await ctx.loaders.qiniuStat.load(obj)).mimeType,
  putTime: async (obj, _args, ctx) => new Date((await ctx.loaders.qiniuStat.load(obj)).putTimeMs).toISOString(),
  storageType: async (obj, _args, ctx) => (await ctx.loaders.qiniuStat.load(obj)).type,
  storageClass: async (obj, _args, ctx) => STORAGE_CLASSES[(await ctx.loaders.qiniuStat.load(obj)).type] ?? null,
};
