/**
 * Per-request DataLoaders: details a copy response lacks are fetched only when a client selects them,
 * batched into one upstream call per request and provider. Built lazily; one set per request.
 */
import DataLoader from 'dataloader';
import type { UpstreamCredentials } from './credentials.ts';
import { CopyErrorCode, Provider, UpstreamFailure } from './errors.ts';
import type { ObjectStat, StorageObjectRef } from '../datasources/qiniu.ts';
import type { Services } from './services.ts';

function missingCredentials(provider: Provider): UpstreamFailure {
  return new UpstreamFailure({
    code: CopyErrorCode.UNAUTHENTICATED,
    provider,
    message: `No ${provider} credentials are configured or sent with the request.`,
    retryable: false,
  });
}

export class Loaders {
  #qiniuStat: DataLoader<StorageObjectRef, ObjectStat, string> | undefined;

  constructor(
    private readonly services: Services,
    private readonly credentials: UpstreamCredentials,
  ) {}

  /** Qiniu `stat` of objects, one `/batch` per request tick. */
  get qiniuStat(): DataLoader<StorageObjectRef, ObjectStat, string> {
    this.#qiniuStat ??= new DataLoader<StorageObjectRef, ObjectStat, string>(
      async (refs) => {
        const keys = this.credentials.qiniu;
        if (!keys) return refs.map(() => missingCredentials(Provider.QINIU));
        try {
          return await this.services.qiniu.statMany(keys, refs);
        } catch (err) {
          return refs.map(() => (err instanceof Error ? err : new Error(String(err))));
        }
      },
      { cacheKeyFn: (r) => `${r.bucket}\u0000${r.key}`, maxBatchSize: 1000 },
    );
    return this.#qiniuStat;
  }
}
