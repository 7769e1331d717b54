/**
 * 123pan open platform (123云盘开放平台), image host (图床) copy: create a copy task
 * (`POST /api/v1/oss/source/copy`), read its state (`GET /api/v1/oss/source/copy/process`) and its
 * failed files (`GET /api/v1/oss/source/copy/fail`, paged), reference/upstreams.md §2.
 *
 * Auth: an `access_token` from `POST /api/v1/access_token` (client id and secret), cached per client
 * until shortly before its `expiredAt`, fetched by one call at a time however many requests need it
 * (single-flight), and fetched again when an answer says body code 401; the refused call is then sent
 * once more. Every call carries `Platform: open_platform`.
 *
 * Every answer is `{ code, message, data, "x-traceID" }`, business errors included (HTTP 200). The
 * docs name only body codes 401 (access_token无效) and 429 (请求太频繁) [C3 P3]; the wording of every
 * other refusal is undocumented, so messages are never read. An unlisted code after a submit is
 * OUTCOME_UNKNOWN (retry contract, datasources/http.ts): nothing documents that it did not run.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Pan123Credentials } from '../src/core/credentials.ts';
import { CopyErrorCode, Provider, UpstreamFailure } from '../src/core/errors.ts';
import { registerSecret } from '../src/core/secrets.ts';
import { countUpstreamRetry } from '../src/core/metrics.ts';
import { answerFailure, parseJson, type Refusal, refused, sendUpstream } from './http.ts';

/** Upstream limits of the copy task [C3 P2]. */
export const PAN123_MAX_IDS_PER_TASK = 100;
export const PAN123_MAX_QUEUED_TASKS = 3;
const FAIL_PAGE_SIZE = 100;
/** A fail list longer than this many pages is cut (1000 images a task is the upstream's own cap). */
const MAX_FAIL_PAGES = 200;

/** Upstream task status: 1 running, 2 finished (read the fail list), 3 failed, 4 waiting [C3 P2]. */
export type Pan123TaskStatus = 1 | 2 | 3 | 4;

export interface Pan123Progress {
  readonly status: Pan123TaskStatus;
  readonly failMsg: string;
  readonly logId: string | undefined;
}

export interface Pan123FailedFile {
  readonly fileId: string;
  readonly filename: string;
}

export interface Pan123ClientOptions {
  /** https://open-api.123pan.com, or an emulator. */
  readonly baseUrl: string;
  readonly timeoutMs: number;
  /** Refresh a token this long before its `expiredAt` (at most half its lifetime). Default 5 minutes. */
  readonly tokenRefreshMarginMs?: number;
  /** How long to wait when the token endpoint (QPS 1 per client) throttles. Default 1100 ms. */
  readonly tokenThrottleWaitMs?: number;
}

// ---- wire format ------------------------------------------------------------------------------

const Envelope = z
  .object({
    code: z.number(),
    message: z.string().nullish(),
    data: z.unknown().optional(),
    'x-traceID': z.string().nullish(),
  })
  .loose();
type Envelope = z.infer<typeof Envelope>;

const TokenData = z.object({ accessToken: z.string().min(1), expiredAt: z.string().min(1) }).loose();
const CopyData = z.object({ taskID: z.union([z.string().min(1), z.number()]) }).loose();
const ProcessData = z.object({ status: z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4)]), failMsg: z.string().nullish() }).loose();
const FailData = z
  .object({
    total: z.number(),
    // An empty page is `list: null`, not [] [C3 P2].
    list: z.array(z.object({ fileId: z.union([z.number(), z.string()]), filename: z.string().nullish() }).loose()).nullable(),
  })
  .loose();

const CODE_TOKEN_INVALID = 401;
const CODE_THROTTLED = 429;

/** The documented body codes [C3 P3 "常用code码"]: both refusals. */
const BODY_CODES: Readonly<Record<number, Refusal & { what: string }>> = {
  [CODE_TOKEN_INVALID]: { ...refused(CopyErrorCode.UNAUTHENTICATED), what: '123pan refused the access token (access_token无效)' },
  [CODE_THROTTLED]: { ...refused(CopyErrorCode.RATE_LIMITED, true), what: '123pan throttled the call (请求太频繁)' },
};

/** Which call failed: the token endpoint's only refusal of a well-formed request is bad client credentials [I]. */
export type Pan123Call = 'token' | 'submit' | 'read';

/** Maps a refused answer to a typed failure, by the retry contract (datasources/http.ts). */
export function pan123Failure(httpStatus: number, body: Envelope | undefined, call: Pan123Call): UpstreamFailure {
  const traceId = body?.['x-traceID'] ?? undefined;
  const upstreamMessage = body?.message ?? undefined;
  const ctx = { provider: Provider.PAN123, idempotent: call !== 'submit' };
  if (!body) {
    // HTTP 429 without the envelope still refuses by HTTP's own meaning; anything else is a gateway's.
    const documented = httpStatus === 429 ? refused(CopyErrorCode.RATE_LIMITED, true) : undefined;
    return answerFailure(ctx, { documented, status: httpStatus, message: `123pan answered HTTP ${httpStatus} without its envelope.`, logId: traceId });
  }
  let documented: (Refusal & { what?: string }) | undefined = BODY_CODES[body.code];
  // [I] Task reads answer HTTP 404 for a task 123pan does not know (the docs are silent).
  if (!documented && call === 'read' && httpStatus === 404) documented = { ...refused(CopyErrorCode.NOT_FOUND), what: '123pan does not know this copy task' };
  if (!documented && call === 'token') documented = { ...refused(CopyErrorCode.UNAUTHENTICATED), what: '123pan refused the client id or secret' };
  return answerFailure(ctx, {
    documented,
    status: httpStatus,
    message: `${documented?.what ?? `123pan refused the call (code ${body.code})`}${upstreamMessage ? ` (${upstreamMessage})` : ''}.`,
    upstreamCode: String(body.code),
    upstreamMessage,
    logId: traceId,
    retryAfterSeconds: 1,
  });
}

interface CachedToken {
  readonly token: string;
  /** When to stop using it (some margin before `expiredAt`). */
  readonly refreshAtMs: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The account's 3 task slots as this process knows them (upstream tasks it submitted or saw running,
 * not yet seen finished). 123pan's refusal of a 4th task has no documented code [U], so it would be
 * OUTCOME_UNKNOWN: copygraph avoids asking for it by counting slots itself, per client id, in memory.
 * A slot is reserved synchronously before a submit (so two tasks of this process never both take the
 * last one) and released when the submit is refused or the upstream task is seen final.
 */
export class Pan123Slots {
  readonly #open = new Map<string, Set<string>>();
  #next = 0;

  #set(clientId: string): Set<string> {
    let set = this.#open.get(clientId);
    if (!set) this.#open.set(clientId, (set = new Set()));
    return set;
  }

  /** Takes a free slot for a submit, or undefined when all 3 are (as far as copygraph knows) taken. */
  reserve(clientId: string): string | undefined {
    const set = this.#set(clientId);
    if (set.size >= PAN123_MAX_QUEUED_TASKS) return undefined;
    const key = `reserved:${this.#next++}`;
    set.add(key);
    return key;
  }

  /** Notes an upstream task as holding a slot (replacing the reservation it was submitted under). */
  hold(clientId: string, taskId: string, reservation?: string): void {
    const set = this.#set(clientId);
    if (reservation) set.delete(reservation);
    set.add(taskId);
  }

  /** Frees a slot: a reservation whose submit did not create a task, or an upstream task seen final. */
  release(clientId: string, key: string): void {
    this.#open.get(clientId)?.delete(key);
  }
}

export class Pan123Client {
  /** What this process knows of each account's task slots. */
  readonly slots = new Pan123Slots();
  /** Keyed by client id and a digest of the secret: a wrong secret never reuses a good one's token. */
  readonly #tokens = new Map<string, CachedToken>();
  readonly #fetching = new Map<string, Promise<string>>();

  constructor(readonly options: Pan123ClientOptions) {}

  /** Makes sure a token can be had (fails fast on bad client credentials, before any copy is recorded). */
  async ensureToken(creds: Pan123Credentials): Promise<void> {
    await this.#token(creds);
  }

  /** Creates one upstream copy task of at most 100 ids. Not idempotent: a timeout is OUTCOME_UNKNOWN. */
  async submitCopy(creds: Pan123Credentials, fileIds: readonly string[], toParentFileId: string): Promise<{ taskId: string; logId: string | undefined }> {
    if (fileIds.length === 0 || fileIds.length > PAN123_MAX_IDS_PER_TASK) throw new RangeError(`a 123pan copy task takes 1 to ${PAN123_MAX_IDS_PER_TASK} ids`);
    // sourceType is sent as the number 1 (云盘, the drive). The docs' table types it `string`, but every
    // official example (cURL, Java, JavaScript, axios, Python on the copy page, seed 001) sends the number
    // `1`: examples are what the service is exercised with, and a server that declares string but is
    // called with numbers by its own docs must accept a number. The emulator accepts both [I]. type 1 is fixed.
    const body = JSON.stringify({ fileIDs: fileIds, toParentFileID: toParentFileId, sourceType: 1, type: 1 });
    const res = await this.#authed(creds, 'POST', '/api/v1/oss/source/copy', body, 'submit');
    const data = CopyData.safeParse(res.data);
    if (!data.success) {
      throw new UpstreamFailure({
        code: CopyErrorCode.OUTCOME_UNKNOWN,
        provider: Provider.PAN123,
        message: '123pan accepted the copy but its answer has no taskID; the copy may or may not run.',
        logId: res['x-traceID'] ?? undefined,
        retryable: false,
      });
    }
    return { taskId: String(data.data.taskID), logId: res['x-traceID'] ?? undefined };
  }

  /** How an upstream copy task stands. NOT_FOUND when 123pan does not know it. */
  async copyProgress(creds: Pan123Credentials, taskId: string): Promise<Pan123Progress> {
    const res = await this.#authed(creds, 'GET', `/api/v1/oss/source/copy/process?taskID=${encodeURIComponent(taskId)}`, undefined, 'read');
    const data = ProcessData.safeParse(res.data);
    if (!data.success) throw malformed('the task detail', res);
    return { status: data.data.status, failMsg: data.data.failMsg ?? '', logId: res['x-traceID'] ?? undefined };
  }

  /** Every file of a finished task that was not copied, reading every page. */
  async failedFiles(creds: Pan123Credentials, taskId: string): Promise<Pan123FailedFile[]> {
    const out: Pan123FailedFile[] = [];
    for (let page = 1; page <= MAX_FAIL_PAGES; page++) {
      const query = `taskID=${encodeURIComponent(taskId)}&limit=${FAIL_PAGE_SIZE}&page=${page}`;
      const res = await this.#authed(creds, 'GET', `/api/v1/oss/source/copy/fail?${query}`, undefined, 'read');
      const data = FailData.safeParse(res.data);
      if (!data.success) throw malformed('the fail list', res);
      const list = data.data.list ?? [];
      for (const f of list) out.push({ fileId: String(f.fileId), filename: f.filename ?? '' });
      if (list.length < FAIL_PAGE_SIZE || out.length >= data.data.total) break;
    }
    return out;
  }

  // ---- auth ------------------------------------------------------------------------------------

  /** An authenticated call; a body code 401 fetches a new token (once for all callers) and sends the call once more. */
  async #authed(creds: Pan123Credentials, method: 'GET' | 'POST', path: string, body: string | undefined, call: Pan123Call): Promise<Envelope> {
    const idempotent = call !== 'submit';
    let token = await this.#token(creds);
    let res = await this.#send(method, path, body, idempotent, token);
    if (res.body?.code === CODE_TOKEN_INVALID) {
      // Refused before anything happened, so even a copy may be sent again.
      this.#invalidate(creds, token);
      token = await this.#token(creds);
      res = await this.#send(method, path, body, idempotent, token);
    }
    if (res.body?.code !== 0) throw pan123Failure(res.status, res.body, call);
    return res.body;
  }

  async #send(
    method: 'GET' | 'POST',
    path: string,
    body: string | undefined,
    idempotent: boolean,
    token: string | undefined,
  ): Promise<{ status: number; body: Envelope | undefined }> {
    const res = await sendUpstream({
      provider: Provider.PAN123,
      method,
      url: `${this.options.baseUrl}${path}`,
      headers: {
        platform: 'open_platform',
        accept: 'application/json',
        ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body } : {}),
      timeoutMs: this.options.timeoutMs,
      idempotent,
    });
    const parsed = Envelope.safeParse(parseJson(res.text));
    return { status: res.status, body: parsed.success ? parsed.data : undefined };
  }

  #key(creds: Pan123Credentials): string {
    return `${creds.clientId}\u0000${createHash('sha256').update(creds.clientSecret).digest('base64url')}`;
  }

  /** A cached token, or the one being fetched, or a new fetch: never two fetches at once per client. */
  #token(creds: Pan123Credentials): Promise<string> {
    const key = this.#key(creds);
    const cached = this.#tokens.get(key);
    if (cached && Date.now() < cached.refreshAtMs) return Promise.resolve(cached.token);
    let fetching = this.#fetching.get(key);
    if (!fetching) {
      fetching = this.#fetchToken(creds, key).finally(() => this.#fetching.delete(key));
      this.#fetching.set(key, fetching);
    }
    return fetching;
  }

  /** Forgets a refused token, unless another caller already replaced it. */
  #invalidate(creds: Pan123Credentials, token: string): void {
    const key = this.#key(creds);
    if (this.#tokens.get(key)?.token === token) this.#tokens.delete(key);
  }

  async #fetchToken(creds: Pan123Credentials, key: string): Promise<string> {
    const body = JSON.stringify({ clientID: creds.clientId, clientSecret: creds.clientSecret });
    // The endpoint allows 1 call a second per client [C3 P3]: a throttled fetch waits and tries again.
    for (let attempt = 1; ; attempt++) {
      const fetchedAt = Date.now();
      const res = await this.#send('POST', '/api/v1/access_token', body, true, undefined);
      if (res.body?.code === CODE_THROTTLED && attempt < 3) {
        countUpstreamRetry('PAN123', 'throttled');
        await sleep(this.options.tokenThrottleWaitMs ?? 1100);
        continue;
      }
      if (res.body?.code !== 0) throw pan123Failure(res.status, res.body, 'token');
      const data = TokenData.safeParse(res.body.data);
      const expiresAt = data.success ? Date.parse(data.data.expiredAt) : Number.NaN;
      if (!data.success || Number.isNaN(expiresAt)) throw malformed('the access token', res.body);
      const margin = Math.min(this.options.tokenRefreshMarginMs ?? 5 * 60_000, Math.max(0, (expiresAt - fetchedAt) / 2));
      registerSecret(data.data.accessToken);
      this.#tokens.set(key, { token: data.data.accessToken, refreshAtMs: expiresAt - margin });
      return data.data.accessToken;
    }
  }
}

function malformed(what: string, body: Envelope): UpstreamFailure {
  return new UpstreamFailure({
    code: CopyErrorCode.UPSTREAM_ERROR,
    provider: Provider.PAN123,
    message: `123pan answered in an unexpected format: ${what}.`,
    logId: body['x-traceID'] ?? undefined,
    retryable: true,
  });
}
