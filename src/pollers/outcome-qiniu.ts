/**
 * Qiniu: whether a copy whose answer was lost ran. One `/batch` of two `stat`s (source and destination):
 * the destination exists with the source's hash, put no earlier than just before the call
 * (`putTime`, Qiniu's clock, with `CLOCK_SKEW_MS` of slack) → the copy ran; the destination does not
 * exist → it did not; anything else (another content there, or an object older than the call while
 * overwrite was off, which Qiniu would have refused with 614) cannot be told apart and stays unknown.
 *
 * Facts relied on: `stat` answers 612 for a missing key and `hash`/`putTime` (100 ns units) for an
 * existing one [C, reference/upstreams.md §4]; a copy keeps the source's hash (the content is the same)
 * [C]; `stat` sees a finished copy at once [I: Qiniu documents no replication lag within a region].
 */
import { z } from 'zod';
import type { QiniuClient, StorageObjectRef } from '../../datasources/qiniu.ts';
import { requireCredentials, type UpstreamCredentials } from '../core/credentials.ts';
import { CopyErrorCode, Provider, UpstreamFailure } from '../core/errors.ts';
import type { Finding, OutcomeLookup } from './outcome-resolution.ts';

const Location = z.object({ bucket: z.string(), key: z.string() });
const Detail = z.object({ source: Location, destination: Location, overwrite: z.boolean() });
export type QiniuOutcomeDetail = z.infer<typeof Detail>;

/** Slack between copygraph's clock and Qiniu's when comparing `putTime` with the call time [I]. */
const CLOCK_SKEW_MS = 60_000;

/** The detail a `copyObject` keeps for the lookup (its validated input). */
export function qiniuOutcomeDetail(request: QiniuOutcomeDetail): QiniuOutcomeDetail {
  return { source: request.source, destination: request.destination, overwrite: request.overwrite };
}

export class QiniuOutcomeLookup implements OutcomeLookup<QiniuOutcomeDetail> {
  readonly provider = Provider.QINIU;
  constructor(private readonly client: QiniuClient) {}

  parse(detail: unknown): QiniuOutcomeDetail | undefined {
    const parsed = Detail.safeParse(detail);
    return parsed.success ? parsed.data : undefined;
  }

  async look(detail: QiniuOutcomeDetail, credentials: UpstreamCredentials, since: Date): Promise<Finding> {
    const keys = requireCredentials(credentials, 'qiniu');
    const [src, dst] = await this.client.statMany(keys, [detail.source, detail.destination]);
    const where = `${detail.destination.bucket}/${detail.destination.key}`;
    if (dst instanceof UpstreamFailure) {
      if (dst.code === CopyErrorCode.NOT_FOUND) return { kind: 'absent', checked: `that the destination ${where} does not exist (stat)` };
      throw dst;
    }
    if (!dst) throw new Error('stat answered nothing for the destination');
    if (src instanceof UpstreamFailure || !src) {
      return { kind: 'undecidable', checked: `that ${where} exists, but the source could not be read to compare (${src?.message ?? 'no answer'})` };
    }
    if (dst.hash !== src.hash) return { kind: 'undecidable', checked: `that ${where} exists with a content (hash) other than the source's` };
    if (!detail.overwrite && dst.putTimeMs < since.getTime() - CLOCK_SKEW_MS) {
      return { kind: 'undecidable', checked: `that ${where} holds the source's content but was put before the copy was sent` };
    }
    const result: StorageObjectRef & { __typename: 'StorageObject' } = {
      __typename: 'StorageObject',
      bucket: detail.destination.bucket,
      key: detail.destination.key,
    };
    return { kind: 'ran', result, checked: `that ${where} exists with the source's hash` };
  }
}
