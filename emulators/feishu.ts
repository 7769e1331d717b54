/**
 * Feishu / Lark wiki emulator: `tenant_access_token/internal`, wiki v2 node copy and `get_node`
 * (reference/upstreams.md §3, seeds/002_*.txt), with apps, user tokens, spaces, members and node trees
 * as real state, so a test proves a copy by reading the new node back.
 *
 * Wire rules implemented:
 * - `x-tt-logid` on every reply of the API (not on `/_emulator/` control routes).
 * - Token endpoint: fields at the top level; 2 h lifetime; while ≥ 30 min remain the same token comes
 *   back with a smaller `expire`, below that a NEW token is issued and the old one stays valid until its
 *   own expiry [C F3].
 * - Wiki APIs: `Authorization: Bearer t-…|u-…`; errors HTTP 400 `{code,msg}` (131002/131003/131005/131006);
 *   100 calls per minute per API per caller → HTTP 429 + `x-ogw-ratelimit-*` + 99991400 [C F4].
 * - Accepts exactly what `@larksuiteoapi/node-sdk` sends, including the GET with a JSON body `{}`.
 *
 * Decisions where the reference is unsure [I]:
 * - Token endpoint errors answer HTTP 400. Wrong secret is code 10014 "app secret invalid" and an unknown
 *   app id is 10014 "app id not exists": that is what the live service answers according to many
 *   independent client projects, although the 2022 error-code table (F5) lists 10015 for a wrong secret.
 *   A configured but disabled app gets 10014 "app unauthorized"; a missing/non-string field gets
 *   10003 "invalid param". 10015 is never sent.
 * - Auth errors on the wiki APIs all answer HTTP 400 (seen for 99991661; assumed for the others):
 *   no/malformed `Authorization` → 99991661 "Need a token"; a token not starting with t-/u- → 99991671;
 *   unknown or revoked tenant token → 99991663; unknown user token → 99991668; a token we issued
 *   (or seeded) whose expiry has passed → 99991677.
 * - Rate limit: a fixed one-minute window aligned to minutes of the emulator clock
 *   (`floor(now / 60 000)`), counted per API × caller (the app for tenant tokens, the user for user
 *   tokens) after the token check. `x-ogw-ratelimit-reset` = whole seconds until the window ends (≥ 1).
 *   Only the per-minute limit is enforced (the QPS limit is not published).
 * - Body type errors (a non-string field, a parent token over 999 chars, a non-JSON body) → 131002.
 * - Copy checks, in order: source space → source node (must be in that space) → caller is a member of
 *   the source space ("wiki space permission denied") → target parent/space exists (a parent outside the
 *   given `target_space_id` is "node not found") → caller is a member of the target space ("no destination
 *   parent node permission") → limits (≤ 2000 children per parent, depth ≤ 50, ≤ 400 000 nodes per space).
 * - A copy gets a new node token and a new document (new obj_token, times = now); copying a shortcut makes
 *   a new shortcut to the same origin. Creator/owner of the copy is the caller (the app's `openId` when
 *   configured, else its app id; the user's open_id).
 * - `get_node` needs the caller to be a member of the node's space ("node permission denied").
 */
import { randomBytes } from 'node:crypto';
import {
  controlAction,
  EmulatorControl,
  type EmulatorReply,
  type EmulatorRequest,
  jsonBody,
  type Route,
  type RunningServer,
  route,
  startEmulatorServer,
} from './http.ts';

/** Route names, as counted by `control.calls(...)` and `callsInWindow(...)`. */
export const FEISHU_ROUTES = {
  token: 'POST /open-apis/auth/v3/tenant_access_token/internal',
  copy: 'POST /open-apis/wiki/v2/spaces/:space_id/nodes/:node_token/copy',
  getNode: 'GET /open-apis/wiki/v2/spaces/get_node',
  listNodes: 'GET /open-apis/wiki/v2/spaces/:space_id/nodes',
} as const;
export type FeishuRoute = (typeof FEISHU_ROUTES)[keyof typeof FEISHU_ROUTES];

export type FeishuObjType = 'doc' | 'docx' | 'sheet' | 'mindnote' | 'bitable' | 'file' | 'slides';
const OBJ_TYPES: readonly FeishuObjType[] = ['doc', 'docx', 'sheet', 'mindnote', 'bitable', 'file', 'slides'];
/** Token prefixes of each document type, so new obj tokens look like real ones. */
const OBJ_PREFIX: Record<FeishuObjType, string> = {
  doc: 'doccn',
  docx: 'doxcn',
  sheet: 'shtcn',
  mindnote: 'bmncn',
  bitable: 'bascn',
  file: 'boxcn',
  slides: 'sldcn',
};

/** A node exactly as the API returns it. Times are unix-second strings. */
export interface FeishuWikiNode {
  readonly space_id: string;
  readonly node_token: string;
  readonly obj_token: string;
  readonly obj_type: FeishuObjType;
  /** '' for a top-level node. */
  readonly parent_node_token: string;
  readonly node_type: 'origin' | 'shortcut';
  readonly origin_node_token: string;
  readonly origin_space_id: string;
  readonly has_child: boolean;
  readonly title: string;
  readonly obj_create_time: string;
  readonly obj_edit_time: string;
  readonly node_create_time: string;
  readonly creator: string;
  readonly owner: string;
  readonly node_creator: string;
}
type StoredNode = Omit<FeishuWikiNode, 'has_child'>;

export interface FeishuAppConfig {
  readonly appId: string;
  readonly appSecret: string;
  /** The app's bot open_id, shown as creator of what it copies (default: the app id). */
  readonly openId?: string | undefined;
  /** false → the token endpoint answers 10014 "app unauthorized" (app disabled/not installed). */
  readonly enabled?: boolean | undefined;
  /**
   * The API scopes the app was granted (default `FEISHU_DEFAULT_SCOPES`). A call whose API needs a
   * scope the app lacks answers 99991672 "No permission" (upstreams.md §3.5; HTTP 400 [I]).
   */
  readonly scopes?: readonly string[] | undefined;
}

/** What an app gets when its config names no scopes: everything the three wiki calls accept. */
export const FEISHU_DEFAULT_SCOPES: readonly string[] = ['wiki:wiki'];

/** Any one of these scopes lets the app call the route [C F1, F2 "开启任一权限即可"]. */
const ROUTE_SCOPES: Readonly<Partial<Record<FeishuRoute, readonly string[]>>> = {
  [FEISHU_ROUTES.copy]: ['wiki:node:copy', 'wiki:wiki'],
  [FEISHU_ROUTES.getNode]: ['wiki:node:read', 'wiki:wiki', 'wiki:wiki:readonly'],
};

export interface FeishuUserConfig {
  /** A `u-…` user_access_token. */
  readonly token: string;
  /** The user's open_id (`ou_…`). */
  readonly openId: string;
  /** Lifetime from now; omitted = never expires (until `expireToken`). */
  readonly expiresInSec?: number | undefined;
}

export type FeishuRole = 'member' | 'admin';
export interface FeishuSpaceSeed {
  readonly spaceId?: string | undefined;
  readonly name: string;
  /** App ids, app open_ids or user open_ids → role. */
  readonly members?: Readonly<Record<string, FeishuRole>> | undefined;
}
export interface FeishuSpace {
  readonly spaceId: string;
  readonly name: string;
  readonly members: Readonly<Record<string, FeishuRole>>;
}

export interface FeishuNodeSeed {
  readonly spaceId: string;
  /** '' or omitted: a top-level node. */
  readonly parentNodeToken?: string | undefined;
  readonly title: string;
  readonly objType?: FeishuObjType | undefined;
  readonly nodeToken?: string | undefined;
  readonly objToken?: string | undefined;
  /** A shortcut to this node (origin token and space copied from it, same obj_token). */
  readonly shortcutTo?: string | undefined;
  /** Open id of creator and owner (default `ou_seed`). */
  readonly creator?: string | undefined;
  /** Unix seconds (default: now on the emulator clock). */
  readonly createdAt?: number | undefined;
}

export interface FeishuCallLogEntry {
  readonly route: FeishuRoute;
  /** Emulator-clock milliseconds. */
  readonly at: number;
  readonly status: number;
  /** `app:<id>` or `user:<open_id>` once the token was accepted. */
  readonly caller?: string | undefined;
}

export interface FeishuEmulatorOptions {
  readonly apps?: readonly FeishuAppConfig[] | undefined;
  readonly users?: readonly FeishuUserConfig[] | undefined;
  /** Default 7200 [C F3]. */
  readonly tokenLifetimeSec?: number | undefined;
  /** Below this many seconds left a new token is issued. Default 1800 [C F3]. */
  readonly reissueBelowSec?: number | undefined;
  /** Calls per minute per API per caller. Default 100 [C F1, F4]. */
  readonly rateLimitPerMinute?: number | undefined;
}

const DEMO_TIME = 1_717_200_000;
export const FEISHU_DEMO = {
  appId: 'cli_demo',
  appSecret: 'demo-secret',
  userToken: 'u-demo-user',
  userOpenId: 'ou_demo_user',
  spaceId: '7000000000000000001',
  spaceName: 'Handbook',
  nodes: {
    root: 'wikcnDemoHandbookRoot00001',
    onboarding: 'wikcnDemoOnboarding000001',
    firstWeek: 'wikcnDemoFirstWeek0000001',
    accounts: 'wikcnDemoAccounts00000001',
    templates: 'wikcnDemoTemplates0000001',
    /** In space `treeSpaceId`: the top of a demo tree of 343 nodes (6 sections × 8 pages × 6 sub-pages) for `copyWikiTree`. */
    engineering: 'wikcnDemoEngineering00001',
    /** In space `treeSpaceId`: an empty top-level node to copy trees under. */
    archive: 'wikcnDemoArchive000000001',
  },
  /** A second space, "Engineering", holding the demo tree for bulk copies (the app and the user are members). */
  treeSpaceId: '7000000000000000042',
} as const;

const LIMITS = {
  childrenPerParent: 2000,
  depth: 50,
  nodesPerSpace: 400_000,
} as const;
const WINDOW_MS = 60_000;
const MAX_LOG = 200_000;
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function base62(n: number): string {
  return [...randomBytes(n)].map((b) => BASE62[b % 62]).join('');
}
function digits(n: number): string {
  return [...randomBytes(n)].map((b, i) => (i === 0 ? 1 + (b % 9) : b % 10)).join('');
}

/** A wiki/auth refusal: HTTP status + `{code,msg}`. */
class FeishuError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    msg: string,
    readonly headers?: Record<string, string>,
  ) {
    super(msg);
  }
}
const wikiError = (code: number, msg: string): FeishuError => new FeishuError(400, code, msg);
const paramErr = (): FeishuError => wikiError(131002, 'param err');

interface TenantToken {
  readonly appId: string;
  expiresAt: number;
}
interface UserToken {
  readonly openId: string;
  expiresAt: number;
}
interface Caller {
  /** Rate-limit key and log label. */
  readonly key: string;
  /** Ids that count as membership in a space. */
  readonly memberIds: readonly string[];
  /** Shown as creator/owner. */
  readonly displayId: string;
}
interface SpaceRecord {
  readonly spaceId: string;
  readonly name: string;
  readonly members: Map<string, FeishuRole>;
}

export class FeishuEmulator {
  readonly control = new EmulatorControl();
  readonly #options: FeishuEmulatorOptions;
  readonly #lifetimeMs: number;
  readonly #reissueMs: number;
  readonly #ratePerMinute: number;

  #apps = new Map<string, FeishuAppConfig>();
  #tenantTokens = new Map<string, TenantToken>();
  /** The token the endpoint currently hands out per app. */
  #currentToken = new Map<string, string>();
  #issued = new Map<string, number>();
  #userTokens = new Map<string, UserToken>();
  #spaces = new Map<string, SpaceRecord>();
  #nodes = new Map<string, StoredNode>();
  /** `${spaceId}/${parentNodeToken}` → child node tokens, in creation order. */
  #children = new Map<string, string[]>();
  #spaceSizes = new Map<string, number>();
  #log: FeishuCallLogEntry[] = [];
  #windowStart = 0;
  #windowHits = new Map<string, number>();
  #server: RunningServer | undefined;

  constructor(options: FeishuEmulatorOptions = {}) {
    this.#options = options;
    this.#lifetimeMs = (options.tokenLifetimeSec ?? 7200) * 1000;
    this.#reissueMs = (options.reissueBelowSec ?? 1800) * 1000;
    this.#ratePerMinute = options.rateLimitPerMinute ?? 100;
    this.reset();
  }

  // ---- seeding and inspection -------------------------------------------------------------------

  /** Drops all state and calls, then re-applies the constructor's apps and users. */
  reset(): void {
    this.#apps = new Map();
    this.#tenantTokens = new Map();
    this.#currentToken = new Map();
    this.#issued = new Map();
    this.#userTokens = new Map();
    this.#spaces = new Map();
    this.#nodes = new Map();
    this.#children = new Map();
    this.#spaceSizes = new Map();
    this.#windowHits = new Map();
    this.#log = [];
    this.control.resetCalls();
    for (const app of this.#options.apps ?? []) this.addApp(app);
    for (const user of this.#options.users ?? []) this.addUser(user);
  }

  addApp(app: FeishuAppConfig): void {
    this.#apps.set(app.appId, { ...app });
  }

  addUser(user: FeishuUserConfig): void {
    if (!user.token.startsWith('u-')) throw new Error('user tokens start with u-');
    const expiresAt = user.expiresInSec === undefined ? Number.POSITIVE_INFINITY : this.#now() + user.expiresInSec * 1000;
    this.#userTokens.set(user.token, { openId: user.openId, expiresAt });
  }

  addSpace(seed: FeishuSpaceSeed): FeishuSpace {
    const spaceId = seed.spaceId ?? digits(19);
    if (this.#spaces.has(spaceId)) throw new Error(`space ${spaceId} exists`);
    this.#spaces.set(spaceId, {
      spaceId,
      name: seed.name,
      members: new Map(Object.entries(seed.members ?? {})),
    });
    return this.space(spaceId) as FeishuSpace;
  }

  addMember(spaceId: string, memberId: string, role: FeishuRole = 'member'): void {
    this.#requireSpace(spaceId).members.set(memberId, role);
  }

  removeMember(spaceId: string, memberId: string): void {
    this.#requireSpace(spaceId).members.delete(memberId);
  }

  space(spaceId: string): FeishuSpace | undefined {
    const s = this.#spaces.get(spaceId);
    return (
      s && {
        spaceId: s.spaceId,
        name: s.name,
        members: Object.fromEntries(s.members),
      }
    );
  }

  addNode(seed: FeishuNodeSeed): FeishuWikiNode {
    this.#requireSpace(seed.spaceId);
    const parent = seed.parentNodeToken ?? '';
    if (parent !== '' && this.#nodes.get(parent)?.space_id !== seed.spaceId) throw new Error(`no parent ${parent} in space ${seed.spaceId}`);
    const nodeToken = seed.nodeToken ?? this.#newNodeToken();
    if (this.#nodes.has(nodeToken)) throw new Error(`node ${nodeToken} exists`);
    const time = String(seed.createdAt ?? Math.floor(this.#now() / 1000));
    const creator = seed.creator ?? 'ou_seed';
    const origin = seed.shortcutTo === undefined ? undefined : this.#nodes.get(seed.shortcutTo);
    if (seed.shortcutTo !== undefined && !origin) throw new Error(`no node ${seed.shortcutTo} to point at`);
    const objType = origin?.obj_type ?? seed.objType ?? 'docx';
    this.#insert({
      space_id: seed.spaceId,
      node_token: nodeToken,
      obj_token: origin?.obj_token ?? seed.objToken ?? this.#newObjToken(objType),
      obj_type: objType,
      parent_node_token: parent,
      node_type: origin ? 'shortcut' : 'origin',
      origin_node_token: origin?.origin_node_token ?? nodeToken,
      origin_space_id: origin?.origin_space_id ?? seed.spaceId,
      title: seed.title,
      obj_create_time: origin?.obj_create_time ?? time,
      obj_edit_time: origin?.obj_edit_time ?? time,
      node_create_time: time,
      creator,
      owner: creator,
      node_creator: creator,
    });
    return this.node(nodeToken) as FeishuWikiNode;
  }

  node(nodeToken: string): FeishuWikiNode | undefined {
    const n = this.#nodes.get(nodeToken);
    return n && this.#view(n);
  }

  /** Children of a parent ('' = top level of the space), in creation order. */
  children(spaceId: string, parentNodeToken = ''): FeishuWikiNode[] {
    return (this.#children.get(`${spaceId}/${parentNodeToken}`) ?? []).map((t) => this.#view(this.#nodes.get(t) as StoredNode));
  }

  nodes(spaceId?: string): FeishuWikiNode[] {
    return [...this.#nodes.values()].filter((n) => spaceId === undefined || n.space_id === spaceId).map((n) => this.#view(n));
  }

  /** Makes a tenant or user token expire now (the API then answers 99991677). */
  expireToken(token: string): void {
    const t = this.#tenantTokens.get(token) ?? this.#userTokens.get(token);
    if (!t) throw new Error(`unknown token ${token}`);
    t.expiresAt = Math.min(t.expiresAt, this.#now());
  }

  /** Forgets a token (the API then answers 99991663 / 99991668, as for a token never issued). */
  revokeToken(token: string): void {
    this.#tenantTokens.delete(token);
    this.#userTokens.delete(token);
    for (const [app, t] of this.#currentToken) if (t === token) this.#currentToken.delete(app);
  }

  /** Test inspection: the live tenant tokens issued to an app (to search answers, logs and stores for them). */
  tenantTokensOf(appId: string): string[] {
    return [...this.#tenantTokens].filter(([, t]) => t.appId === appId).map(([token]) => token);
  }

  /** Forgets every tenant token of an app, as Feishu does when an app's secret is reset. */
  revokeAppTokens(appId: string): number {
    const tokens = [...this.#tenantTokens].filter(([, t]) => t.appId === appId).map(([token]) => token);
    for (const token of tokens) this.revokeToken(token);
    return tokens.length;
  }

  /** Tenant tokens issued (new tokens only, not re-answers of a live one), for one app or all. */
  tokensIssued(appId?: string): number {
    if (appId !== undefined) return this.#issued.get(appId) ?? 0;
    return [...this.#issued.values()].reduce((a, b) => a + b, 0);
  }

  /** Seconds of life left on a tenant/user token, or undefined when unknown. */
  tokenExpiresIn(token: string): number | undefined {
    const t = this.#tenantTokens.get(token) ?? this.#userTokens.get(token);
    return t && Math.max(0, Math.floor((t.expiresAt - this.#now()) / 1000));
  }

  /** Every API call that reached the emulator (also refused ones), with its emulator-clock time. */
  callLog(route?: FeishuRoute): FeishuCallLogEntry[] {
    return this.#log.filter((e) => route === undefined || e.route === route);
  }

  /** Calls to `route` in the one-minute rate-limit window containing `at` (default now). */
  callsInWindow(route: FeishuRoute, at = this.#now(), caller?: string): number {
    const start = Math.floor(at / WINDOW_MS) * WINDOW_MS;
    return this.#log.filter((e) => e.route === route && e.at >= start && e.at < start + WINDOW_MS && (caller === undefined || e.caller === caller)).length;
  }

  seedDemo(): typeof FEISHU_DEMO {
    const d = FEISHU_DEMO;
    if (this.#spaces.has(d.spaceId)) return d;
    this.addApp({ appId: d.appId, appSecret: d.appSecret });
    this.addUser({ token: d.userToken, openId: d.userOpenId });
    this.addSpace({
      spaceId: d.spaceId,
      name: d.spaceName,
      members: { [d.appId]: 'member', [d.userOpenId]: 'admin' },
    });
    const seed = (nodeToken: string, title: string, parentNodeToken = '', objType: FeishuObjType = 'docx'): void => {
      this.addNode({
        spaceId: d.spaceId,
        nodeToken,
        title,
        parentNodeToken,
        objType,
        creator: d.userOpenId,
        createdAt: DEMO_TIME,
      });
    };
    seed(d.nodes.root, 'Handbook');
    seed(d.nodes.onboarding, 'Onboarding', d.nodes.root);
    seed(d.nodes.firstWeek, 'Your first week', d.nodes.onboarding);
    seed(d.nodes.accounts, 'Accounts and tools', d.nodes.onboarding, 'sheet');
    seed(d.nodes.templates, 'Templates', d.nodes.root);
    this.#seedDemoTree();
    return d;
  }

  // ---- server -----------------------------------------------------------------------------------

  async start(listen: { port?: number; host?: string } = {}): Promise<RunningServer> {
    this.#server = await startEmulatorServer(
      {
        name: 'feishu-emulator',
        control: this.control,
        routes: this.#routes(),
        controlRoutes: this.#controlRoutes(),
        replyHeaders: () => ({ 'x-tt-logid': this.#logId() }),
        // The real gateway answers unknown paths with a plain-text 404.
        notFound: () => ({
          status: 404,
          headers: { 'content-type': 'text/plain; charset=utf-8' },
          body: '404 page not found',
        }),
      },
      listen,
    );
    return this.#server;
  }

  async close(): Promise<void> {
    await this.#server?.close();
    this.#server = undefined;
  }

  #routes(): Route[] {
    return [
      route('POST', /^\/open-apis\/auth\/v3\/tenant_access_token\/internal\/?$/, FEISHU_ROUTES.token, (req) =>
        this.#handle(FEISHU_ROUTES.token, () => this.#issueToken(req)),
      ),
      route('POST', /^\/open-apis\/wiki\/v2\/spaces\/([^/]+)\/nodes\/([^/]+)\/copy$/, FEISHU_ROUTES.copy, (req) =>
        this.#late(this.#handle(FEISHU_ROUTES.copy, (log) => this.#copy(req, this.#authorize(req, FEISHU_ROUTES.copy, log)))),
      ),
      route('GET', /^\/open-apis\/wiki\/v2\/spaces\/get_node$/, FEISHU_ROUTES.getNode, (req) =>
        this.#handle(FEISHU_ROUTES.getNode, (log) => this.#getNode(req, this.#authorize(req, FEISHU_ROUTES.getNode, log))),
      ),
      route('GET', /^\/open-apis\/wiki\/v2\/spaces\/([^/]+)\/nodes\/?$/, FEISHU_ROUTES.listNodes, (req) =>
        this.#handle(FEISHU_ROUTES.listNodes, (log) => this.#listNodes(req, this.#authorize(req, FEISHU_ROUTES.listNodes, log))),
      ),
    ];
  }

  /** Runs a handler, turns a FeishuError into its reply, and logs the call with its clock time. */
  #handle(name: FeishuRoute, run: (log: { caller?: string }) => EmulatorReply): EmulatorReply {
    const at = this.#now();
    const log: { caller?: string } = {};
    let reply: EmulatorReply;
    try {
      reply = run(log);
    } catch (err) {
      if (!(err instanceof FeishuError)) throw err;
      reply = {
        status: err.status,
        body: { code: err.code, msg: err.message },
        ...(err.headers ? { headers: err.headers } : {}),
      };
    }
    this.#log.push({
      route: name,
      at,
      status: reply.status,
      caller: log.caller,
    });
    // Bound memory under benchmarks: only the recent past matters for per-minute counts.
    if (this.#log.length > MAX_LOG) this.#log.splice(0, this.#log.length - MAX_LOG / 2);
    return reply;
  }

  // ---- auth -------------------------------------------------------------------------------------

  #issueToken(req: EmulatorRequest): EmulatorReply {
    const body = jsonBody(req);
    const fields = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
    const { app_id: appId, app_secret: secret } = fields;
    if (typeof appId !== 'string' || appId === '' || typeof secret !== 'string' || secret === '') throw new FeishuError(400, 10003, 'invalid param');
    const app = this.#apps.get(appId);
    if (!app) throw new FeishuError(400, 10014, 'app id not exists');
    if (app.appSecret !== secret) throw new FeishuError(400, 10014, 'app secret invalid');
    if (app.enabled === false) throw new FeishuError(400, 10014, 'app unauthorized');

    const now = this.#now();
    const currentId = this.#currentToken.get(appId);
    const current = currentId === undefined ? undefined : this.#tenantTokens.get(currentId);
    if (currentId !== undefined && current && current.expiresAt - now >= this.#reissueMs) {
      return {
        status: 200,
        body: {
          code: 0,
          msg: 'ok',
          tenant_access_token: currentId,
          expire: Math.floor((current.expiresAt - now) / 1000),
        },
      };
    }
    // Fewer than 30 min left (or none yet): a new token; the old one keeps its own expiry.
    const token = `t-${randomBytes(20).toString('hex')}`;
    this.#tenantTokens.set(token, { appId, expiresAt: now + this.#lifetimeMs });
    this.#currentToken.set(appId, token);
    this.#issued.set(appId, (this.#issued.get(appId) ?? 0) + 1);
    return {
      status: 200,
      body: {
        code: 0,
        msg: 'ok',
        tenant_access_token: token,
        expire: Math.floor(this.#lifetimeMs / 1000),
      },
    };
  }

  /** Checks the bearer token, then the per-minute limit of this API for this caller. */
  #authorize(req: EmulatorRequest, name: FeishuRoute, log: { caller?: string }): Caller {
    const header = req.headers.authorization;
    const m = typeof header === 'string' ? /^Bearer +(\S+) *$/.exec(header) : null;
    if (!m) throw new FeishuError(400, 99991661, 'Need a token');
    const token = m[1] as string;
    const now = this.#now();
    const invalid = 'Invalid access token for authorization. Please make a request with token attached.';
    let caller: Caller;
    if (token.startsWith('t-')) {
      const t = this.#tenantTokens.get(token);
      if (!t) throw new FeishuError(400, 99991663, invalid);
      if (t.expiresAt <= now) throw new FeishuError(400, 99991677, 'Authentication token expired');
      const app = this.#apps.get(t.appId);
      const granted = app?.scopes ?? FEISHU_DEFAULT_SCOPES;
      const needed = ROUTE_SCOPES[name];
      if (needed && !needed.some((scope) => granted.includes(scope))) {
        // [I] The wording follows the open platform's usual "Access denied" text; the code is documented.
        throw new FeishuError(400, 99991672, `Access denied. One of the following scopes is required: [${needed.join(', ')}].`);
      }
      const ids = app?.openId === undefined ? [t.appId] : [t.appId, app.openId];
      caller = {
        key: `app:${t.appId}`,
        memberIds: ids,
        displayId: app?.openId ?? t.appId,
      };
    } else if (token.startsWith('u-')) {
      const u = this.#userTokens.get(token);
      if (!u) throw new FeishuError(400, 99991668, invalid);
      if (u.expiresAt <= now) throw new FeishuError(400, 99991677, 'Authentication token expired');
      caller = {
        key: `user:${u.openId}`,
        memberIds: [u.openId],
        displayId: u.openId,
      };
    } else {
      throw new FeishuError(400, 99991671, 'Invalid token: must start with t-/u-');
    }
    log.caller = caller.key;

    const windowStart = Math.floor(now / WINDOW_MS) * WINDOW_MS;
    if (windowStart !== this.#windowStart) {
      this.#windowStart = windowStart;
      this.#windowHits.clear();
    }
    const key = `${name}|${caller.key}`;
    const hits = (this.#windowHits.get(key) ?? 0) + 1;
    this.#windowHits.set(key, hits);
    if (hits > this.#ratePerMinute) {
      const reset = Math.max(1, Math.ceil((windowStart + WINDOW_MS - now) / 1000));
      throw new FeishuError(429, 99991400, 'request trigger frequency limit', {
        'x-ogw-ratelimit-limit': String(this.#ratePerMinute),
        'x-ogw-ratelimit-reset': String(reset),
      });
    }
    return caller;
  }

  // ---- wiki -------------------------------------------------------------------------------------

  #copy(req: EmulatorRequest, caller: Caller): EmulatorReply {
    const spaceId = decodeSegment(req.params[0]);
    const nodeToken = decodeSegment(req.params[1]);
    const body = req.body.length === 0 ? {} : jsonBody(req);
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw paramErr();
    const fields = body as Record<string, unknown>;
    for (const k of ['target_parent_token', 'target_space_id', 'title']) {
      if (fields[k] !== undefined && typeof fields[k] !== 'string') throw paramErr();
    }
    const targetParent = (fields.target_parent_token as string | undefined) ?? '';
    const targetSpaceId = (fields.target_space_id as string | undefined) ?? '';
    const title = fields.title as string | undefined;
    if (targetParent.length > 999 || (targetParent === '' && targetSpaceId === '')) throw paramErr();

    const space = this.#spaces.get(spaceId);
    if (!space) throw wikiError(131005, 'space not found');
    const source = this.#nodes.get(nodeToken);
    if (!source || source.space_id !== spaceId) throw wikiError(131005, 'node not found');
    if (!this.#isMember(space, caller)) throw wikiError(131006, 'wiki space permission denied');

    let destSpace: SpaceRecord;
    if (targetParent !== '') {
      const parent = this.#nodes.get(targetParent);
      if (!parent || (targetSpaceId !== '' && parent.space_id !== targetSpaceId)) throw wikiError(131005, 'node not found');
      destSpace = this.#requireSpace(parent.space_id);
    } else {
      const s = this.#spaces.get(targetSpaceId);
      if (!s) throw wikiError(131005, 'space not found');
      destSpace = s;
    }
    if (!this.#isMember(destSpace, caller)) throw wikiError(131006, 'no destination parent node permission');
    const siblings = this.#children.get(`${destSpace.spaceId}/${targetParent}`)?.length ?? 0;
    const spaceSize = this.#spaceSizes.get(destSpace.spaceId) ?? 0;
    if (siblings >= LIMITS.childrenPerParent || this.#depth(targetParent) + 1 > LIMITS.depth || spaceSize >= LIMITS.nodesPerSpace) {
      throw wikiError(131003, 'out of limit');
    }

    const now = String(Math.floor(this.#now() / 1000));
    const newToken = this.#newNodeToken();
    const shortcut = source.node_type === 'shortcut';
    this.#insert({
      space_id: destSpace.spaceId,
      node_token: newToken,
      obj_token: shortcut ? source.obj_token : this.#newObjToken(source.obj_type),
      obj_type: source.obj_type,
      parent_node_token: targetParent,
      node_type: source.node_type,
      origin_node_token: shortcut ? source.origin_node_token : newToken,
      origin_space_id: shortcut ? source.origin_space_id : destSpace.spaceId,
      title: title ?? source.title,
      obj_create_time: shortcut ? source.obj_create_time : now,
      obj_edit_time: shortcut ? source.obj_edit_time : now,
      node_create_time: now,
      creator: caller.displayId,
      owner: caller.displayId,
      node_creator: caller.displayId,
    });
    return {
      status: 200,
      body: { code: 0, msg: 'success', data: { node: this.node(newToken) } },
    };
  }

  #getNode(req: EmulatorRequest, caller: Caller): EmulatorReply {
    // The SDK sends a JSON body `{}` with this GET: it is ignored, like the real service does.
    const token = req.query.get('token') ?? '';
    const objType = req.query.get('obj_type') ?? 'wiki';
    if (token === '' || token.length > 999) throw paramErr();
    let node: StoredNode | undefined;
    if (objType === 'wiki') {
      node = this.#nodes.get(token);
      if (!node) throw wikiError(131005, 'node not found');
    } else if ((OBJ_TYPES as readonly string[]).includes(objType)) {
      // A document token: the origin node that holds it (shortcuts share the obj_token).
      const holders = [...this.#nodes.values()].filter((n) => n.obj_token === token && n.obj_type === objType);
      node = holders.find((n) => n.node_type === 'origin') ?? holders[0];
      if (!node) throw wikiError(131005, 'document not found');
    } else {
      throw paramErr();
    }
    if (!this.#isMember(this.#requireSpace(node.space_id), caller)) throw wikiError(131006, 'node permission denied');
    return {
      status: 200,
      body: { code: 0, msg: 'success', data: { node: this.#view(node) } },
    };
  }

  // ---- control routes ---------------------------------------------------------------------------

  #controlRoutes(): Route[] {
    const attempt = (fn: (req: EmulatorRequest) => unknown) => controlAction(fn, 204);
    const body = <T>(req: EmulatorRequest): T => (jsonBody(req) ?? {}) as T;
    const param = (req: EmulatorRequest, i = 0): string => decodeURIComponent(req.params[i] ?? '');
    return [
      route(
        'POST',
        /^\/_emulator\/seed-demo$/,
        'seed-demo',
        attempt(() => this.seedDemo()),
      ),
      route(
        'POST',
        /^\/_emulator\/reset$/,
        'reset',
        attempt(() => this.reset()),
      ),
      route(
        'POST',
        /^\/_emulator\/apps$/,
        'add-app',
        attempt((req) => this.addApp(body<FeishuAppConfig>(req))),
      ),
      route(
        'POST',
        /^\/_emulator\/users$/,
        'add-user',
        attempt((req) => this.addUser(body<FeishuUserConfig>(req))),
      ),
      route(
        'POST',
        /^\/_emulator\/spaces$/,
        'add-space',
        attempt((req) => this.addSpace(body<FeishuSpaceSeed>(req))),
      ),
      route(
        'GET',
        /^\/_emulator\/spaces\/([^/]+)$/,
        'get-space',
        attempt((req) => this.space(param(req)) ?? null),
      ),
      route(
        'POST',
        /^\/_emulator\/spaces\/([^/]+)\/members$/,
        'add-member',
        attempt((req) => {
          const { memberId, role } = body<{
            memberId: string;
            role?: FeishuRole;
          }>(req);
          this.addMember(param(req), memberId, role);
        }),
      ),
      route(
        'DELETE',
        /^\/_emulator\/spaces\/([^/]+)\/members\/([^/]+)$/,
        'remove-member',
        attempt((req) => this.removeMember(param(req), param(req, 1))),
      ),
      route(
        'GET',
        /^\/_emulator\/spaces\/([^/]+)\/children$/,
        'children',
        attempt((req) => this.children(param(req), req.query.get('parent') ?? '')),
      ),
      route(
        'GET',
        /^\/_emulator\/spaces\/([^/]+)\/nodes$/,
        'space-nodes',
        attempt((req) => this.nodes(param(req))),
      ),
      route(
        'POST',
        /^\/_emulator\/nodes$/,
        'add-node',
        attempt((req) => this.addNode(body<FeishuNodeSeed>(req))),
      ),
      route(
        'GET',
        /^\/_emulator\/nodes\/([^/]+)$/,
        'get-node',
        attempt((req) => this.node(param(req)) ?? null),
      ),
      route(
        'POST',
        /^\/_emulator\/tokens\/([^/]+)\/expire$/,
        'expire-token',
        attempt((req) => this.expireToken(param(req))),
      ),
      route(
        'DELETE',
        /^\/_emulator\/tokens\/([^/]+)$/,
        'revoke-token',
        attempt((req) => this.revokeToken(param(req))),
      ),
      route(
        'GET',
        /^\/_emulator\/tokens-issued$/,
        'tokens-issued',
        attempt((req) => ({
          count: this.tokensIssued(req.query.get('app_id') ?? undefined),
        })),
      ),
      route(
        'GET',
        /^\/_emulator\/call-log$/,
        'call-log',
        attempt((req) => this.callLog((req.query.get('route') ?? undefined) as FeishuRoute | undefined)),
      ),
      route(
        'GET',
        /^\/_emulator\/calls-in-window$/,
        'calls-in-window',
        attempt((req) => {
          const at = req.query.get('at');
          return {
            count: this.callsInWindow(req.query.get('route') as FeishuRoute, at === null ? undefined : Number(at), req.query.get('caller') ?? undefined),
          };
        }),
      ),
    ];
  }

  // ---- helpers ----------------------------------------------------------------------------------

  #now(): number {
    return this.control.clock.now();
  }

  /** Log ids look like the real ones: a timestamp then 20 hex digits. */
  #logId(): string {
    const stamp = new Date(this.#now()).toISOString().replace(/\D/g, '').slice(0, 14);
    return `${stamp}${randomBytes(10).toString('hex').toUpperCase()}`;
  }

  #newNodeToken(): string {
    let t: string;
    do t = `wikcn${base62(22)}`;
    while (this.#nodes.has(t));
    return t;
  }

  #newObjToken(type: FeishuObjType): string {
    return `${OBJ_PREFIX[type]}${base62(22)}`;
  }

  #insert(node: StoredNode): void {
    this.#nodes.set(node.node_token, node);
    this.#spaceSizes.set(node.space_id, (this.#spaceSizes.get(node.space_id) ?? 0) + 1);
    const key = `${node.space_id}/${node.parent_node_token}`;
    const list = this.#children.get(key);
    if (list) list.push(node.node_token);
    else this.#children.set(key, [node.node_token]);
  }

  #view(n: StoredNode): FeishuWikiNode {
    return {
      ...n,
      has_child: (this.#children.get(`${n.space_id}/${n.node_token}`)?.length ?? 0) > 0,
    };
  }

  #requireSpace(spaceId: string): SpaceRecord {
    const s = this.#spaces.get(spaceId);
    if (!s) throw new Error(`unknown space ${spaceId}`);
    return s;
  }

  #isMember(space: SpaceRecord, caller: Caller): boolean {
    return caller.memberIds.some((id) => space.members.has(id));
  }

  // ---- bulk: the children of a node, and the demo tree -------------------------------------------
  //
  // "Get the child nodes of a wiki space" (wiki-v2/space-node/list), as the official SDKs model it
  // (oapi-sdk-java `ListSpaceNodeReq`, open-lark `ListSpaceNodeRequest`):
  // - GET /open-apis/wiki/v2/spaces/:space_id/nodes?page_size=&page_token=&parent_node_token= [S];
  //   no parent_node_token lists the top level of the space [S].
  // - data = { items: [node…], page_token, has_more } [S]; nodes have the same fields as get_node [S].
  // - page_size at most 50 [S: documented maximum]; default 20 [I]; a page_size outside 1..50 is 131002
  //   here (stricter than clamping) [I]. A page_token this emulator did not issue is 131002 [I].
  // - A parent that does not exist in the space is 131005 "node not found"; a caller who is not a member
  //   of the space gets 131006 [I: as get_node].
  // - Children come in creation order [I]; the same 100 calls a minute per caller as the other wiki APIs [C F4].

  #lateAnswers = { times: 0, ms: 0 };

  /**
   * The next `times` copies are made at once but answered only after `ms` (tests: a copy whose answer
   * is lost to the caller's timeout, the node nonetheless created).
   */
  answerCopiesLate(times: number, ms: number): void {
    this.#lateAnswers = { times, ms };
  }

  #late(reply: EmulatorReply): EmulatorReply | Promise<EmulatorReply> {
    if (this.#lateAnswers.times <= 0) return reply;
    this.#lateAnswers.times -= 1;
    const { ms } = this.#lateAnswers;
    return new Promise((resolve) => setTimeout(() => resolve(reply), ms));
  }

  #listNodes(req: EmulatorRequest, caller: Caller): EmulatorReply {
    const spaceId = decodeSegment(req.params[0]);
    const space = this.#spaces.get(spaceId);
    if (!space) throw wikiError(131005, 'space not found');
    if (!this.#isMember(space, caller)) throw wikiError(131006, 'wiki space permission denied');
    const sizeText = req.query.get('page_size');
    const pageSize = sizeText === null || sizeText === '' ? 20 : Number(sizeText);
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 50) throw paramErr();
    const parent = req.query.get('parent_node_token') ?? '';
    if (parent !== '' && this.#nodes.get(parent)?.space_id !== spaceId) throw wikiError(131005, 'node not found');
    const tokenText = req.query.get('page_token') ?? '';
    let start = 0;
    if (tokenText !== '') {
      const m = /^p(\d+)$/.exec(Buffer.from(tokenText, 'base64url').toString('utf8'));
      if (!m) throw paramErr();
      start = Number(m[1]);
    }
    const all = this.#children.get(`${spaceId}/${parent}`) ?? [];
    const page = all.slice(start, start + pageSize);
    const hasMore = start + pageSize < all.length;
    return {
      status: 200,
      body: {
        code: 0,
        msg: 'success',
        data: {
          items: page.map((t) => this.#view(this.#nodes.get(t) as StoredNode)),
          page_token: hasMore ? Buffer.from(`p${start + pageSize}`).toString('base64url') : '',
          has_more: hasMore,
        },
      },
    };
  }

  #seedDemoTree(): void {
    const d = FEISHU_DEMO;
    this.addSpace({ spaceId: d.treeSpaceId, name: 'Engineering', members: { [d.appId]: 'member', [d.userOpenId]: 'admin' } });
    const seed = (nodeToken: string, title: string, parentNodeToken = '', objType: FeishuObjType = 'docx'): void => {
      this.addNode({ spaceId: d.treeSpaceId, nodeToken, title, parentNodeToken, objType, creator: d.userOpenId, createdAt: DEMO_TIME });
    };
    seed(d.nodes.engineering, 'Engineering');
    seed(d.nodes.archive, 'Archive');
    const pad = (n: number) => String(n).padStart(2, '0');
    for (let s = 1; s <= 6; s++) {
      const section = `wikcnDemoEngS${pad(s)}0000000001`;
      seed(section, `Section ${s}`, d.nodes.engineering);
      for (let p = 1; p <= 8; p++) {
        const page = `wikcnDemoEngS${pad(s)}P${pad(p)}0000001`;
        seed(page, `Section ${s} / page ${p}`, section, p % 4 === 0 ? 'sheet' : 'docx');
        for (let q = 1; q <= 6; q++) seed(`wikcnDemoEngS${pad(s)}P${pad(p)}Q${pad(q)}0001`, `Section ${s} / page ${p} / ${q}`, page);
      }
    }
  }

  /** Levels from the top of the space down to `nodeToken` ('' = the space itself, depth 0). */
  #depth(nodeToken: string): number {
    let depth = 0;
    for (let n = this.#nodes.get(nodeToken); n; n = this.#nodes.get(n.parent_node_token)) depth += 1;
    return depth;
  }
}

/** Path segments arrive percent-encoded; a malformed escape is a parameter error. */
function decodeSegment(segment: string | undefined): string {
  try {
    return decodeURIComponent(segment ?? '');
  } catch {
    throw paramErr();
  }
}
