/**
 * Coze (扣子) emulator: `POST /v1/entities/copy_tasks` and `GET /v1/entities/copy_tasks/:task_id`
 * (reference/upstreams.md §1, seeds/000_*.txt), with workspaces, members, bots, apps and workflows as
 * real state, so a test proves a copy by reading the copied entity back.
 *
 * Wire rules implemented:
 * - Envelope `{ data, code, msg, detail: { logid } }` (no `data` on errors); header `x-tt-logid` on every
 *   reply, equal to `detail.logid`.
 * - Same-workspace bot copy is synchronous (`data.copied_entity_id`); every other copy is an async task
 *   (`data.task_id`) that is `in_progress` until `taskDurationMs` has passed on the emulator clock, then
 *   `successful` or `failed` with `failed_reasons`. Progress is computed lazily when anything reads state.
 * - Personal-workspace resources stay in their workspace; targets must be in the source's team; the caller
 *   must be a member of both workspaces; copies are drafts; a cross-workspace bot/app copy also copies
 *   the workflows it uses.
 *
 * HTTP status [I]: the reference does not say which HTTP status goes with each code. We answer the way a
 * gateway in front of a business service would: checks made before the request reaches the business
 * logic carry their HTTP status (missing/unknown token 401 + 4100, missing scope 403 + 4101, throttled
 * 429 + 4013, malformed body or id 400 + 4000); business refusals answer HTTP 200 with a non-zero code
 * (unknown entity or task 4200, not a member 4101, workspace rules 4000). The official SDK throws on a
 * non-zero body code even on HTTP 2xx, so a client must always read `code`, never only the status.
 */
import { randomBytes } from 'node:crypto';
import {
  EmulatorControl,
  type EmulatorReply,
  type EmulatorRequest,
  jsonBody,
  type Route,
  type RunningServer,
  route,
  startEmulatorServer,
  controlAction,
} from './http.ts';

export type CozeEntityType = 'bot' | 'app' | 'workflow';
/** Entity types a failed reason may name (schema `TaskFailedReason.entity_type`). */
export type CozeFailedEntityType = CozeEntityType | 'plugin' | 'ui' | 'knowledge' | 'database' | 'variable' | 'trigger' | 'prompt' | 'shortcut' | 'imageflow';
export type CozeTaskStatus = 'in_progress' | 'successful' | 'failed';

/** Every scope the copy endpoint can ask for; a token gets all of them unless told otherwise. */
export const COZE_SCOPES = [
  'Bot.duplicate',
  'Workspace.createBot',
  'Project.copy',
  'Workspace.createProject',
  'Workflow.copy',
  'Workspace.createWorkflow',
] as const;

/** Scopes required per entity type [C S1]. */
const REQUIRED_SCOPES: Record<CozeEntityType, readonly string[]> = {
  bot: ['Bot.duplicate', 'Workspace.createBot'],
  app: ['Project.copy', 'Workspace.createProject'],
  workflow: ['Workflow.copy', 'Workspace.createWorkflow'],
};

/** Route names, as counted by `control.calls(...)`. */
/** Calls a second per user and route when the options name none (see `rateLimitPerSecond`). */
export const COZE_DEFAULT_RATE_LIMIT = 5;

export const COZE_ROUTES = {
  copy: 'POST /v1/entities/copy_tasks',
  task: 'GET /v1/entities/copy_tasks/:task_id',
} as const;

/** The failed reason the docs show as an example; also our default for seeded failures and quotas. */
export const COZE_QUOTA_REASON = '资源配额不足，无法完成复制';
/** Suffix of a same-workspace copy's name [I]: Coze's console names duplicates this way. */
export const COZE_COPY_SUFFIX = '(副本)';

export interface CozeFailedReason {
  readonly entity_id: string;
  readonly entity_name: string;
  readonly entity_type: CozeFailedEntityType;
  readonly failed_reason: string;
}

/** Makes any async copy of the entity carrying it fail (models e.g. a plugin that cannot be copied). */
export interface CozeFailWith {
  /** Default: the entity's own type. */
  readonly entityType?: CozeFailedEntityType;
  /** Default: the entity's own id. */
  readonly entityId?: string;
  /** Default: the entity's own name. */
  readonly entityName?: string;
  /** Default: {@link COZE_QUOTA_REASON}. */
  readonly reason?: string;
}

export interface CozeWorkspace {
  readonly id: string;
  readonly name: string;
  readonly kind: 'personal' | 'team';
  /** Enterprise/team the workspace belongs to (team workspaces only). */
  readonly teamId?: string | undefined;
  readonly members: readonly string[];
  /** Most entities the workspace may hold; copies beyond it fail with {@link COZE_QUOTA_REASON}. */
  readonly entityQuota?: number | undefined;
}

export interface CozeEntity {
  readonly id: string;
  readonly type: CozeEntityType;
  readonly name: string;
  readonly workspaceId: string;
  /** Copies are always drafts [C S1]. */
  readonly status: 'draft' | 'published';
  /** Workflows a bot or app uses (empty for workflows). */
  readonly workflowIds: readonly string[];
  /** Id of the entity this one was copied from. */
  readonly copiedFrom?: string | undefined;
  readonly failWith?: CozeFailWith | undefined;
  readonly createdAt: number;
}

export interface CozeTask {
  readonly taskId: string;
  readonly entityType: CozeEntityType;
  readonly status: CozeTaskStatus;
  readonly sourceEntityId: string;
  readonly sourceWorkspaceId: string;
  readonly targetWorkspaceId: string;
  readonly targetEntityId?: string | undefined;
  readonly failedReasons?: readonly CozeFailedReason[] | undefined;
  /** Workflows copied along with a bot or app (source id → copy id). */
  readonly copiedWorkflows: Readonly<Record<string, string>>;
  /** The user who created it: only this user may read it [U → decided]. */
  readonly userId: string;
  readonly createdAt: number;
  readonly dueAt: number;
}

export interface CozeEmulatorOptions {
  /** Accepted access tokens: token → user id. */
  readonly tokens?: Readonly<Record<string, string>>;
  /** Scopes per token (default: all of {@link COZE_SCOPES}). */
  readonly tokenScopes?: Readonly<Record<string, readonly string[]>>;
  /** How long an async copy stays `in_progress` on the emulator clock. Default 3000. */
  readonly taskDurationMs?: number;
  /**
   * Calls per second per user and per route (default `COZE_DEFAULT_RATE_LIMIT`; 0 = off). The copy
   * endpoints' own limit is undocumented [U]; the default is the figure Coze documents for its other
   * per-account APIs (5 QPS, e.g. the collaborator APIs) [I], answered with HTTP 429 + 4013 [C S5].
   */
  readonly rateLimitPerSecond?: number;
}

export interface CozeWorkspaceSeed {
  readonly id?: string;
  readonly name?: string;
  readonly kind: 'personal' | 'team';
  readonly teamId?: string;
  readonly members?: readonly string[];
  readonly entityQuota?: number;
}

export interface CozeEntitySeed {
  readonly id?: string;
  readonly type: CozeEntityType;
  readonly name: string;
  readonly workspaceId: string;
  readonly status?: 'draft' | 'published';
  readonly workflowIds?: readonly string[];
  readonly failWith?: CozeFailWith;
}

/** Ids loaded by `seedDemo()`; the workflow and the target workspace match sdk-requests.md. */
export const COZE_DEMO = {
  token: 'pat_demo',
  userId: '7400000000000000100',
  teamId: '7400000000000000090',
  personalWorkspaceId: '7400000000000000010',
  teamWorkspaceId: '7400000000000000098',
  otherTeamWorkspaceId: '7400000000000000099',
  workflowId: '7400000000000000001',
  appId: '7400000000000000002',
  botId: '7400000000000000003',
  personalBotId: '7400000000000000004',
  /** A bot whose plugin cannot be copied: its cross-workspace copy fails. */
  failingBotId: '7400000000000000005',
} as const;

interface TaskState {
  taskId: string;
  entityType: CozeEntityType;
  status: CozeTaskStatus;
  sourceEntityId: string;
  sourceWorkspaceId: string;
  targetWorkspaceId: string;
  targetEntityId?: string;
  failedReasons?: CozeFailedReason[];
  copiedWorkflows: Record<string, string>;
  userId: string;
  createdAt: number;
  dueAt: number;
}

/** A refusal on the wire: HTTP status, Coze code, message. */
class CozeError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

const NUMERIC_ID = /^\d{1,19}$/;
const ENTITY_TYPES: readonly string[] = ['app', 'bot', 'workflow'];

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export class CozeEmulator {
  readonly control = new EmulatorControl();
  readonly #tokens = new Map<string, { userId: string; scopes: ReadonlySet<string> }>();
  readonly #workspaces = new Map<string, { ws: CozeWorkspace; members: Set<string> }>();
  readonly #entities = new Map<string, CozeEntity>();
  readonly #tasks = new Map<string, TaskState>();
  readonly #windows = new Map<string, { start: number; count: number }>();
  readonly #taskDurationMs: number;
  #rateLimit: number | undefined;
  #nextEntityId = 7410000000000000001n;
  #nextTaskId = 7440000000000000001n;
  #server: RunningServer | undefined;

  constructor(options: CozeEmulatorOptions = {}) {
    this.#taskDurationMs = options.taskDurationMs ?? 3000;
    this.#rateLimit = options.rateLimitPerSecond === 0 ? undefined : (options.rateLimitPerSecond ?? COZE_DEFAULT_RATE_LIMIT);
    for (const [token, userId] of Object.entries(options.tokens ?? {})) {
      this.addToken(token, userId, options.tokenScopes?.[token]);
    }
  }

  // ---- seeding -------------------------------------------------------------------------------

  /** Changes the per-user, per-route limit (0 = off). */
  setRateLimit(perSecond: number): void {
    this.#rateLimit = perSecond === 0 ? undefined : perSecond;
  }

  addToken(token: string, userId: string, scopes: readonly string[] = COZE_SCOPES): void {
    this.#tokens.set(token, { userId, scopes: new Set(scopes) });
  }

  addWorkspace(seed: CozeWorkspaceSeed): CozeWorkspace {
    if (seed.kind !== 'personal' && seed.kind !== 'team') throw new Error(`kind must be personal or team: ${String(seed.kind)}`);
    const id = this.#newId(seed.id);
    if (seed.kind === 'team' && seed.teamId === undefined) throw new Error('a team workspace needs a teamId');
    const members = new Set(seed.members ?? []);
    const ws: CozeWorkspace = {
      id,
      name: seed.name ?? (seed.kind === 'personal' ? 'Personal' : `Workspace ${id}`),
      kind: seed.kind,
      teamId: seed.kind === 'team' ? seed.teamId : undefined,
      members: [],
      entityQuota: seed.entityQuota,
    };
    this.#workspaces.set(id, { ws, members });
    return this.getWorkspace(id) as CozeWorkspace;
  }

  addMember(workspaceId: string, userId: string): void {
    this.#workspaceState(workspaceId).members.add(userId);
  }

  addEntity(seed: CozeEntitySeed): CozeEntity {
    if (!ENTITY_TYPES.includes(seed.type)) throw new Error(`type must be one of ${ENTITY_TYPES.join(', ')}: ${String(seed.type)}`);
    this.#workspaceState(seed.workspaceId);
    const workflowIds = seed.type === 'workflow' ? [] : [...(seed.workflowIds ?? [])];
    for (const wf of workflowIds) {
      if (this.#entities.get(wf)?.type !== 'workflow') throw new Error(`unknown workflow ${wf}`);
    }
    const entity: CozeEntity = {
      id: this.#newId(seed.id),
      type: seed.type,
      name: seed.name,
      workspaceId: seed.workspaceId,
      status: seed.status ?? 'published',
      workflowIds,
      failWith: seed.failWith,
      createdAt: this.control.clock.now(),
    };
    this.#entities.set(entity.id, entity);
    return entity;
  }

  /** Sets (or clears, with undefined) the failure any later async copy of this entity meets. */
  setFailWith(entityId: string, failWith: CozeFailWith | undefined): void {
    const entity = this.#entities.get(entityId);
    if (!entity) throw new Error(`unknown entity ${entityId}`);
    this.#entities.set(entityId, { ...entity, failWith });
  }

  /** Loads the demo data set described by {@link COZE_DEMO}. */
  seedDemo(): typeof COZE_DEMO {
    const d = COZE_DEMO;
    if (this.#workspaces.has(d.personalWorkspaceId)) return d;
    this.addToken(d.token, d.userId);
    this.addWorkspace({ id: d.personalWorkspaceId, name: '个人空间', kind: 'personal', members: [d.userId] });
    this.addWorkspace({ id: d.teamWorkspaceId, name: '产品团队空间', kind: 'team', teamId: d.teamId, members: [d.userId] });
    this.addWorkspace({ id: d.otherTeamWorkspaceId, name: '客服团队空间', kind: 'team', teamId: d.teamId, members: [d.userId] });
    this.addEntity({ id: d.workflowId, type: 'workflow', name: '订单查询工作流', workspaceId: d.teamWorkspaceId });
    this.addEntity({ id: d.appId, type: 'app', name: '售后助手应用', workspaceId: d.teamWorkspaceId, workflowIds: [d.workflowId] });
    this.addEntity({ id: d.botId, type: 'bot', name: '客服智能体', workspaceId: d.teamWorkspaceId, workflowIds: [d.workflowId] });
    this.addEntity({ id: d.personalBotId, type: 'bot', name: '我的写作助手', workspaceId: d.personalWorkspaceId });
    this.addEntity({
      id: d.failingBotId,
      type: 'bot',
      name: '天气播报智能体',
      workspaceId: d.teamWorkspaceId,
      failWith: { entityType: 'plugin', entityId: '7400000000000000006', entityName: '天气查询插件', reason: COZE_QUOTA_REASON },
    });
    return d;
  }

  // ---- inspection (every read first settles tasks that are due) -------------------------------

  getWorkspace(id: string): CozeWorkspace | undefined {
    const state = this.#workspaces.get(id);
    return state && { ...state.ws, members: [...state.members] };
  }

  getEntity(id: string): CozeEntity | undefined {
    this.#settleAll();
    return this.#entities.get(id);
  }

  listEntities(workspaceId: string, type?: CozeEntityType): CozeEntity[] {
    this.#settleAll();
    return [...this.#entities.values()].filter((e) => e.workspaceId === workspaceId && (type === undefined || e.type === type));
  }

  getTask(taskId: string): CozeTask | undefined {
    const task = this.#tasks.get(taskId);
    if (!task) return undefined;
    this.#settle(task);
    return structuredClone(task);
  }

  listTasks(): CozeTask[] {
    this.#settleAll();
    return [...this.#tasks.values()].map((t) => structuredClone(t));
  }

  // ---- task control ---------------------------------------------------------------------------

  /** Finishes a task now, by the normal rules (a seeded `failWith` or a full quota still fails it). */
  completeTask(taskId: string): CozeTask {
    const task = this.#taskState(taskId);
    if (task.status === 'in_progress') task.dueAt = Math.min(task.dueAt, this.control.clock.now());
    this.#settle(task);
    return structuredClone(task);
  }

  /** Fails a task now with these reasons (default: the source entity, {@link COZE_QUOTA_REASON}). */
  failTask(taskId: string, reasons?: readonly CozeFailedReason[]): CozeTask {
    const task = this.#taskState(taskId);
    this.#settle(task);
    if (task.status !== 'in_progress') throw new Error(`task ${taskId} is already ${task.status}`);
    const source = this.#entities.get(task.sourceEntityId) as CozeEntity;
    task.status = 'failed';
    task.failedReasons = reasons ? [...reasons] : [this.#reason(source, {})];
    return structuredClone(task);
  }

  // ---- server ---------------------------------------------------------------------------------

  async start(listen: { port?: number; host?: string } = {}): Promise<RunningServer> {
    this.#server = await startEmulatorServer(
      {
        name: 'coze-emulator',
        control: this.control,
        routes: this.#routes(),
        controlRoutes: this.#controlRoutes(),
        // Replies the handlers do not build themselves (injected faults, 404s) still carry a logid.
        replyHeaders: () => ({ 'x-tt-logid': this.#logId() }),
        notFound: () => this.#reply(404, { code: 4200, msg: 'the requested API does not exist' }),
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
    const guarded =
      (name: string, handler: (req: EmulatorRequest, userId: string, scopes: ReadonlySet<string>) => unknown) =>
      (req: EmulatorRequest): EmulatorReply => {
        try {
          const { userId, scopes } = this.#authenticate(req);
          this.#throttle(userId, name);
          return this.#reply(200, { data: handler(req, userId, scopes), code: 0, msg: '' });
        } catch (err) {
          if (!(err instanceof CozeError)) throw err;
          return this.#reply(err.status, { code: err.code, msg: err.message });
        }
      };
    return [
      route(
        'POST',
        /^\/v1\/entities\/copy_tasks$/,
        COZE_ROUTES.copy,
        guarded(COZE_ROUTES.copy, (req, userId, scopes) => this.#copy(req, userId, scopes)),
      ),
      route(
        'GET',
        /^\/v1\/entities\/copy_tasks\/([^/]+)$/,
        COZE_ROUTES.task,
        guarded(COZE_ROUTES.task, (req, userId) => this.#query(req.params[0] ?? '', userId)),
      ),
    ];
  }

  #controlRoutes(): Route[] {
    const attempt = (fn: (req: EmulatorRequest) => unknown) => controlAction(fn, 404);
    const body = (req: EmulatorRequest): Record<string, unknown> => {
      const b = jsonBody(req);
      if (!isRecord(b)) throw new Error('expected a JSON object');
      return b;
    };
    const id = (req: EmulatorRequest): string => decodeURIComponent(req.params[0] ?? '');
    return [
      route(
        'POST',
        /^\/_emulator\/seed-demo$/,
        'seed-demo',
        attempt(() => this.seedDemo()),
      ),
      route(
        'POST',
        /^\/_emulator\/tokens$/,
        'add-token',
        attempt((req) => {
          const { token, userId, scopes } = body(req);
          if (typeof token !== 'string' || typeof userId !== 'string') throw new Error('token and userId are required strings');
          this.addToken(token, userId, Array.isArray(scopes) ? scopes.map(String) : undefined);
          return {};
        }),
      ),
      route(
        'POST',
        /^\/_emulator\/workspaces$/,
        'add-workspace',
        attempt((req) => this.addWorkspace(body(req) as unknown as CozeWorkspaceSeed)),
      ),
      route(
        'POST',
        /^\/_emulator\/workspaces\/([^/]+)\/members$/,
        'add-member',
        attempt((req) => {
          this.addMember(id(req), String(body(req).userId));
          return this.getWorkspace(id(req));
        }),
      ),
      route(
        'GET',
        /^\/_emulator\/workspaces\/([^/]+)\/entities$/,
        'list-entities',
        attempt((req) => this.listEntities(id(req))),
      ),
      route(
        'POST',
        /^\/_emulator\/entities$/,
        'add-entity',
        attempt((req) => this.addEntity(body(req) as unknown as CozeEntitySeed)),
      ),
      route(
        'GET',
        /^\/_emulator\/entities\/([^/]+)$/,
        'get-entity',
        attempt((req) => this.getEntity(id(req))),
      ),
      route(
        'GET',
        /^\/_emulator\/tasks$/,
        'list-tasks',
        attempt(() => this.listTasks()),
      ),
      route(
        'GET',
        /^\/_emulator\/tasks\/([^/]+)$/,
        'get-task',
        attempt((req) => this.getTask(id(req))),
      ),
      route(
        'POST',
        /^\/_emulator\/tasks\/([^/]+)\/complete$/,
        'complete-task',
        attempt((req) => this.completeTask(id(req))),
      ),
      route(
        'POST',
        /^\/_emulator\/tasks\/([^/]+)\/fail$/,
        'fail-task',
        attempt((req) => {
          const reasons = isRecord(jsonBody(req)) ? body(req).reasons : undefined;
          return this.failTask(id(req), Array.isArray(reasons) ? (reasons as CozeFailedReason[]) : undefined);
        }),
      ),
    ];
  }

  // ---- the two endpoints ----------------------------------------------------------------------

  #copy(req: EmulatorRequest, userId: string, scopes: ReadonlySet<string>): Record<string, string> {
    const { entityId, entityType, toWorkspaceId } = parseCopyBody(jsonBody(req));
    const missing = REQUIRED_SCOPES[entityType].filter((s) => !scopes.has(s));
    if (missing.length > 0) throw new CozeError(403, 4101, `The token does not have the permission required by this API: ${missing.join(', ')}`);

    const source = this.#entities.get(entityId);
    if (!source || source.type !== entityType) throw new CozeError(200, 4200, `Requested resource ${entityType} entity_id=${entityId} does not exist`);
    const from = this.#workspaceState(source.workspaceId);
    if (!from.members.has(userId)) throw new CozeError(200, 4101, `You are not a member of workspace ${source.workspaceId}`);

    const targetId = toWorkspaceId === '' ? source.workspaceId : toWorkspaceId;
    const to = this.#workspaces.get(targetId);
    // An unknown workspace is indistinguishable from one the caller has not joined [I].
    if (!to?.members.has(userId)) throw new CozeError(200, 4101, `You are not a member of workspace ${targetId}`);
    if (targetId !== source.workspaceId) {
      if (from.ws.kind === 'personal') {
        throw new CozeError(200, 4000, '个人工作空间中的资源只能复制到本空间 (resources of a personal workspace can only be copied within it)');
      }
      if (to.ws.kind !== 'team' || to.ws.teamId !== from.ws.teamId) {
        throw new CozeError(200, 4000, '只能复制到同一企业或团队下的工作空间 (the target workspace must belong to the same enterprise or team)');
      }
    }

    if (entityType === 'bot' && targetId === source.workspaceId) {
      // The one synchronous case [C S1]. Same-workspace copies keep using the same workflows [I].
      if (this.#overQuota(targetId, 1)) throw new CozeError(200, 4000, COZE_QUOTA_REASON);
      return { copied_entity_id: this.#clone(source, targetId, [...source.workflowIds]).id };
    }

    const now = this.control.clock.now();
    const task: TaskState = {
      taskId: String(this.#nextTaskId++),
      entityType,
      status: 'in_progress',
      sourceEntityId: source.id,
      sourceWorkspaceId: source.workspaceId,
      targetWorkspaceId: targetId,
      copiedWorkflows: {},
      userId,
      createdAt: now,
      dueAt: now + this.#taskDurationMs,
    };
    this.#tasks.set(task.taskId, task);
    return { task_id: task.taskId };
  }

  #query(rawTaskId: string, userId: string): Record<string, unknown> {
    const taskId = decodeURIComponent(rawTaskId);
    if (!NUMERIC_ID.test(taskId)) throw new CozeError(400, 4000, `invalid task_id: ${taskId}`);
    const task = this.#tasks.get(taskId);
    // Another user's task answers like an unknown one [U → decided]: task ids are not shareable secrets.
    if (!task || task.userId !== userId) throw new CozeError(200, 4200, `copy task ${taskId} does not exist`);
    this.#settle(task);
    return {
      task_id: task.taskId,
      entity_type: task.entityType,
      task_status: task.status,
      ...(task.failedReasons ? { failed_reasons: task.failedReasons } : {}),
      source_entity_id: task.sourceEntityId,
      // Known only once the copy exists [I]: omitted while in progress and after a failure.
      ...(task.targetEntityId ? { target_entity_id: task.targetEntityId } : {}),
      target_workspace_id: task.targetWorkspaceId,
    };
  }

  // ---- task progress --------------------------------------------------------------------------

  #settleAll(): void {
    for (const task of this.#tasks.values()) this.#settle(task);
  }

  /** Finishes a due task: all of it is copied, or (on any failure) nothing is [I]. */
  #settle(task: TaskState): void {
    if (task.status !== 'in_progress' || this.control.clock.now() < task.dueAt) return;
    const source = this.#entities.get(task.sourceEntityId) as CozeEntity;
    const crossSpace = task.targetWorkspaceId !== task.sourceWorkspaceId;
    // A cross-workspace bot/app copy brings its workflows along [C S1].
    const workflows = crossSpace ? source.workflowIds.map((id) => this.#entities.get(id) as CozeEntity) : [];
    const reasons: CozeFailedReason[] = [];
    for (const e of [source, ...workflows]) if (e.failWith) reasons.push(this.#reason(e, e.failWith));
    if (reasons.length === 0 && this.#overQuota(task.targetWorkspaceId, 1 + workflows.length)) reasons.push(this.#reason(source, {}));
    if (reasons.length > 0) {
      task.status = 'failed';
      task.failedReasons = reasons;
      return;
    }
    for (const wf of workflows) task.copiedWorkflows[wf.id] = this.#clone(wf, task.targetWorkspaceId, []).id;
    const workflowIds = crossSpace ? source.workflowIds.map((id) => task.copiedWorkflows[id] as string) : [...source.workflowIds];
    task.targetEntityId = this.#clone(source, task.targetWorkspaceId, workflowIds).id;
    task.status = 'successful';
  }

  #clone(source: CozeEntity, workspaceId: string, workflowIds: string[]): CozeEntity {
    const copy: CozeEntity = {
      id: this.#newId(),
      type: source.type,
      // A copy in the same workspace gets a suffix; in another workspace it keeps its name [I].
      name: workspaceId === source.workspaceId ? `${source.name}${COZE_COPY_SUFFIX}` : source.name,
      workspaceId,
      status: 'draft',
      workflowIds,
      copiedFrom: source.id,
      createdAt: this.control.clock.now(),
    };
    this.#entities.set(copy.id, copy);
    return copy;
  }

  #reason(entity: CozeEntity, f: CozeFailWith): CozeFailedReason {
    return {
      entity_id: f.entityId ?? entity.id,
      entity_name: f.entityName ?? entity.name,
      entity_type: f.entityType ?? entity.type,
      failed_reason: f.reason ?? COZE_QUOTA_REASON,
    };
  }

  #overQuota(workspaceId: string, adding: number): boolean {
    const quota = this.#workspaces.get(workspaceId)?.ws.entityQuota;
    if (quota === undefined) return false;
    let held = 0;
    for (const e of this.#entities.values()) if (e.workspaceId === workspaceId) held += 1;
    return held + adding > quota;
  }

  // ---- plumbing -------------------------------------------------------------------------------

  #authenticate(req: EmulatorRequest): { userId: string; scopes: ReadonlySet<string> } {
    const m = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '');
    const found = m ? this.#tokens.get(m[1] as string) : undefined;
    if (!found) throw new CozeError(401, 4100, 'authentication is invalid');
    return found;
  }

  /** Fixed one-second windows on the emulator clock, per user and route [I: the real limit is undocumented]. */
  #throttle(userId: string, routeName: string): void {
    if (this.#rateLimit === undefined) return;
    const start = Math.floor(this.control.clock.now() / 1000) * 1000;
    const key = `${userId} ${routeName}`;
    const w = this.#windows.get(key);
    if (!w || w.start !== start) {
      this.#windows.set(key, { start, count: 1 });
      return;
    }
    w.count += 1;
    if (w.count > this.#rateLimit) throw new CozeError(429, 4013, 'The request rate exceeds the limit, please try again later');
  }

  #reply(status: number, envelope: Record<string, unknown>): EmulatorReply {
    const logid = this.#logId();
    return { status, headers: { 'x-tt-logid': logid }, body: { ...envelope, detail: { logid } } };
  }

  /** Like the real ones: the (Beijing time) timestamp of the call, then 20 hex digits. */
  #logId(): string {
    const stamp = new Date(this.control.clock.now() + 8 * 3600_000).toISOString().replace(/\D/g, '').slice(0, 14);
    return stamp + randomBytes(10).toString('hex').toUpperCase();
  }

  #newId(wanted?: string): string {
    if (wanted === undefined) {
      let id = String(this.#nextEntityId++);
      while (this.#entities.has(id) || this.#workspaces.has(id)) id = String(this.#nextEntityId++);
      return id;
    }
    // Coze ids are int64 rendered as strings; the API refuses anything else, so seeds must be numeric.
    if (!NUMERIC_ID.test(wanted)) throw new Error(`ids must be numeric strings: ${wanted}`);
    if (this.#entities.has(wanted) || this.#workspaces.has(wanted)) throw new Error(`id ${wanted} already exists`);
    return wanted;
  }

  #workspaceState(id: string): { ws: CozeWorkspace; members: Set<string> } {
    const state = this.#workspaces.get(id);
    if (!state) throw new Error(`unknown workspace ${id}`);
    return state;
  }

  #taskState(taskId: string): TaskState {
    const task = this.#tasks.get(taskId);
    if (!task) throw new Error(`unknown task ${taskId}`);
    return task;
  }
}

/** Validates the copy body the way the service would: wrong types or values → 400 + 4000. */
function parseCopyBody(body: unknown): { entityId: string; entityType: CozeEntityType; toWorkspaceId: string } {
  if (!isRecord(body)) throw new CozeError(400, 4000, 'invalid request body: expected a JSON object');
  const { entity_id: entityId, entity_type: entityType } = body;
  // A JSON null decodes like an absent field (Go/Thrift decoding) [I].
  const toWorkspaceId = body.to_workspace_id ?? '';
  if (typeof entityId !== 'string' || entityId === '') throw new CozeError(400, 4000, 'invalid parameter entity_id: a non-empty string is required');
  // Ids are int64 on the server side [I]: a non-numeric id cannot be parsed.
  if (!NUMERIC_ID.test(entityId)) throw new CozeError(400, 4000, `invalid parameter entity_id: ${entityId}`);
  if (typeof entityType !== 'string' || !ENTITY_TYPES.includes(entityType)) {
    throw new CozeError(400, 4000, 'invalid parameter entity_type: must be one of app, bot, workflow');
  }
  if (typeof toWorkspaceId !== 'string' || (toWorkspaceId !== '' && !NUMERIC_ID.test(toWorkspaceId))) {
    throw new CozeError(400, 4000, 'invalid parameter to_workspace_id');
  }
  return { entityId, entityType: entityType as CozeEntityType, toWorkspaceId };
}
