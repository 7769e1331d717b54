/**
 * Blue (blue.cc, formerly Bloo) emulator: a real GraphQL server (graphql-js) at `POST /graphql` serving
 * `copyTodo`, `todo(id)` and `todoQueries.todos` (reference/upstreams.md §5, seeds/004_*.txt), over real
 * state: companies, projects with member roles, todo lists, tags, custom fields and todos (records) with
 * checklists, assignees, custom-field values (incl. file attachments) and comments with replies. Tests
 * prove a copy by reading the new record back through `todosInList()`.
 *
 * Wire rules implemented:
 * - Auth headers (Node lower-cases names, so any case works): `X-Bloo-Token-ID` (`pat_…`) and
 *   `X-Bloo-Token-Secret`, else UNAUTHENTICATED "Authentication required." [C B2,B3]. `X-Bloo-Company-ID` /
 *   `X-Bloo-Project-ID` take an id or a slug; deprecated `x-company-id` / `x-project-id` still work [C B5].
 * - Resolver errors: HTTP 200, `{ data, errors: [{ message, locations, path, extensions: { code } }] }`
 *   with Blue's codes and messages [C B2]. Anything unexpected is masked as INTERNAL_SERVER_ERROR.
 * - copyTodo copies exactly the chosen parts, appends at the bottom (max position + 65535) [C B1,B4] and
 *   answers `true`; it never returns the new id [C B1].
 *
 * Decisions where the reference is unsure [I]:
 * - Blue runs Apollo Server, so request-level failures behave like Apollo Server 4: parse errors → HTTP 400
 *   GRAPHQL_PARSE_FAILED, validation errors → 400 GRAPHQL_VALIDATION_FAILED, bad variables → 400
 *   BAD_USER_INPUT, malformed bodies → 400 BAD_REQUEST, mutations over GET → 405. (B5 says Blue's own code
 *   never throws GRAPHQL_VALIDATION_FAILED; these come from the framework, not from copyTodo.)
 * - copyTodo needs both company and project headers (the doc lists all four as required); a missing one
 *   answers like an unknown one. The source todo and the target list must be in the header's company.
 * - A user belongs to a company through any of its projects; an inaccessible company/project/todo/list
 *   answers *_NOT_FOUND ("doesn't exist or user lacks access" [C B2]).
 * - `hidden` lists are hidden from roles below ADMIN: their todos are invisible to them and copying into
 *   one answers TODO_LIST_IS_HIDDEN ("List hidden from user's role" [C B2]).
 * - Both projects must be active (as for moveTodo [C B4]) → PROJECT_NOT_ACTIVE.
 * - Cross-project copies: tags map to the target project's tag of the same title (created when missing);
 *   custom-field values go to the target's field of the same title and type and are dropped when there is
 *   none; DUE_DATE also carries `startedAt`; copied comments keep author and dates; checklist items keep
 *   their done state. A copy is never done or archived.
 * - `todos` [C §5.4, corrected]: `showCompleted` omitted → completed todos excluded; `limit` ≤ 0 or > 500
 *   → clamped to 500; `skip` < 0 → BAD_USER_INPUT [I]; default order `position_ASC` [I]. User has
 *   `uid username firstName lastName fullName email` (no `name`), CustomField has `name` (no `title`),
 *   PageInfo has `startCursor`/`endCursor` (null here: the emulator pages by skip [I]). Rate limiting (off unless `rateLimit` is given) counts root fields per token, like
 *   `graphql-rate-limit` directives, and sends no headers [C B3].
 */
import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import {
  buildSchema,
  type DocumentNode,
  type ExecutionResult,
  execute,
  type GraphQLFormattedError,
  GraphQLError,
  getOperationAST,
  parse,
  validate,
} from 'graphql';
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

// ---- public types ---------------------------------------------------------------------------------

/** Project access levels (Blue's `UserAccessLevel`). */
export type BlueRole = 'OWNER' | 'ADMIN' | 'MEMBER' | 'CLIENT' | 'COMMENT_ONLY' | 'VIEW_ONLY';
export const COPY_TODO_OPTIONS = ['DESCRIPTION', 'DUE_DATE', 'CHECKLISTS', 'ASSIGNEES', 'TAGS', 'CUSTOM_FIELDS', 'COMMENTS'] as const;
export type CopyTodoOption = (typeof COPY_TODO_OPTIONS)[number];
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

export interface BlueTokenSeed {
  /** Must start with `pat_`. */
  readonly id: string;
  readonly secret: string;
  /** Emulator-clock ms after which the token is refused. */
  readonly expiresAt?: number;
}
export interface BlueUserSeed {
  readonly id?: string;
  readonly name: string;
  readonly email?: string;
  readonly tokens?: readonly BlueTokenSeed[];
}
export interface BlueCompanySeed {
  readonly id?: string;
  readonly slug?: string;
  readonly name: string;
}
export interface BlueProjectSeed {
  readonly id?: string;
  readonly slug?: string;
  readonly name: string;
  readonly companyId: string;
  readonly active?: boolean;
  readonly members?: Readonly<Record<string, BlueRole>>;
}
export interface BlueTagSeed {
  readonly id?: string;
  readonly projectId: string;
  readonly title: string;
  readonly color: string;
}
export interface BlueCustomFieldSeed {
  readonly id?: string;
  readonly projectId: string;
  readonly title: string;
  readonly type: string;
}
export interface BlueListSeed {
  readonly id?: string;
  readonly projectId: string;
  readonly title: string;
  readonly position?: number;
  readonly hidden?: boolean;
}
export interface BlueFile {
  readonly uid: string;
  readonly name: string;
  readonly size: number;
  readonly type: string;
  readonly extension: string;
  readonly key: string;
}
export interface BlueCommentSeed {
  readonly userId: string;
  readonly text: string;
  readonly html?: string;
  readonly createdAt?: string;
  readonly replies?: readonly BlueCommentSeed[];
}
export interface BlueTodoSeed {
  readonly id?: string;
  readonly todoListId: string;
  readonly title: string;
  readonly position?: number;
  readonly text?: string;
  readonly html?: string;
  readonly startedAt?: string;
  readonly duedAt?: string;
  readonly timezone?: string;
  readonly done?: boolean;
  readonly archived?: boolean;
  readonly createdAt?: string;
  readonly assigneeIds?: readonly string[];
  readonly tagIds?: readonly string[];
  readonly checklists?: readonly { readonly title: string; readonly items: readonly { readonly title: string; readonly done?: boolean }[] }[];
  /** FILE fields take `{ name, size, type }` objects; uid and storage key are generated. */
  readonly customFields?: readonly { readonly customFieldId: string; readonly value: Json }[];
  readonly comments?: readonly BlueCommentSeed[];
}
/** Everything `seed()` and `POST /_emulator/seed` accept, created in this order. */
export interface BlueSeed {
  readonly users?: readonly BlueUserSeed[];
  readonly companies?: readonly BlueCompanySeed[];
  readonly projects?: readonly BlueProjectSeed[];
  readonly tags?: readonly BlueTagSeed[];
  readonly customFields?: readonly BlueCustomFieldSeed[];
  readonly lists?: readonly BlueListSeed[];
  readonly todos?: readonly BlueTodoSeed[];
}

export interface BlueEmulatorOptions {
  readonly users?: readonly BlueUserSeed[];
  /** Off by default (B3: no hard limit on most operations). */
  readonly rateLimit?: { readonly max: number; readonly windowMs: number };
  /** TOO_MANY_TODOS once a target list holds this many todos; unlimited by default [U]. */
  readonly maxTodosPerList?: number;
}

/** A user as the API shows it. */
export interface BlueUserView {
  id: string;
  uid: string;
  username: string;
  firstName: string | null;
  lastName: string | null;
  fullName: string;
  email: string;
}
export interface BlueCommentView {
  id: string;
  uid: string;
  text: string;
  html: string;
  createdAt: string;
  updatedAt: string;
  user: BlueUserView;
  replies: BlueCommentView[];
}
/** A todo as `todo(id)` returns it; also what the inspection methods return (a fresh copy each time). */
export interface BlueTodoView {
  id: string;
  uid: string;
  position: number;
  title: string;
  text: string | null;
  html: string | null;
  startedAt: string | null;
  duedAt: string | null;
  timezone: string | null;
  done: boolean;
  archived: boolean;
  createdAt: string;
  updatedAt: string;
  todoList: { id: string; uid: string; title: string; position: number; project: { id: string; uid: string; slug: string; name: string } };
  users: BlueUserView[];
  tags: { id: string; uid: string; title: string; color: string }[];
  checklists: {
    id: string;
    uid: string;
    title: string;
    position: number;
    checklistItems: { id: string; uid: string; title: string; position: number; done: boolean }[];
  }[];
  customFields: { id: string; uid: string; name: string; type: string; value: Json }[];
  comments: BlueCommentView[];
}

/** Ids of the data `seedDemo()` loads (shown by the demo banner). */
export const BLUE_DEMO = {
  company: { id: 'cdemo0company', slug: 'demo-co' },
  projects: { roadmap: { id: 'cdemo0roadmap', slug: 'roadmap' }, archive: { id: 'cdemo0archive', slug: 'archive' } },
  lists: {
    roadmap: { backlog: 'cdemo0rm-backlog', doing: 'cdemo0rm-doing', done: 'cdemo0rm-done' },
    archive: { backlog: 'cdemo0ar-backlog', doing: 'cdemo0ar-doing', done: 'cdemo0ar-done' },
  },
  todos: { launchPlan: 'cdemo0todo-launch', pricingPage: 'cdemo0todo-pricing', onboarding: 'cdemo0todo-onboarding' },
  users: { admin: 'cdemo0user-ada', member: 'cdemo0user-max', contractor: 'cdemo0user-lee', owner: 'cdemo0user-olivia' },
  /** ADMIN on both projects. */
  adminToken: { id: 'pat_demo', secret: 'demo-secret' },
  /** MEMBER on both projects: may copy inside a project, not across. */
  memberToken: { id: 'pat_member', secret: 'member-secret' },
} as const;

// ---- schema and errors ----------------------------------------------------------------------------

const SCHEMA = buildSchema(/* GraphQL */ `
  scalar DateTime
  scalar JSON

  enum CopyTodoOption { DESCRIPTION DUE_DATE CHECKLISTS ASSIGNEES TAGS CUSTOM_FIELDS COMMENTS }
  input CopyTodoInput { title: String todoId: String! todoListId: String! options: [CopyTodoOption!]! }

  enum TodosSort {
    createdAt_ASC createdAt_DESC updatedAt_ASC updatedAt_DESC position_ASC position_DESC
    title_ASC title_DESC duedAt_ASC duedAt_DESC
  }
  input TodosFilter {
    companyIds: [String!]! projectIds: [String!] todoIds: [String!] todoListIds: [String!]
    todoListTitles: [String!] assigneeIds: [String!] tagIds: [String!] showCompleted: Boolean search: String
  }

  # User and CustomField as Blue documents them (List Users / List Custom Fields, upstreams.md §5.4):
  # there is no User.name and no CustomField.title; a document selecting them fails validation.
  # Nullability is not documented [I]: names a user never set are null; email is nullable (OWNER/ADMIN only).
  type User { id: ID! uid: String! username: String firstName: String lastName: String fullName: String email: String }
  type Project { id: ID! uid: String! slug: String! name: String! }
  type TodoList { id: ID! uid: String! title: String! position: Float! project: Project! }
  type Tag { id: ID! uid: String! title: String! color: String! }
  type CustomField { id: ID! uid: String! name: String! type: String! value: JSON }
  type ChecklistItem { id: ID! uid: String! title: String! position: Float! done: Boolean! }
  type Checklist { id: ID! uid: String! title: String! position: Float! checklistItems: [ChecklistItem!]! }
  type Comment { id: ID! uid: String! text: String! html: String! createdAt: DateTime! updatedAt: DateTime! user: User! replies: [Comment!]! }
  type Todo {
    id: ID! uid: String! position: Float! title: String! text: String html: String
    startedAt: DateTime duedAt: DateTime timezone: String done: Boolean! archived: Boolean!
    createdAt: DateTime! updatedAt: DateTime! todoList: TodoList! users: [User!]! tags: [Tag!]!
    checklists: [Checklist!]! customFields: [CustomField!]! comments: [Comment!]!
  }
  type PageInfo {
    totalPages: Int! totalItems: Int! page: Int! perPage: Int! hasNextPage: Boolean! hasPreviousPage: Boolean!
    startCursor: String endCursor: String
  }
  type TodosResult { items: [Todo!]! pageInfo: PageInfo! }
  type TodoQueries { todos(filter: TodosFilter!, sort: [TodosSort!], limit: Int = 20, skip: Int = 0): TodosResult! }

  type Query { todo(id: String!): Todo todoQueries: TodoQueries! }
  type Mutation { copyTodo(input: CopyTodoInput!): Boolean! }
`);

const MESSAGES = {
  UNAUTHENTICATED: 'Authentication required.',
  FORBIDDEN: 'You are not authorized.',
  COMPANY_NOT_FOUND: 'Company was not found.',
  PROJECT_NOT_FOUND: 'Project was not found.',
  TODO_NOT_FOUND: 'Todo was not found.',
  TODO_LIST_NOT_FOUND: 'Todo list was not found.',
  PROJECT_NOT_ACTIVE: 'Project is not active.',
  TODO_LIST_IS_HIDDEN: 'Todo list is hidden.',
  TOO_MANY_TODOS: 'Too many todos.',
  BAD_USER_INPUT: 'Invalid input.',
  RATE_LIMITED: 'Rate limit exceeded',
} as const;
export type BlueErrorCode = keyof typeof MESSAGES;

function blueError(code: BlueErrorCode): GraphQLError {
  return new GraphQLError(MESSAGES[code], { extensions: { code } });
}

/** Roles that may edit records (copy needs one on both sides) [C B1]. */
const EDIT_ROLES: ReadonlySet<BlueRole> = new Set(['OWNER', 'ADMIN', 'MEMBER']);
/** Roles that may copy across projects and see hidden lists. */
const MANAGER_ROLES: ReadonlySet<BlueRole> = new Set(['OWNER', 'ADMIN']);
const POSITION_STEP = 65535;
const MAX_LIMIT = 500;

// ---- internal state -------------------------------------------------------------------------------

interface User {
  id: string;
  uid: string;
  name: string;
  email: string;
}
interface Token {
  id: string;
  secret: string;
  userId: string;
  expiresAt: number | undefined;
}
interface Company {
  id: string;
  slug: string;
  name: string;
}
interface Project {
  id: string;
  uid: string;
  slug: string;
  name: string;
  companyId: string;
  active: boolean;
  members: Map<string, BlueRole>;
}
interface Tag {
  id: string;
  uid: string;
  projectId: string;
  title: string;
  color: string;
}
interface CustomField {
  id: string;
  uid: string;
  projectId: string;
  title: string;
  type: string;
}
interface TodoList {
  id: string;
  uid: string;
  projectId: string;
  title: string;
  position: number;
  hidden: boolean;
}
interface ChecklistItem {
  id: string;
  uid: string;
  title: string;
  position: number;
  done: boolean;
}
interface Checklist {
  id: string;
  uid: string;
  title: string;
  position: number;
  items: ChecklistItem[];
}
interface Comment {
  id: string;
  uid: string;
  userId: string;
  text: string;
  html: string;
  createdAt: string;
  updatedAt: string;
  replies: Comment[];
}
interface Todo {
  id: string;
  uid: string;
  todoListId: string;
  position: number;
  title: string;
  text: string | null;
  html: string | null;
  startedAt: string | null;
  duedAt: string | null;
  timezone: string | null;
  done: boolean;
  archived: boolean;
  createdAt: string;
  updatedAt: string;
  userIds: string[];
  tagIds: string[];
  checklists: Checklist[];
  customFields: { customFieldId: string; value: Json }[];
  comments: Comment[];
}
/** Where a todo lives, resolved once. */
interface Placement {
  list: TodoList;
  project: Project;
}

interface Ctx {
  readonly headers: IncomingHttpHeaders;
}
interface CopyTodoInput {
  title?: string | null;
  todoId: string;
  todoListId: string;
  options: CopyTodoOption[];
}
interface TodosArgs {
  filter: {
    companyIds: string[];
    projectIds?: string[] | null;
    todoIds?: string[] | null;
    todoListIds?: string[] | null;
    todoListTitles?: string[] | null;
    assigneeIds?: string[] | null;
    tagIds?: string[] | null;
    showCompleted?: boolean | null;
    search?: string | null;
  };
  sort?: string[] | null;
  limit: number;
  skip: number;
}

function header(ctx: Ctx, ...names: string[]): string | undefined {
  for (const name of names) {
    const v = ctx.headers[name];
    const s = Array.isArray(v) ? v[0] : v;
    if (s !== undefined && s !== '') return s;
  }
  return undefined;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function slugify(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function badRequest(message: string, status = 400, headers?: Record<string, string>): EmulatorReply {
  return { status, body: { errors: [{ message, extensions: { code: 'BAD_REQUEST' } }] }, ...(headers ? { headers } : {}) };
}

/** Blue masks errors it did not mean to expose (B2 "Production Error Safety"). */
function formatError(error: GraphQLError): GraphQLFormattedError {
  const json = error.toJSON();
  if (json.extensions?.code !== undefined) return json;
  const unexpected = error.originalError !== undefined && !(error.originalError instanceof GraphQLError);
  return { ...json, message: unexpected ? 'Internal server error.' : json.message, extensions: { ...json.extensions, code: 'INTERNAL_SERVER_ERROR' } };
}

// ---- the emulator ---------------------------------------------------------------------------------

export class BlueEmulator {
  readonly control = new EmulatorControl();
  readonly #options: BlueEmulatorOptions;
  #server: RunningServer | undefined;
  #seq = 0;
  #users = new Map<string, User>();
  #tokens = new Map<string, Token>();
  #companies = new Map<string, Company>();
  #projects = new Map<string, Project>();
  #tags = new Map<string, Tag>();
  #fields = new Map<string, CustomField>();
  #lists = new Map<string, TodoList>();
  #todos = new Map<string, Todo>();
  readonly #fieldCalls = new Map<string, number>();
  readonly #rateWindows = new Map<string, { start: number; count: number }>();
  readonly #root: Record<string, (args: unknown, ctx: Ctx) => unknown>;

  constructor(options: BlueEmulatorOptions = {}) {
    this.#options = options;
    for (const u of options.users ?? []) this.seedUser(u);
    this.#root = {
      copyTodo: (args, ctx) => this.#field('copyTodo', ctx, (user) => this.#copyTodo((args as { input: CopyTodoInput }).input, ctx, user)),
      todo: (args, ctx) => this.#field('todo', ctx, (user) => this.#todo((args as { id: string }).id, ctx, user)),
      todoQueries: (_args, ctx) => this.#field('todoQueries', ctx, (user) => ({ todos: (args: unknown) => this.#todosQuery(args as TodosArgs, user) })),
    };
  }

  // ---- seeding --------------------------------------------------------------------------------

  seedUser(seed: BlueUserSeed): BlueUserView {
    const id = seed.id ?? this.#id();
    const user: User = { id, uid: this.#uid(), name: seed.name, email: seed.email ?? `${slugify(seed.name)}@example.com` };
    this.#users.set(id, user);
    for (const t of seed.tokens ?? []) this.addToken(id, t);
    return this.#userView(id);
  }

  addToken(userId: string, token: BlueTokenSeed): void {
    this.#need(this.#users, userId, 'user');
    if (!token.id.startsWith('pat_')) throw new Error(`token id ${token.id} must start with pat_`);
    this.#tokens.set(token.id, { id: token.id, secret: token.secret, userId, expiresAt: token.expiresAt });
  }

  seedCompany(seed: BlueCompanySeed): Company {
    const company: Company = { id: seed.id ?? this.#id(), slug: seed.slug ?? slugify(seed.name), name: seed.name };
    this.#companies.set(company.id, company);
    return { ...company };
  }

  seedProject(seed: BlueProjectSeed): { id: string; slug: string } {
    this.#need(this.#companies, seed.companyId, 'company');
    const project: Project = {
      id: seed.id ?? this.#id(),
      uid: this.#uid(),
      slug: seed.slug ?? slugify(seed.name),
      name: seed.name,
      companyId: seed.companyId,
      active: seed.active ?? true,
      members: new Map(),
    };
    this.#projects.set(project.id, project);
    for (const [userId, role] of Object.entries(seed.members ?? {})) this.setMember(project.id, userId, role);
    return { id: project.id, slug: project.slug };
  }

  /** Adds a member, changes their role, or removes them (`role` null). */
  setMember(projectId: string, userId: string, role: BlueRole | null): void {
    const project = this.#need(this.#projects, projectId, 'project');
    this.#need(this.#users, userId, 'user');
    if (role === null) project.members.delete(userId);
    else project.members.set(userId, role);
  }

  setProjectActive(projectId: string, active: boolean): void {
    this.#need(this.#projects, projectId, 'project').active = active;
  }

  seedTag(seed: BlueTagSeed): Tag {
    this.#need(this.#projects, seed.projectId, 'project');
    const tag: Tag = { id: seed.id ?? this.#id(), uid: this.#uid(), projectId: seed.projectId, title: seed.title, color: seed.color };
    this.#tags.set(tag.id, tag);
    return { ...tag };
  }

  seedCustomField(seed: BlueCustomFieldSeed): CustomField {
    this.#need(this.#projects, seed.projectId, 'project');
    const field: CustomField = { id: seed.id ?? this.#id(), uid: this.#uid(), projectId: seed.projectId, title: seed.title, type: seed.type };
    this.#fields.set(field.id, field);
    return { ...field };
  }

  seedList(seed: BlueListSeed): TodoList {
    this.#need(this.#projects, seed.projectId, 'project');
    const siblings = [...this.#lists.values()].filter((l) => l.projectId === seed.projectId);
    const list: TodoList = {
      id: seed.id ?? this.#id(),
      uid: this.#uid(),
      projectId: seed.projectId,
      title: seed.title,
      hidden: seed.hidden ?? false,
      position: seed.position ?? Math.max(0, ...siblings.map((l) => l.position)) + POSITION_STEP,
    };
    this.#lists.set(list.id, list);
    return { ...list };
  }

  setListHidden(listId: string, hidden: boolean): void {
    this.#need(this.#lists, listId, 'todo list').hidden = hidden;
  }

  seedTodo(seed: BlueTodoSeed): BlueTodoView {
    const list = this.#need(this.#lists, seed.todoListId, 'todo list');
    const now = seed.createdAt ?? this.#now();
    const todo: Todo = {
      id: seed.id ?? this.#id(),
      uid: this.#uid(),
      todoListId: list.id,
      position: seed.position ?? this.#bottom(list.id),
      title: seed.title,
      text: seed.text ?? null,
      html: seed.html ?? (seed.text === undefined ? null : `<p>${escapeHtml(seed.text)}</p>`),
      startedAt: seed.startedAt ?? null,
      duedAt: seed.duedAt ?? null,
      timezone: seed.timezone ?? null,
      done: seed.done ?? false,
      archived: seed.archived ?? false,
      createdAt: now,
      updatedAt: now,
      userIds: [...(seed.assigneeIds ?? [])].map((u) => this.#need(this.#users, u, 'user').id),
      tagIds: [...(seed.tagIds ?? [])].map((t) => this.#need(this.#tags, t, 'tag').id),
      checklists: (seed.checklists ?? []).map((c, i) => ({
        id: this.#id(),
        uid: this.#uid(),
        title: c.title,
        position: (i + 1) * POSITION_STEP,
        items: c.items.map((it, j) => ({ id: this.#id(), uid: this.#uid(), title: it.title, position: (j + 1) * POSITION_STEP, done: it.done ?? false })),
      })),
      customFields: (seed.customFields ?? []).map((cf) => {
        const field = this.#need(this.#fields, cf.customFieldId, 'custom field');
        return { customFieldId: field.id, value: field.type === 'FILE' ? this.#files(cf.value) : structuredClone(cf.value) };
      }),
      comments: (seed.comments ?? []).map((c) => this.#seedComment(c, now)),
    };
    this.#todos.set(todo.id, todo);
    return this.#view(todo);
  }

  /** Seeds everything in one go (users, companies, projects, tags, custom fields, lists, todos). */
  seed(data: BlueSeed): { users: string[]; companies: string[]; projects: string[]; tags: string[]; customFields: string[]; lists: string[]; todos: string[] } {
    return {
      users: (data.users ?? []).map((s) => this.seedUser(s).id),
      companies: (data.companies ?? []).map((s) => this.seedCompany(s).id),
      projects: (data.projects ?? []).map((s) => this.seedProject(s).id),
      tags: (data.tags ?? []).map((s) => this.seedTag(s).id),
      customFields: (data.customFields ?? []).map((s) => this.seedCustomField(s).id),
      lists: (data.lists ?? []).map((s) => this.seedList(s).id),
      todos: (data.todos ?? []).map((s) => this.seedTodo(s).id),
    };
  }

  /** Forgets all data (not the call counts). */
  reset(): void {
    for (const m of [this.#users, this.#tokens, this.#companies, this.#projects, this.#tags, this.#fields, this.#lists, this.#todos, this.#rateWindows])
      m.clear();
  }

  seedDemo(): typeof BLUE_DEMO {
    const D = BLUE_DEMO;
    this.seed({
      users: [
        { id: D.users.admin, name: 'Ada Admin', email: 'ada@demo-co.example', tokens: [D.adminToken] },
        { id: D.users.member, name: 'Max Member', email: 'max@demo-co.example', tokens: [D.memberToken] },
        { id: D.users.contractor, name: 'Lee Contractor', email: 'lee@contractor.example' },
        { id: D.users.owner, name: 'Olivia Owner', email: 'olivia@demo-co.example' },
      ],
      companies: [{ id: D.company.id, slug: D.company.slug, name: 'Demo Co' }],
      projects: [
        {
          ...D.projects.roadmap,
          name: 'Product Roadmap',
          companyId: D.company.id,
          members: { [D.users.owner]: 'OWNER', [D.users.admin]: 'ADMIN', [D.users.member]: 'MEMBER', [D.users.contractor]: 'MEMBER' },
        },
        // Lee is not on Archive: ASSIGNEES drops him on a cross-project copy.
        {
          ...D.projects.archive,
          name: 'Archive',
          companyId: D.company.id,
          members: { [D.users.owner]: 'OWNER', [D.users.admin]: 'ADMIN', [D.users.member]: 'MEMBER' },
        },
      ],
      tags: [
        { id: 'cdemo0tag-rm-urgent', projectId: D.projects.roadmap.id, title: 'Urgent', color: '#e53935' },
        { id: 'cdemo0tag-rm-frontend', projectId: D.projects.roadmap.id, title: 'Frontend', color: '#1e88e5' },
        { id: 'cdemo0tag-ar-urgent', projectId: D.projects.archive.id, title: 'Urgent', color: '#e53935' },
      ],
      customFields: [
        { id: 'cdemo0cf-rm-estimate', projectId: D.projects.roadmap.id, title: 'Estimate (days)', type: 'NUMBER' },
        { id: 'cdemo0cf-rm-customer', projectId: D.projects.roadmap.id, title: 'Customer', type: 'TEXT_SINGLE' },
        { id: 'cdemo0cf-rm-spec', projectId: D.projects.roadmap.id, title: 'Spec', type: 'FILE' },
        { id: 'cdemo0cf-ar-estimate', projectId: D.projects.archive.id, title: 'Estimate (days)', type: 'NUMBER' },
        { id: 'cdemo0cf-ar-spec', projectId: D.projects.archive.id, title: 'Spec', type: 'FILE' },
      ],
      lists: (['roadmap', 'archive'] as const).flatMap((p) => [
        { id: D.lists[p].backlog, projectId: D.projects[p].id, title: 'Backlog' },
        { id: D.lists[p].doing, projectId: D.projects[p].id, title: 'Doing' },
        { id: D.lists[p].done, projectId: D.projects[p].id, title: 'Done' },
      ]),
      todos: [
        {
          id: D.todos.launchPlan,
          todoListId: D.lists.roadmap.backlog,
          title: 'Plan the v2 launch',
          text: 'Agree on scope, date and owners for the v2 launch.',
          html: '<p>Agree on <strong>scope</strong>, date and owners for the v2 launch.</p>',
          startedAt: '2025-03-03T09:00:00.000Z',
          duedAt: '2025-03-28T17:00:00.000Z',
          timezone: 'Europe/Berlin',
          assigneeIds: [D.users.admin, D.users.contractor],
          tagIds: ['cdemo0tag-rm-urgent', 'cdemo0tag-rm-frontend'],
          checklists: [{ title: 'Launch steps', items: [{ title: 'Freeze scope', done: true }, { title: 'Write release notes' }, { title: 'Brief support' }] }],
          customFields: [
            { customFieldId: 'cdemo0cf-rm-estimate', value: 8 },
            { customFieldId: 'cdemo0cf-rm-customer', value: 'Acme Corp' },
            { customFieldId: 'cdemo0cf-rm-spec', value: [{ name: 'launch-spec.pdf', size: 482133, type: 'application/pdf' }] },
          ],
          comments: [
            { userId: D.users.owner, text: 'Can we move this up a week?', replies: [{ userId: D.users.admin, text: 'Yes, if support is briefed by Friday.' }] },
          ],
        },
        {
          id: D.todos.pricingPage,
          todoListId: D.lists.roadmap.doing,
          title: 'Redesign the pricing page',
          text: 'New tiers and a comparison table.',
          duedAt: '2025-04-15T12:00:00.000Z',
          timezone: 'America/New_York',
          assigneeIds: [D.users.member, D.users.contractor],
          tagIds: ['cdemo0tag-rm-frontend'],
          checklists: [{ title: 'Design', items: [{ title: 'Wireframes', done: true }, { title: 'Copy review' }] }],
          customFields: [
            { customFieldId: 'cdemo0cf-rm-estimate', value: 5 },
            { customFieldId: 'cdemo0cf-rm-spec', value: [{ name: 'pricing-mockup.png', size: 120311, type: 'image/png' }] },
          ],
          comments: [{ userId: D.users.member, text: 'Mockups are in the Spec field.' }],
        },
        {
          id: D.todos.onboarding,
          todoListId: D.lists.roadmap.done,
          title: 'Write the onboarding guide',
          done: true,
          text: 'A first-week guide for new customers.',
          duedAt: '2025-02-10T17:00:00.000Z',
          timezone: 'UTC',
          assigneeIds: [D.users.admin],
          tagIds: ['cdemo0tag-rm-urgent'],
          checklists: [
            {
              title: 'Sections',
              items: [
                { title: 'Setup', done: true },
                { title: 'First project', done: true },
              ],
            },
          ],
          customFields: [
            { customFieldId: 'cdemo0cf-rm-customer', value: 'All' },
            {
              customFieldId: 'cdemo0cf-rm-spec',
              value: [{ name: 'onboarding.docx', size: 30522, type: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document' }],
            },
          ],
          comments: [{ userId: D.users.contractor, text: 'Published.', replies: [{ userId: D.users.owner, text: 'Thanks!' }] }],
        },
      ],
    });
    return D;
  }

  // ---- inspection -----------------------------------------------------------------------------

  /** The todos of a list, full objects, in list order (by position). */
  todosInList(listId: string): BlueTodoView[] {
    return [...this.#todos.values()]
      .filter((t) => t.todoListId === listId)
      .sort((a, b) => a.position - b.position)
      .map((t) => this.#view(t));
  }

  getTodo(id: string): BlueTodoView | undefined {
    const todo = this.#todos.get(id);
    return todo ? this.#view(todo) : undefined;
  }

  todoCount(): number {
    return this.#todos.size;
  }

  /** Times a root field (`copyTodo`, `todo`, `todoQueries`) was executed, whatever its outcome. */
  fieldCalls(field?: string): number {
    if (field !== undefined) return this.#fieldCalls.get(field) ?? 0;
    return [...this.#fieldCalls.values()].reduce((a, b) => a + b, 0);
  }

  resetFieldCalls(): void {
    this.#fieldCalls.clear();
  }

  // ---- server ---------------------------------------------------------------------------------

  async start(listen: { port?: number; host?: string } = {}): Promise<RunningServer> {
    this.#server = await startEmulatorServer(
      {
        name: 'blue-emulator',
        control: this.control,
        routes: [route('POST', /^\/graphql$/, 'graphql', (req) => this.#handle(req)), route('GET', /^\/graphql$/, 'graphql GET', (req) => this.#handle(req))],
        controlRoutes: this.#controlRoutes(),
        notFound: (req) =>
          req.path === '/graphql'
            ? badRequest('Apollo Server supports only GET/POST requests.', 405, { allow: 'GET, POST' })
            : { status: 404, body: `Cannot ${req.method} ${req.path}`, headers: { 'content-type': 'text/html; charset=utf-8' } },
      },
      listen,
    );
    return this.#server;
  }

  async close(): Promise<void> {
    await this.#server?.close();
    this.#server = undefined;
  }

  #controlRoutes(): Route[] {
    const attempt = (fn: (req: EmulatorRequest) => unknown) => controlAction(fn, 404);
    const body = (req: EmulatorRequest): Record<string, unknown> => {
      const b = jsonBody(req);
      if (!isRecord(b)) throw new Error('expected a JSON object');
      return b;
    };
    const id = (req: EmulatorRequest): string => decodeURIComponent(req.params[0] ?? '');
    /** For control actions that answer an empty object. */
    const act = (fn: (req: EmulatorRequest) => void) =>
      attempt((req) => {
        fn(req);
        return {};
      });
    return [
      route(
        'POST',
        /^\/_emulator\/seed-demo$/,
        'seed-demo',
        attempt(() => this.seedDemo()),
      ),
      route(
        'POST',
        /^\/_emulator\/seed$/,
        'seed',
        attempt((req) => this.seed(body(req) as BlueSeed)),
      ),
      route(
        'POST',
        /^\/_emulator\/reset$/,
        'reset',
        act(() => this.reset()),
      ),
      route(
        'GET',
        /^\/_emulator\/lists\/([^/]+)\/todos$/,
        'list-todos',
        attempt((req) => (this.#lists.has(id(req)) ? this.todosInList(id(req)) : undefined)),
      ),
      route(
        'PUT',
        /^\/_emulator\/lists\/([^/]+)$/,
        'update-list',
        act((req) => this.setListHidden(id(req), body(req).hidden === true)),
      ),
      route(
        'PUT',
        /^\/_emulator\/projects\/([^/]+)$/,
        'update-project',
        act((req) => this.setProjectActive(id(req), body(req).active !== false)),
      ),
      route(
        'PUT',
        /^\/_emulator\/projects\/([^/]+)\/members\/([^/]+)$/,
        'set-member',
        act((req) => {
          const role = body(req).role;
          this.setMember(id(req), decodeURIComponent(req.params[1] ?? ''), typeof role === 'string' ? (role as BlueRole) : null);
        }),
      ),
      route(
        'GET',
        /^\/_emulator\/todos\/([^/]+)$/,
        'get-todo',
        attempt((req) => this.getTodo(id(req))),
      ),
      route(
        'GET',
        /^\/_emulator\/field-calls$/,
        'field-calls',
        attempt(() => Object.fromEntries(this.#fieldCalls)),
      ),
      route(
        'DELETE',
        /^\/_emulator\/field-calls$/,
        'reset-field-calls',
        act(() => this.resetFieldCalls()),
      ),
    ];
  }

  // ---- HTTP → GraphQL (Apollo Server 4 request handling [I]) ----------------------------------

  async #handle(req: EmulatorRequest): Promise<EmulatorReply> {
    let params: Record<string, unknown>;
    if (req.method === 'GET') {
      params = { query: req.query.get('query') ?? undefined, operationName: req.query.get('operationName') ?? undefined };
      const vars = req.query.get('variables');
      if (vars !== null) {
        try {
          params.variables = JSON.parse(vars);
        } catch {
          return badRequest('`variables` in a GET request must be JSON.');
        }
      }
    } else {
      if (!String(req.headers['content-type'] ?? '').includes('application/json')) {
        return badRequest('POST body missing, invalid Content-Type, or JSON object has no keys.');
      }
      const parsed = jsonBody(req);
      if (Array.isArray(parsed)) return badRequest('Operation batching disabled.');
      if (!isRecord(parsed)) return badRequest('POST body missing, invalid Content-Type, or JSON object has no keys.');
      params = parsed;
    }
    const { query, variables, operationName } = params;
    if (query === undefined || query === null || query === '') {
      return badRequest('GraphQL operations must contain a non-empty `query` or a `persistedQuery` extension.');
    }
    if (typeof query !== 'string') return badRequest('GraphQL queries must be strings.');
    if (variables !== undefined && variables !== null && !isRecord(variables)) return badRequest('`variables` in a POST body should be provided as an object.');
    if (operationName !== undefined && operationName !== null && typeof operationName !== 'string') {
      return badRequest('`operationName` in a POST body should be provided as a string.');
    }

    let document: DocumentNode;
    try {
      document = parse(query);
    } catch (err) {
      return this.#reply(400, [err as GraphQLError], 'GRAPHQL_PARSE_FAILED');
    }
    const invalid = validate(SCHEMA, document);
    if (invalid.length > 0) return this.#reply(400, invalid, 'GRAPHQL_VALIDATION_FAILED');
    const operation = getOperationAST(document, operationName ?? undefined);
    if (!operation) {
      const message =
        typeof operationName === 'string'
          ? `Unknown operation named "${operationName}".`
          : 'Must provide operation name if query contains multiple operations.';
      return badRequest(message);
    }
    if (req.method === 'GET' && operation.operation !== 'query') {
      return badRequest('Can only perform a mutation operation from a POST request.', 405, { allow: 'POST' });
    }

    const result: ExecutionResult = await execute({
      schema: SCHEMA,
      document,
      rootValue: this.#root,
      contextValue: { headers: req.headers } satisfies Ctx,
      variableValues: isRecord(variables) ? variables : undefined,
      operationName: typeof operationName === 'string' ? operationName : undefined,
    });
    // No `data` at all means the variables could not be coerced: Apollo answers 400 BAD_USER_INPUT.
    if (!('data' in result)) return this.#reply(400, result.errors ?? [], 'BAD_USER_INPUT');
    const body: Record<string, unknown> = {};
    if (result.errors) body.errors = result.errors.map(formatError);
    body.data = result.data;
    return { status: 200, body, headers: { 'content-type': 'application/json; charset=utf-8' } };
  }

  #reply(status: number, errors: readonly GraphQLError[], code: string): EmulatorReply {
    const formatted = errors.map((e) => ({ ...e.toJSON(), extensions: { ...e.extensions, code } }));
    return { status, body: { errors: formatted }, headers: { 'content-type': 'application/json; charset=utf-8' } };
  }

  // ---- resolvers ------------------------------------------------------------------------------

  /** Every root field: count it, authenticate, rate-limit, then run. */
  #field<T>(name: string, ctx: Ctx, run: (user: User) => T): T {
    this.#fieldCalls.set(name, (this.#fieldCalls.get(name) ?? 0) + 1);
    const tokenId = header(ctx, 'x-bloo-token-id');
    const token = tokenId === undefined ? undefined : this.#tokens.get(tokenId);
    const user = token && this.#users.get(token.userId);
    const expired = token?.expiresAt !== undefined && this.control.clock.now() >= token.expiresAt;
    if (!token || !user || token.secret !== header(ctx, 'x-bloo-token-secret') || expired) throw blueError('UNAUTHENTICATED');
    this.#throttle(token.id);
    return run(user);
  }

  #throttle(key: string): void {
    const limit = this.#options.rateLimit;
    if (!limit) return;
    const now = this.control.clock.now();
    let window = this.#rateWindows.get(key);
    if (!window || now >= window.start + limit.windowMs) {
      window = { start: now, count: 0 };
      this.#rateWindows.set(key, window);
    }
    window.count += 1;
    if (window.count > limit.max) throw blueError('RATE_LIMITED');
  }

  /** Resolves the company / project headers (id or slug); the caller must belong to them. */
  #scope(ctx: Ctx, user: User, required: boolean): { company: Company | undefined; project: Project | undefined } {
    const companyRef = header(ctx, 'x-bloo-company-id', 'x-company-id');
    const projectRef = header(ctx, 'x-bloo-project-id', 'x-project-id');
    let company: Company | undefined;
    if (companyRef !== undefined || required) {
      company = [...this.#companies.values()].find((c) => c.id === companyRef || c.slug === companyRef);
      const belongs = company && [...this.#projects.values()].some((p) => p.companyId === company?.id && p.members.has(user.id));
      if (!company || !belongs) throw blueError('COMPANY_NOT_FOUND');
    }
    let project: Project | undefined;
    if (projectRef !== undefined || required) {
      project = [...this.#projects.values()].find(
        (p) => (p.id === projectRef || p.slug === projectRef) && (company === undefined || p.companyId === company.id),
      );
      if (!project?.members.has(user.id)) throw blueError('PROJECT_NOT_FOUND');
    }
    return { company, project };
  }

  #place(todo: Todo): Placement {
    const list = this.#lists.get(todo.todoListId) as TodoList;
    return { list, project: this.#projects.get(list.projectId) as Project };
  }

  /** Members see a project's todos, except those in lists hidden from their role. */
  #canSee(user: User, { list, project }: Placement): boolean {
    const role = project.members.get(user.id);
    return role !== undefined && (!list.hidden || MANAGER_ROLES.has(role));
  }

  #todo(id: string, ctx: Ctx, user: User): BlueTodoView {
    const { company } = this.#scope(ctx, user, false);
    const todo = this.#todos.get(id);
    const place = todo && this.#place(todo);
    if (!todo || !place || !this.#canSee(user, place) || (company && place.project.companyId !== company.id)) throw blueError('TODO_NOT_FOUND');
    return this.#view(todo);
  }

  #copyTodo(input: CopyTodoInput, ctx: Ctx, user: User): boolean {
    const { company } = this.#scope(ctx, user, true);
    const source = this.#todos.get(input.todoId);
    const from = source && this.#place(source);
    if (!source || !from || from.project.companyId !== company?.id || !this.#canSee(user, from)) throw blueError('TODO_NOT_FOUND');
    const list = this.#lists.get(input.todoListId);
    const toProject = list && this.#projects.get(list.projectId);
    const targetRole = toProject?.members.get(user.id);
    if (!list || !toProject || toProject.companyId !== company.id || targetRole === undefined) throw blueError('TODO_LIST_NOT_FOUND');

    const sourceRole = from.project.members.get(user.id) as BlueRole;
    const crossProject = from.project.id !== toProject.id;
    if (!EDIT_ROLES.has(sourceRole) || !EDIT_ROLES.has(targetRole)) throw blueError('FORBIDDEN');
    if (crossProject && (!MANAGER_ROLES.has(sourceRole) || !MANAGER_ROLES.has(targetRole))) throw blueError('FORBIDDEN');
    if (!from.project.active || !toProject.active) throw blueError('PROJECT_NOT_ACTIVE');
    if (list.hidden && !MANAGER_ROLES.has(targetRole)) throw blueError('TODO_LIST_IS_HIDDEN');
    const max = this.#options.maxTodosPerList;
    if (max !== undefined && [...this.#todos.values()].filter((t) => t.todoListId === list.id).length >= max) throw blueError('TOO_MANY_TODOS');

    const opts = new Set(input.options);
    const now = this.#now();
    const copy: Todo = {
      id: this.#id(),
      uid: this.#uid(),
      todoListId: list.id,
      position: this.#bottom(list.id),
      title: input.title ?? source.title,
      text: null,
      html: null,
      startedAt: null,
      duedAt: null,
      timezone: null,
      done: false,
      archived: false,
      createdAt: now,
      updatedAt: now,
      userIds: [],
      tagIds: [],
      checklists: [],
      customFields: [],
      comments: [],
    };
    if (opts.has('DESCRIPTION')) Object.assign(copy, { text: source.text, html: source.html });
    if (opts.has('DUE_DATE')) Object.assign(copy, { startedAt: source.startedAt, duedAt: source.duedAt, timezone: source.timezone });
    if (opts.has('ASSIGNEES')) copy.userIds = source.userIds.filter((u) => toProject.members.has(u));
    if (opts.has('TAGS')) copy.tagIds = source.tagIds.map((t) => (crossProject ? this.#tagIn(toProject.id, this.#tags.get(t) as Tag) : t));
    if (opts.has('CHECKLISTS')) {
      copy.checklists = source.checklists.map((c) => ({
        ...c,
        id: this.#id(),
        uid: this.#uid(),
        items: c.items.map((it) => ({ ...it, id: this.#id(), uid: this.#uid() })),
      }));
    }
    if (opts.has('CUSTOM_FIELDS')) {
      copy.customFields = source.customFields.flatMap((v) => {
        const field = this.#fields.get(v.customFieldId) as CustomField;
        const target = crossProject
          ? [...this.#fields.values()].find((f) => f.projectId === toProject.id && f.title === field.title && f.type === field.type)
          : field;
        if (!target) return [];
        return [{ customFieldId: target.id, value: target.type === 'FILE' ? this.#files(v.value) : structuredClone(v.value) }];
      });
    }
    if (opts.has('COMMENTS')) copy.comments = source.comments.map((c) => this.#cloneComment(c));
    this.#todos.set(copy.id, copy);
    return true;
  }

  #todosQuery(args: TodosArgs, user: User): { items: BlueTodoView[]; pageInfo: Record<string, number | boolean | null> } {
    const { filter, skip } = args;
    if (skip < 0) throw blueError('BAD_USER_INPUT');
    // Documented: `limit <= 0` or `> 500` is clamped to 500, silently (upstreams.md §5.4).
    const limit = args.limit <= 0 || args.limit > MAX_LIMIT ? MAX_LIMIT : args.limit;
    const companies = new Set(filter.companyIds.map((ref) => [...this.#companies.values()].find((c) => c.id === ref || c.slug === ref)?.id));
    const anyOf = (wanted: string[] | null | undefined, have: readonly string[]): boolean => !wanted || wanted.some((w) => have.includes(w));
    const search = filter.search?.toLowerCase();
    const matches = [...this.#todos.values()].filter((t) => {
      const place = this.#place(t);
      const { list, project } = place;
      return (
        this.#canSee(user, place) &&
        companies.has(project.companyId) &&
        anyOf(filter.projectIds, [project.id, project.slug]) &&
        anyOf(filter.todoIds, [t.id]) &&
        anyOf(filter.todoListIds, [list.id]) &&
        anyOf(filter.todoListTitles, [list.title]) &&
        anyOf(filter.assigneeIds, t.userIds) &&
        anyOf(filter.tagIds, t.tagIds) &&
        // Documented: `showCompleted` omitted (default false) excludes completed records.
        (filter.showCompleted === true || !t.done) &&
        (search === undefined || t.title.toLowerCase().includes(search) || (t.text ?? '').toLowerCase().includes(search))
      );
    });
    matches.sort(compareBy(args.sort?.length ? args.sort : ['position_ASC']));
    const total = matches.length;
    return {
      items: matches.slice(skip, skip + limit).map((t) => this.#view(t)),
      pageInfo: {
        totalItems: total,
        perPage: limit,
        page: limit === 0 ? 1 : Math.floor(skip / limit) + 1,
        totalPages: limit === 0 ? 0 : Math.ceil(total / limit),
        hasNextPage: skip + limit < total,
        hasPreviousPage: skip > 0,
        startCursor: null,
        endCursor: null,
      },
    };
  }

  // ---- helpers --------------------------------------------------------------------------------

  #userView(id: string): BlueUserView {
    const u = this.#users.get(id) as User;
    // Seeds give one display name: Blue's fullName is "firstName lastName" [I].
    const [first, ...rest] = u.name.split(' ');
    return { id: u.id, uid: u.uid, username: slugify(u.name), firstName: first || null, lastName: rest.join(' ') || null, fullName: u.name, email: u.email };
  }

  #view(todo: Todo): BlueTodoView {
    const { list, project } = this.#place(todo);
    const userView = (id: string): BlueUserView => this.#userView(id);
    const commentView = (c: Comment): BlueCommentView => ({
      id: c.id,
      uid: c.uid,
      text: c.text,
      html: c.html,
      createdAt: c.createdAt,
      updatedAt: c.updatedAt,
      user: userView(c.userId),
      replies: c.replies.map(commentView),
    });
    return {
      id: todo.id,
      uid: todo.uid,
      position: todo.position,
      title: todo.title,
      text: todo.text,
      html: todo.html,
      startedAt: todo.startedAt,
      duedAt: todo.duedAt,
      timezone: todo.timezone,
      done: todo.done,
      archived: todo.archived,
      createdAt: todo.createdAt,
      updatedAt: todo.updatedAt,
      todoList: {
        id: list.id,
        uid: list.uid,
        title: list.title,
        position: list.position,
        project: { id: project.id, uid: project.uid, slug: project.slug, name: project.name },
      },
      users: todo.userIds.map(userView),
      tags: todo.tagIds.map((id) => {
        const { uid, title, color } = this.#tags.get(id) as Tag;
        return { id, uid, title, color };
      }),
      checklists: todo.checklists.map((c) => ({ id: c.id, uid: c.uid, title: c.title, position: c.position, checklistItems: c.items.map((i) => ({ ...i })) })),
      customFields: todo.customFields.map((v) => {
        const { id, uid, title, type } = this.#fields.get(v.customFieldId) as CustomField;
        return { id, uid, name: title, type, value: structuredClone(v.value) };
      }),
      comments: todo.comments.map(commentView),
    };
  }

  /** The target project's tag with this title, created (same title and colour) when missing. */
  #tagIn(projectId: string, tag: Tag): string {
    const found = [...this.#tags.values()].find((t) => t.projectId === projectId && t.title.toLowerCase() === tag.title.toLowerCase());
    return found?.id ?? this.seedTag({ projectId, title: tag.title, color: tag.color }).id;
  }

  /** File values get fresh uids and storage keys: a copy never shares the stored object [C B1]. */
  #files(value: Json): Json {
    if (!Array.isArray(value)) throw new Error('a FILE custom field value must be an array of files');
    return value.map((f) => {
      if (!isRecord(f) || typeof f.name !== 'string') throw new Error('a file needs a name');
      const uid = this.#uid();
      const name = f.name;
      const file: BlueFile = {
        uid,
        name,
        size: typeof f.size === 'number' ? f.size : 0,
        type: typeof f.type === 'string' ? f.type : 'application/octet-stream',
        extension: name.includes('.') ? (name.split('.').pop() as string) : '',
        key: `files/${uid}/${name}`,
      };
      return { ...file };
    });
  }

  #seedComment(seed: BlueCommentSeed, at: string): Comment {
    this.#need(this.#users, seed.userId, 'user');
    const createdAt = seed.createdAt ?? at;
    return {
      id: this.#id(),
      uid: this.#uid(),
      userId: seed.userId,
      text: seed.text,
      html: seed.html ?? `<p>${escapeHtml(seed.text)}</p>`,
      createdAt,
      updatedAt: createdAt,
      replies: (seed.replies ?? []).map((r) => this.#seedComment(r, createdAt)),
    };
  }

  #cloneComment(c: Comment): Comment {
    return { ...c, id: this.#id(), uid: this.#uid(), replies: c.replies.map((r) => this.#cloneComment(r)) };
  }

  /** The position just below the last todo of a list (Blue's max + 65535 [C B4]). */
  #bottom(listId: string): number {
    let max = 0;
    for (const t of this.#todos.values()) if (t.todoListId === listId && t.position > max) max = t.position;
    return max + POSITION_STEP;
  }

  #need<T>(map: Map<string, T>, id: string, what: string): T {
    const v = map.get(id);
    if (v === undefined) throw new Error(`unknown ${what} ${id}`);
    return v;
  }

  /** cuid-looking ids, unique per emulator. */
  #id(): string {
    this.#seq += 1;
    return `c${this.control.clock.now().toString(36)}${this.#seq.toString(36).padStart(4, '0')}${randomBytes(4).toString('hex')}`;
  }

  #uid(): string {
    return randomBytes(10).toString('hex');
  }

  #now(): string {
    return new Date(this.control.clock.now()).toISOString();
  }
}

type SortKey = 'createdAt' | 'updatedAt' | 'position' | 'title' | 'duedAt';

/** A comparator for `[TodosSort!]`; nulls (duedAt) sort last either way, ties keep creation order. */
function compareBy(sort: readonly string[]): (a: Todo, b: Todo) => number {
  return (a, b) => {
    for (const s of sort) {
      const [key, dir] = s.split('_') as [SortKey, 'ASC' | 'DESC'];
      const x = a[key];
      const y = b[key];
      if (x === y) continue;
      if (x === null) return 1;
      if (y === null) return -1;
      const order = x < y ? -1 : 1;
      return dir === 'DESC' ? -order : order;
    }
    return 0;
  };
}
