/**
 * Qiniu Kodo: copy an object (`POST /copy/<src>/<dst>[/force/true]`) and stat objects in batches
 * (`POST /batch` of `stat` ops, ≤ 1000 a request). Signs every request (`Qiniu` with `X-Qiniu-Date`,
 * or `QBox`), maps Qiniu's status codes to `CopyErrorCode`, keeps `X-Reqid` as the log id.
 */
import { z } from 'zod';
import { CopyErrorCode, Provider, UpstreamFailure } from '../src/core/errors.ts';
import { answerFailure, internal, parseJson, type Refusal, refused, sendUpstream, type UpstreamResponse } from './http.ts';
import { encodedEntry, FORM_CONTENT_TYPE, type QiniuKeys, qiniuDate, signQBox, signQiniu } from './qiniu-auth.ts';

/** What a resolver holds of a `StorageObject`: its key fields; stat fields load lazily. */
export interface StorageObjectRef {
  readonly bucket: string;
  readonly key: string;
}

export interface ObjectStat {
  readonly fsize: number;
  readonly hash: string;
  readonly mimeType: string;
  /** Unix milliseconds (Qiniu sends 100-ns units). */
  readonly putTimeMs: number;
  readonly type: number;
}

export interface QiniuClientOptions {
  /** RS host base URL, e.g. https://rs-z0.qiniuapi.com. */
  readonly rsUrl: string;
  readonly timeoutMs: number;
  readonly signature: 'Qiniu' | 'QBox';
  /** RSF host base URL (listing), e.g. https://rsf-z0.qiniuapi.com; defaults to the RS host. */
  readonly rsfUrl?: string | undefined;
}

export const MAX_BATCH_OPS = 1000;

const ErrorBody = z.object({ error: z.string().optional(), code: z.number().optional() }).loose();
const StatBody = z.object({ fsize: z.number(), hash: z.string(), mimeType: z.string(), putTime: z.number(), type: z.number().optional() }).loose();
const BatchItem = z.object({ code: z.number(), data: z.unknown().optional() });
const BatchBody = z.array(BatchItem);

/**
 * Qiniu's documented status codes (seed page + error-responses page, Q1/Q4). 599 is "服务端操作失败"
 * (the server failed): a copy may have run, so after a copy it is OUTCOME_UNKNOWN. 502/503/504 without
 * Qiniu's `{"error": …}` body are a gateway's, and unlisted here: OUTCOME_UNKNOWN after a copy too.
 */
const STATUS_CODES: Readonly<Record<number, Refusal & { what: string }>> = {
  400: { ...refused(CopyErrorCode.BAD_USER_INPUT), what: 'bad request' },
  401: { ...refused(CopyErrorCode.UNAUTHENTICATED), what: 'the access key or signature was refused' },
  403: { ...refused(CopyErrorCode.FORBIDDEN), what: 'forbidden' },
  419: { ...refused(CopyErrorCode.FORBIDDEN), what: 'the account is frozen' },
  573: { ...refused(CopyErrorCode.RATE_LIMITED, true), what: 'too many operations on this object' },
  599: { ...internal(true), what: 'the server failed the operation' },
  612: { ...refused(CopyErrorCode.NOT_FOUND), what: 'the source object does not exist' },
  614: { ...refused(CopyErrorCode.ALREADY_EXISTS), what: 'the destination object already exists' },
  631: { ...refused(CopyErrorCode.NOT_FOUND), what: 'the bucket does not exist' },
};

/**
 * Maps a Qiniu status (and error text) to a typed failure, by the retry contract (datasources/http.ts).
 * A status counts as Qiniu's only with Qiniu's JSON error body (a gateway's 403 or 400 is not a refusal).
 */
export function qiniuFailure(status: number, error: string | undefined, reqId: string | undefined, idempotent: boolean, hasBody = true): UpstreamFailure {
  const known = hasBody ? STATUS_CODES[status] : undefined;
  const what = known?.what ?? 'the operation failed';
  return answerFailure(
    { provider: Provider.QINIU, idempotent },
    { documented: known, status, message: `Qiniu: ${what}${error ? ` (${error})` : ` (HTTP ${status})`}.`, upstreamMessage: error, logId: reqId },
  );
}

function failureFrom(res: UpstreamResponse, idempotent: boolean): UpstreamFailure {
  const body = ErrorBody.safeParse(parseJson(res.text));
  const error = body.success ? body.data.error : undefined;
  return qiniuFailure(res.status, error, res.headers.get('x-reqid') ?? undefined, idempotent, error !== undefined);
}

export class QiniuClient {
  constructor(readonly options: QiniuClientOptions) {}

  #signedRequest(keys: QiniuKeys, method: 'GET' | 'POST', path: string, body: string | undefined, idempotent: boolean) {
    return this.#signedAt(keys, this.options.rsUrl, method, path, body, idempotent);
  }

  /** Copies one object. Resolves with the upstream request id; throws `UpstreamFailure`. */
  async copy(keys: QiniuKeys, source: StorageObjectRef, destination: StorageObjectRef, overwrite: boolean): Promise<{ reqId: string | undefined }> {
    const path = `/copy/${encodedEntry(source.bucket, source.key)}/${encodedEntry(destination.bucket, destination.key)}${overwrite ? '/force/true' : ''}`;
    const res = await this.#signedRequest(keys, 'POST', path, undefined, false);
    if (res.status !== 200) throw failureFrom(res, false);
    return { reqId: res.headers.get('x-reqid') ?? undefined };
  }

  /**
   * Stats many objects with `/batch` (≤ 1000 ops a request). One result per ref, in order: the stat,
   * or an `UpstreamFailure` for that object.
   */
  async statMany(keys: QiniuKeys, refs: readonly StorageObjectRef[]): Promise<(ObjectStat | UpstreamFailure)[]> {
    const results: (ObjectStat | UpstreamFailure)[] = [];
    for (let i = 0; i < refs.length; i += MAX_BATCH_OPS) {
      const chunk = refs.slice(i, i + MAX_BATCH_OPS);
      const body = new URLSearchParams(chunk.map((r): [string, string] => ['op', `/stat/${encodedEntry(r.bucket, r.key)}`])).toString();
      const res = await this.#signedRequest(keys, 'POST', '/batch', body, true);
      if (res.status !== 200 && res.status !== 298) throw failureFrom(res, true);
      const reqId = res.headers.get('x-reqid') ?? undefined;
      const items = BatchBody.safeParse(parseJson(res.text));
      if (!items.success || items.data.length !== chunk.length) {
        throw new UpstreamFailure({
          code: CopyErrorCode.UPSTREAM_ERROR,
          provider: Provider.QINIU,
          message: 'Qiniu: the batch answer did not match the request.',
          logId: reqId,
          retryable: true,
        });
      }
      for (const item of items.data) {
        if (item.code === 200) {
          const stat = StatBody.safeParse(item.data);
          results.push(
            stat.success
              ? {
                  fsize: stat.data.fsize,
                  hash: stat.data.hash,
                  mimeType: stat.data.mimeType,
                  putTimeMs: Math.floor(stat.data.putTime / 10_000),
                  type: stat.data.type ?? 0,
                }
              : new UpstreamFailure({
                  code: CopyErrorCode.UPSTREAM_ERROR,
                  provider: Provider.QINIU,
                  message: 'Qiniu: a stat answer was malformed.',
                  logId: reqId,
                  retryable: true,
                }),
          );
        } else {
          const err = ErrorBody.safeParse(item.data);
          results.push(qiniuFailure(item.code, err.success ? err.data.error : undefined, reqId, true));
        }
      }
    }
    return results;
  }

  // ---- bulk copies: listing (RSF host) and batch copy -------------------------------------------

  /**
   * Lists one page of a bucket under a prefix: `GET <rsf>/list?bucket=&prefix=&marker=&limit=`, signed
   * like every management call. Keys come in key order; `marker` is empty or absent on the last page.
   * Read-only, so safe to retry.
   */
  async listPage(keys: QiniuKeys, bucket: string, prefix: string, marker: string | null, limit = MAX_LIST_LIMIT): Promise<ListPage> {
    const query = new URLSearchParams({ bucket, prefix, limit: String(Math.min(Math.max(limit, 1), MAX_LIST_LIMIT)) });
    if (marker) query.set('marker', marker);
    const res = await this.#signedAt(keys, this.options.rsfUrl ?? this.options.rsUrl, 'GET', `/list?${query.toString()}`, undefined, true);
    if (res.status !== 200) throw failureFrom(res, true);
    const body = ListBody.safeParse(parseJson(res.text));
    if (!body.success) {
      throw new UpstreamFailure({
        code: CopyErrorCode.UPSTREAM_ERROR,
        provider: Provider.QINIU,
        message: 'Qiniu: the list answer was malformed.',
        logId: res.headers.get('x-reqid') ?? undefined,
        retryable: true,
      });
    }
    return { items: body.data.items.map((i) => ({ key: i.key, hash: i.hash, fsize: i.fsize })), marker: body.data.marker || null };
  }

  /**
   * Copies up to 1,000 objects in one `/batch` of `copy` ops. Resolves with one result per pair, in
   * order (`null` when copied, the item's `UpstreamFailure` otherwise: 614 ALREADY_EXISTS, 612 NOT_FOUND, …).
   * Not idempotent: a request sent without an answer throws OUTCOME_UNKNOWN.
   */
  async batchCopy(
    keys: QiniuKeys,
    pairs: readonly { readonly source: StorageObjectRef; readonly destination: StorageObjectRef }[],
    overwrite: boolean,
  ): Promise<{ results: (UpstreamFailure | null)[]; reqId: string | undefined }> {
    if (pairs.length === 0 || pairs.length > MAX_BATCH_OPS) throw new RangeError(`a batch holds 1 to ${MAX_BATCH_OPS} ops`);
    const force = overwrite ? '/force/true' : '';
    const body = new URLSearchParams(
      pairs.map((p): [string, string] => [
        'op',
        `/copy/${encodedEntry(p.source.bucket, p.source.key)}/${encodedEntry(p.destination.bucket, p.destination.key)}${force}`,
      ]),
    ).toString();
    const res = await this.#signedAt(keys, this.options.rsUrl, 'POST', '/batch', body, false);
    if (res.status !== 200 && res.status !== 298) throw failureFrom(res, false);
    const reqId = res.headers.get('x-reqid') ?? undefined;
    const items = BatchBody.safeParse(parseJson(res.text));
    if (!items.success || items.data.length !== pairs.length) {
      // The batch ran, but which ops succeeded is unknown.
      throw new UpstreamFailure({
        code: CopyErrorCode.OUTCOME_UNKNOWN,
        provider: Provider.QINIU,
        message: 'Qiniu: the batch answer did not match the request; some copies may have happened.',
        logId: reqId,
        retryable: false,
      });
    }
    const results = items.data.map((item) => {
      if (item.code === 200) return null;
      const err = ErrorBody.safeParse(item.data);
      // Each op's own code is a definite answer for that op (614, 612…); a 5xx one stays OUTCOME_UNKNOWN.
      return qiniuFailure(item.code, err.success ? err.data.error : undefined, reqId, false, err.success);
    });
    return { results, reqId };
  }

  #signedAt(keys: QiniuKeys, base: string, method: 'GET' | 'POST', path: string, body: string | undefined, idempotent: boolean) {
    const url = `${base}${path}`;
    const headers: Record<string, string> = { 'content-type': FORM_CONTENT_TYPE, accept: 'application/json' };
    if (this.options.signature === 'Qiniu') {
      headers['x-qiniu-date'] = qiniuDate();
      headers['authorization'] = signQiniu(keys, { method, url, contentType: FORM_CONTENT_TYPE, headers, body });
    } else {
      headers['authorization'] = signQBox(keys, { method, url, contentType: FORM_CONTENT_TYPE, body });
    }
    return sendUpstream({
      provider: Provider.QINIU,
      method,
      url,
      headers,
      ...(body !== undefined ? { body } : {}),
      timeoutMs: this.options.timeoutMs,
      idempotent,
    });
  }
}

/** Most keys a list page returns (Qiniu: limit 1 to 1000). */
export const MAX_LIST_LIMIT = 1000;

export interface ListedObject {
  readonly key: string;
  readonly hash: string;
  readonly fsize: number;
}

export interface ListPage {
  readonly items: readonly ListedObject[];
  /** Where the next page starts; null on the last page. */
  readonly marker: string | null;
}

const ListBody = z
  .object({
    marker: z.string().optional(),
    items: z.array(z.object({ key: z.string(), hash: z.string(), fsize: z.number() }).loose()).default([]),
  })
  .loose();
