/**
 * Feishu / Lark wiki v2: copy a node (`POST /open-apis/wiki/v2/spaces/:space_id/nodes/:node_token/copy`)
 * and read one (`GET /open-apis/wiki/v2/spaces/get_node`), against a configurable base URL
 * (https://open.feishu.cn, https://open.larksuite.com, or an emulator).
 *
 * - Auth: as the app (`tenant_access_token`, see feishu-auth.ts) or, when the request sends one, as the
 *   signed-in user (`user_access_token`, used as is: copygraph cannot refresh a user's token). A call
 *   refused with a token-invalid code (99991663, 99991677, or 99991661 for a cached token) drops the
 *   app token, fetches a new one and is sent once more: the refusal happened at the gateway, so the
 *   copy did not run and sending it again cannot copy twice.
 * - Rate limits: each API allows 100 calls a minute per app (or user). A client-side limiter per API ×
 *   identity keeps copygraph under it (src/core/rate-limiter.ts), shared out fairly between the principals
 *   the calls are made for (the optional `principal` argument); a 429 that still comes (another client of
 *   the same app) is answered as `RATE_LIMITED` with Feishu's `x-ogw-ratelimit-reset`, never retried
 *   here, and holds this identity's later calls back until the reset.
 * - Errors: one mapping (`feishuFailure`) from Feishu's body `code` to `CopyErrorCode`; `x-tt-logid` is
 *   the log id. Copying is not idempotent: a copy that times out after it was sent is `OUTCOME_UNKNOWN`.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { FeishuCredentials } from '../src/core/credentials.ts';
import { CopyErrorCode, Provider, UpstreamFailure } from '../src/core/errors.ts';
import { countUpstreamRetry } from '../src/core/metrics.ts';
import { type LimiterClock, type RateBudget, RateLimiter, RateLimitWaitExceeded, systemClock } from '../src/core/rate-limiter.ts';
import { type FeishuAppKeys, FeishuTokenManager } from './feishu-auth.ts';
import { answerFailure, internal, parseJson, type Refusal, refused, sendUpstream, type UpstreamResponse } from './http.ts';

export const WIKI_OBJ_TYPES = ['DOC', 'DOCX', 'SHEET', 'MINDNOTE', 'BITABLE', 'FILE', 'SLIDES'] as const;
export type WikiObjType = (typeof WIKI_OBJ_TYPES)[number];
export type WikiNodeType = 'ORIGIN' | 'SHORTCUT';

/** A wiki node as copygraph serves it (and keeps it as a copy task's result). Times are ISO-8601. */
export interface WikiNodeModel {
  readonly spaceId: string;
  readonly nodeToken: string;
  readonly objToken: string | null;
  /** Null when Feishu sends a type this API does not know. */
  readonly objType: WikiObjType | null;
  /** Null for a node at the top of its space. */
  readonly parentNodeToken: string | null;
  readonly nodeType: WikiNodeType | null;
  readonly originNodeToken: string | null;
  readonly originSpaceId: string | null;
  readonly hasChild: boolean;
  readonly title: string;
  readonly objCreateTime: string | null;
  readonly objEditTime: string | null;
  readonly nodeCreateTime: string | null;
  readonly creator: string | null;
  readonly owner: string | null;
  readonly nodeCreator: string | null;
  readonly url: string | null;
}

export interface CopyNodeRequest {
  readonly spaceId: string;
  readonly nodeToken: string;
  /** Empty or absent: not sent. */
  readonly targetParentToken?: string | undefined;
  readonly targetSpaceId?: string | undefined;
  /** Absent: the copy keeps the original title (no `title` key on the wire); '' gives an empty title. */
  readonly title?: string | undefined;
}

export interface FeishuWikiClientOptions {
  /** e.g. https://open.feishu.cn or https://open.larksuite.com, no trailing slash. */
  readonly baseUrl: string;
  readonly timeoutMs: number;
  /** Calls a minute per API and identity (Feishu documents 100 for both wiki APIs used here). */
  readonly rateLimitPerMinute: number;
  /** Drives the rate limiter and the token cache; tests pass a controllable one. */
  readonly clock?: LimiterClock | undefined;
  /** A call budget shared by several replicas (default: `limiter`, this process's own). */
  readonly budget?: RateBudget | undefined;
}

export const FEISHU_APIS = {
  copy: 'wiki.v2.spaceNode.copy',
  getNode: 'wiki.v2.space.getNode',
  listNodes: 'wiki.v2.spaceNode.list',
} as const;
type FeishuApi = (typeof FEISHU_APIS)[keyof typeof FEISHU_APIS];

/** get_node has no batch API: a per-request batch is sent as single calls, this many at a time. */
export const GET_NODE_CONCURRENCY = 4;

// ---- wire format ------------------------------------------------------------------------------------

const optionalString = z.string().nullish();
const NodeWire = z
  .object({
    space_id: z.string().min(1),
    node_token: z.string().min(1),
    obj_token: optionalString,
    obj_type: optionalString,
    parent_node_token: optionalString,
    node_type: optionalString,
    origin_node_token: optionalString,
    origin_space_id: optionalString,
    has_child: z.boolean().nullish(),
    title: optionalString,
    obj_create_time: optionalString,
    obj_edit_time: optionalString,
    node_create_time: optionalString,
    creator: optionalString,
    owner: optionalString,
    node_creator: optionalString,
    url: optionalString,
  })
  .loose();
const Envelope = z
  .object({
    code: z.number(),
    msg: z.string().optional(),
    data: z.unknown().optional(),
    error: z.object({ log_id: z.string().optional() }).loose().optional(),
  })
  .loose();
const NodeData = z.object({ node: NodeWire }).loose();
const NodePage = z.object({ items: z.array(NodeWire).nullish(), page_token: z.string().nullish(), has_more: z.boolean().nullish() }).loose();

/** Pages of 50 (the documented maximum) read at most when listing one node's children. */
/** Feishu allows at most 2,000 children per parent: 40 pages of 50. */
export const MAX_CHILD_PAGES = 40;

const blankToNull = (v: string | null | undefined): string | null => (v === undefined || v === null || v === '' ? null : v);

/** Feishu sends times as unix-second strings. */
function unixSeconds(v: string | null | undefined): string | null {
  if (v === undefined || v === null || !/^\d{1,12}$/.test(v)) return null;
  return new Date(Number(v) * 1000).toISOString();
}

export function toWikiNode(wire: z.infer<typeof NodeWire>): WikiNodeModel {
  const objType = wire.obj_type?.toUpperCase();
  const nodeType = wire.node_type?.toUpperCase();
  return {
    spaceId: wire.space_id,
    nodeToken: wire.node_token,
    objToken: blankToNull(wire.obj_token),
    objType: (WIKI_OBJ_TYPES as readonly string[]).includes(objType ?? '') ? (objType as WikiObjType) : null,
    parentNodeToken: blankToNull(wire.parent_node_token),
    nodeType: nodeType === 'ORIGIN' || nodeType === 'SHORTCUT' ? nodeType : null,
    originNodeToken: blankToNull(wire.origin_node_token),
    originSpaceId: blankToNull(wire.origin_space_id),
    hasChild: wire.has_child ?? false,
    title: wire.title ?? '',
    objCreateTime: unixSeconds(wire.obj_create_time),
    objEditTime: unixSeconds(wire.obj_edit_time),
    nodeCreateTime: unixSeconds(wire.node_create_time),
    creator: blankToNull(wire.creator),
    owner: blankToNull(wire.owner),
    nodeCreator: blankToNull(wire.node_creator),
    url: blankToNull(wire.url),
  };
}

// ---- error mapping ------------------------------------------------------------------------------------

/** Codes meaning "this token is not (or no longer) good": the app token is refreshed once on them. */
const TOKEN_INVALID = new Set([99991663, 99991677]);
const NEED_A_TOKEN = 99991661;
const RATE_LIMITED_CODE = 99991400;

const NOT_FOUND_WHAT: Readonly<Record<string, string>> = {
  'space not found': 'the wiki space was not found',
  'node not found': 'the node (or the target parent node) was not found',
  'document not found': 'the document was not found',
  'member not found': 'the member was not found',
  'identity not found': 'the identity was not found',
};

/**
 * Every code of the copy page's error table (seed 002, all HTTP 400) and the generic token/permission
 * codes (upstreams.md §3.5). 131001 "rpc fail" and 131007 "internal err" (请勿重试, do not retry) are
 * the service failing in its own code: after a copy they are OUTCOME_UNKNOWN. 131009 "lock contention,
 * please retry later" (并发请求异常，请稍后重试) is a refusal the docs ask to retry.
 */
const CODES: Readonly<Record<number, Refusal & { what: string }>> = {
  131001: { ...internal(true), what: 'a downstream service failed (rpc fail)' },
  131002: { ...refused(CopyErrorCode.BAD_USER_INPUT), what: 'a parameter was refused' },
  131003: { ...refused(CopyErrorCode.LIMIT_EXCEEDED), what: 'a wiki limit would be exceeded (nodes per space, depth, children per parent)' },
  131004: { ...refused(CopyErrorCode.FORBIDDEN), what: 'the user is not valid for this wiki' },
  131005: { ...refused(CopyErrorCode.NOT_FOUND), what: 'not found' },
  131006: { ...refused(CopyErrorCode.FORBIDDEN), what: 'permission denied' },
  131007: { ...internal(false), what: 'an internal error (Feishu asks not to retry)' },
  131008: { ...refused(CopyErrorCode.ALREADY_EXISTS), what: 'it already exists' },
  131009: { ...refused(CopyErrorCode.RATE_LIMITED, true), what: 'lock contention (concurrent requests); retry later' },
  99991400: { ...refused(CopyErrorCode.RATE_LIMITED, true), what: 'too many calls' },
  99991661: { ...refused(CopyErrorCode.UNAUTHENTICATED), what: 'the access token is missing or malformed' },
  99991663: { ...refused(CopyErrorCode.UNAUTHENTICATED), what: 'the tenant access token is invalid' },
  99991664: { ...refused(CopyErrorCode.UNAUTHENTICATED), what: 'the app token is invalid' },
  99991665: { ...refused(CopyErrorCode.UNAUTHENTICATED), what: 'the tenant code is invalid' },
  99991668: { ...refused(CopyErrorCode.UNAUTHENTICATED), what: 'the user access token is invalid' },
  99991671: { ...refused(CopyErrorCode.UNAUTHENTICATED), what: 'the token does not start with t- or u-' },
  99991672: { ...refused(CopyErrorCode.FORBIDDEN), what: 'the app lacks a scope (wiki:node:copy / wiki:wiki) or its version is not released' },
  99991676: { ...refused(CopyErrorCode.FORBIDDEN), what: 'the token lacks a permission' },
  99991677: { ...refused(CopyErrorCode.UNAUTHENTICATED), what: 'the access token has expired' },
  99991401: { ...refused(CopyErrorCode.FORBIDDEN), what: "this IP is not on the app's allow-list" },
};

export interface FailureContext {
  readonly status: number;
  readonly logId: string | undefined;
  readonly retryAfterSeconds?: number | undefined;
  /** Whether the call may be sent again without harm (a copy may not). */
  readonly idempotent: boolean;
  /** A user's own token was used: expiry means the user must sign in again. */
  readonly asUser: boolean;
}

/**
 * Maps a Feishu answer (body code, or HTTP status when there is no Feishu body) to a typed failure, by
 * the retry contract (datasources/http.ts): a 5xx without a Feishu body, an unlisted code or an internal
 * error after a copy is OUTCOME_UNKNOWN.
 */
export function feishuFailure(upstreamCode: number | undefined, msg: string | undefined, ctx: FailureContext): UpstreamFailure {
  const call = { provider: Provider.FEISHU, idempotent: ctx.idempotent };
  if (upstreamCode === RATE_LIMITED_CODE || (upstreamCode === undefined && ctx.status === 429)) {
    return answerFailure(call, {
      documented: refused(CopyErrorCode.RATE_LIMITED, true),
      status: ctx.status,
      message: `Feishu: too many calls to this API for this ${ctx.asUser ? 'user' : 'app'}${ctx.retryAfterSeconds ? `; retry in ${ctx.retryAfterSeconds} s` : ''}.`,
      upstreamCode: String(upstreamCode ?? ctx.status),
      upstreamMessage: msg,
      logId: ctx.logId,
      retryAfterSeconds: ctx.retryAfterSeconds,
    });
  }
  if (upstreamCode === undefined) {
    // No Feishu body: a gateway answered.
    return answerFailure(call, {
      documented: undefined,
      status: ctx.status,
      message: `Feishu answered HTTP ${ctx.status} without a Feishu error body.`,
      upstreamMessage: msg,
      logId: ctx.logId,
    });
  }
  const known = CODES[upstreamCode];
  let what = known?.what ?? 'the call failed';
  if (upstreamCode === 131005) what = (msg && NOT_FOUND_WHAT[msg.toLowerCase()]) ?? `not found${msg ? ` (${msg})` : ''}`;
  else if ((upstreamCode === 131006 || upstreamCode === 131004) && msg) what = `${what}: ${msg}`;
  else if (msg && known === undefined) what = `${what} (${upstreamCode} ${msg})`;
  if (ctx.asUser && (upstreamCode === 99991677 || upstreamCode === 99991668)) what += '; the user must sign in again for a new user_access_token';
  return answerFailure(call, {
    documented: known,
    status: ctx.status,
    message: `Feishu: ${what}.`,
    upstreamCode: String(upstreamCode),
    upstreamMessage: msg,
    logId: ctx.logId,
    retryAfterSeconds: upstreamCode === 131009 ? 1 : undefined,
  });
}

// ---- the client ---------------------------------------------------------------------------------------

type Identity = { readonly kind: 'app'; readonly keys: FeishuAppKeys } | { readonly kind: 'user'; readonly token: string };

function identityOf(creds: FeishuCredentials): Identity {
  if (creds.userAccessToken) return { kind: 'user', token: creds.userAccessToken };
  if (creds.appId && creds.appSecret) return { kind: 'app', keys: { appId: creds.appId, appSecret: creds.appSecret } };
  throw new UpstreamFailure({
    code: CopyErrorCode.UNAUTHENTICATED,
    provider: Provider.FEISHU,
    message: 'No Feishu app credentials (FEISHU_APP_ID / FEISHU_APP_SECRET, x-feishu-app-id / x-feishu-app-secret) or user token (x-feishu-user-access-token).',
    retryable: false,
  });
}

/** The limiter key of an identity. A user token is hashed: the limiter must not hold the secret itself. */
function identityKey(identity: Identity): string {
  return identity.kind === 'app' ? `app:${identity.keys.appId}` : `user:${createHash('sha256').update(identity.token).digest('hex').slice(0, 24)}`;
}

/**
 * Slots of each identity's minute kept for principals below their fair share (see `RateLimiter`'s
 * `reserve`): a tenth of the budget (10 of Feishu's 100), at least one.
 */
export function feishuFairReserve(perMinute: number): number {
  return perMinute >= 2 ? Math.max(1, Math.floor(perMinute / 10)) : 0;
}

export class FeishuWikiClient {
  readonly auth: FeishuTokenManager;
  readonly limiter: RateLimiter;
  /** What every call asks first: `limiter`, or a budget shared across replicas. */
  readonly budget: RateBudget;
  readonly #options: FeishuWikiClientOptions;

  constructor(options: FeishuWikiClientOptions) {
    this.#options = options;
    const clock = options.clock ?? systemClock;
    this.auth = new FeishuTokenManager({ baseUrl: options.baseUrl, timeoutMs: options.timeoutMs, now: () => clock.now() });
    this.limiter = new RateLimiter({
      limit: options.rateLimitPerMinute,
      windowMs: 60_000,
      clock,
      name: 'feishu',
      reserve: feishuFairReserve(options.rateLimitPerMinute),
    });
    this.budget = options.budget ?? this.limiter;
  }

  /** The limiter key of an API for these credentials (tests read its stats). */
  limiterKey(api: FeishuApi, creds: FeishuCredentials): string {
    return `${api}|${identityKey(identityOf(creds))}`;
  }

  /** Copies one node; resolves with the new node as the copy answer gives it. */
  async copyNode(creds: FeishuCredentials, req: CopyNodeRequest, principal?: string): Promise<WikiNodeModel> {
    const body: Record<string, string> = {};
    if (req.targetParentToken) body['target_parent_token'] = req.targetParentToken;
    if (req.targetSpaceId) body['target_space_id'] = req.targetSpaceId;
    if (req.title !== undefined) body['title'] = req.title;
    const path = `/open-apis/wiki/v2/spaces/${encodeURIComponent(req.spaceId)}/nodes/${encodeURIComponent(req.nodeToken)}/copy`;
    const data = await this.#call(creds, FEISHU_APIS.copy, 'POST', path, JSON.stringify(body), false, principal);
    return this.#node(data, 'copy', false);
  }

  /**
   * The children of `parentNodeToken` in a space (its top level when undefined), in Feishu's order,
   * through `GET /open-apis/wiki/v2/spaces/:space_id/nodes` (获取知识空间子节点列表), 50 a page, at most
   * `MAX_CHILD_PAGES` pages; `complete` is false when there were more.
   */
  async listChildren(
    creds: FeishuCredentials,
    spaceId: string,
    parentNodeToken: string | undefined,
    principal?: string,
  ): Promise<{ nodes: WikiNodeModel[]; complete: boolean }> {
    const nodes: WikiNodeModel[] = [];
    let pageToken: string | undefined;
    for (let page = 0; page < MAX_CHILD_PAGES; page++) {
      const query = new URLSearchParams({ page_size: '50' });
      if (parentNodeToken) query.set('parent_node_token', parentNodeToken);
      if (pageToken) query.set('page_token', pageToken);
      const data = await this.#call(
        creds,
        FEISHU_APIS.listNodes,
        'GET',
        `/open-apis/wiki/v2/spaces/${encodeURIComponent(spaceId)}/nodes?${query}`,
        undefined,
        true,
        principal,
      );
      const parsed = NodePage.safeParse(data);
      if (!parsed.success) {
        throw new UpstreamFailure({
          code: CopyErrorCode.UPSTREAM_ERROR,
          provider: Provider.FEISHU,
          message: 'Feishu: the node list answer was unreadable.',
          retryable: false,
        });
      }
      nodes.push(...(parsed.data.items ?? []).map(toWikiNode));
      if (!parsed.data.has_more || !parsed.data.page_token) return { nodes, complete: true };
      pageToken = parsed.data.page_token;
    }
    return { nodes, complete: false };
  }

  /** Reads one node by its node token. */
  async getNode(creds: FeishuCredentials, nodeToken: string, principal?: string): Promise<WikiNodeModel> {
    const query = new URLSearchParams({ token: nodeToken, obj_type: 'wiki' });
    const data = await this.#call(creds, FEISHU_APIS.getNode, 'GET', `/open-apis/wiki/v2/spaces/get_node?${query}`, undefined, true, principal);
    return this.#node(data, 'get_node', true);
  }

  /**
   * Reads several nodes. Feishu has no batch read, so this sends one get_node per token,
   * `GET_NODE_CONCURRENCY` at a time (and within the rate limit). One result per token, in order.
   */
  async getNodes(creds: FeishuCredentials, nodeTokens: readonly string[], principal?: string): Promise<(WikiNodeModel | UpstreamFailure)[]> {
    const results: (WikiNodeModel | UpstreamFailure)[] = new Array(nodeTokens.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < nodeTokens.length) {
        const i = next++;
        try {
          results[i] = await this.getNode(creds, nodeTokens[i] as string, principal);
        } catch (err) {
          if (!(err instanceof UpstreamFailure)) throw err;
          results[i] = err;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(GET_NODE_CONCURRENCY, nodeTokens.length) }, worker));
    return results;
  }

  #node(data: unknown, what: string, idempotent: boolean): WikiNodeModel {
    const parsed = NodeData.safeParse(data);
    if (!parsed.success) {
      // code 0 without a readable node: after a copy, the copy exists but copygraph cannot say which it is.
      throw answerFailure(
        { provider: Provider.FEISHU, idempotent },
        { documented: internal(false), status: 200, message: `Feishu: the ${what} answer had no readable node.`, upstreamCode: '0' },
      );
    }
    return toWikiNode(parsed.data.node);
  }

  /**
   * Sends one authorized, rate-limited call; returns `data` of a `code: 0` answer or throws `UpstreamFailure`.
   * `principal` is whom the call is made for: the identity's minute is shared out fairly between them.
   */
  async #call(
    creds: FeishuCredentials,
    api: FeishuApi,
    method: 'GET' | 'POST',
    path: string,
    body: string | undefined,
    idempotent: boolean,
    principal: string | undefined,
  ): Promise<unknown> {
    const identity = identityOf(creds);
    const limiterKey = `${api}|${identityKey(identity)}`;
    for (let attempt = 0; ; attempt++) {
      const token = identity.kind === 'user' ? { token: identity.token, fromCache: false } : await this.auth.tenantToken(identity.keys);
      const res = await this.#send(limiterKey, principal, method, path, body, token.token, idempotent, identity.kind === 'user');
      const envelope = Envelope.safeParse(parseJson(res.text));
      const code = envelope.success ? envelope.data.code : undefined;
      if (res.status === 200 && code === 0 && envelope.success) return envelope.data.data;

      const refreshable = code !== undefined && (TOKEN_INVALID.has(code) || (code === NEED_A_TOKEN && token.fromCache));
      if (identity.kind === 'app' && refreshable && attempt === 0) {
        this.auth.invalidate(identity.keys, token.token);
        countUpstreamRetry('FEISHU', 'token_refresh');
        continue;
      }
      const logId = res.headers.get('x-tt-logid') ?? (envelope.success ? envelope.data.error?.log_id : undefined);
      const reset = Number(res.headers.get('x-ogw-ratelimit-reset'));
      const retryAfterSeconds = Number.isFinite(reset) && reset > 0 ? Math.ceil(reset) : undefined;
      if (res.status === 429 || code === RATE_LIMITED_CODE) this.budget.backOff(limiterKey, (retryAfterSeconds ?? 1) * 1000);
      throw feishuFailure(code, envelope.success ? envelope.data.msg : undefined, {
        status: res.status,
        logId,
        retryAfterSeconds,
        idempotent,
        asUser: identity.kind === 'user',
      });
    }
  }

  async #send(
    limiterKey: string,
    principal: string | undefined,
    method: 'GET' | 'POST',
    path: string,
    body: string | undefined,
    token: string,
    idempotent: boolean,
    asUser: boolean,
  ): Promise<UpstreamResponse> {
    let release: () => void;
    try {
      release = await this.budget.acquire(limiterKey, principal);
    } catch (err) {
      if (!(err instanceof RateLimitWaitExceeded)) throw err;
      const seconds = Math.ceil(err.retryAfterMs / 1000);
      throw new UpstreamFailure({
        code: CopyErrorCode.RATE_LIMITED,
        provider: Provider.FEISHU,
        message: `copygraph holds Feishu calls to ${this.budget.limit} a minute per API and ${asUser ? 'user' : 'app'}, and ${
          err.reason === 'queue-full' ? 'too many calls are already waiting' : 'this one waited too long'
        }; nothing was sent. Retry in about ${seconds} s.`,
        retryable: true,
        retryAfterSeconds: seconds,
      });
    }
    try {
      return await sendUpstream({
        provider: Provider.FEISHU,
        method,
        url: `${this.#options.baseUrl}${path}`,
        headers: { 'content-type': 'application/json; charset=utf-8', authorization: `Bearer ${token}` },
        ...(body !== undefined ? { body } : {}),
        timeoutMs: this.#options.timeoutMs,
        idempotent,
      });
    } finally {
      release();
    }
  }
}
