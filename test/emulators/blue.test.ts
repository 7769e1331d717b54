import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BLUE_DEMO, BlueEmulator, type BlueEmulatorOptions, type BlueTodoView, COPY_TODO_OPTIONS, type CopyTodoOption } from '../../emulators/blue.ts';
import type { RunningServer } from '../../emulators/http.ts';

interface GqlError {
  message: string;
  extensions?: { code?: string };
  path?: string[];
}
interface Answer {
  status: number;
  body: { data?: Record<string, unknown> | null; errors?: GqlError[] };
}

const D = BLUE_DEMO;
const ADMIN = {
  'X-Bloo-Token-ID': D.adminToken.id,
  'X-Bloo-Token-Secret': D.adminToken.secret,
  'X-Bloo-Company-ID': D.company.slug,
  'X-Bloo-Project-ID': D.projects.roadmap.slug,
};
const MEMBER = { ...ADMIN, 'X-Bloo-Token-ID': D.memberToken.id, 'X-Bloo-Token-Secret': D.memberToken.secret };

const COPY = 'mutation CopyTodo($input: CopyTodoInput!) { copyTodo(input: $input) }';
const TODO_FIELDS = `id uid position title text html startedAt duedAt timezone done archived createdAt updatedAt
  todoList { id title project { id slug } } users { id uid username firstName lastName fullName email } tags { id title color }
  checklists { id title position checklistItems { id title position done } }
  customFields { id name type value } comments { id text user { id } replies { id text user { id } } }`;

/** Starts an emulator with the demo data; closes it after the block. */
function useEmulator(options: BlueEmulatorOptions = {}) {
  const ctx = { emu: new BlueEmulator(options), url: '' };
  let server: RunningServer;
  beforeAll(async () => {
    ctx.emu.seedDemo();
    server = await ctx.emu.start();
    ctx.url = server.url;
  });
  afterAll(() => ctx.emu.close());
  return ctx;
}

async function post(url: string, body: unknown, headers: Record<string, string> = ADMIN, contentType = 'application/json'): Promise<Answer> {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': contentType, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Answer['body'] };
}

const gql = (url: string, query: string, variables?: Record<string, unknown>, headers?: Record<string, string>) =>
  post(url, { query, ...(variables ? { variables } : {}) }, headers);

const copyTodo = (url: string, input: Record<string, unknown>, headers?: Record<string, string>) => gql(url, COPY, { input }, headers);

const codes = (a: Answer) => (a.body.errors ?? []).map((e) => e.extensions?.code);

/** The parts copyTodo's options choose between, with fresh ids, uids and storage keys stripped. */
function parts(t: BlueTodoView): Record<CopyTodoOption, unknown> {
  return {
    DESCRIPTION: { text: t.text, html: t.html },
    DUE_DATE: { startedAt: t.startedAt, duedAt: t.duedAt, timezone: t.timezone },
    CHECKLISTS: t.checklists.map((c) => ({
      title: c.title,
      position: c.position,
      items: c.checklistItems.map(({ title, position, done }) => ({ title, position, done })),
    })),
    ASSIGNEES: t.users.map((u) => u.id),
    TAGS: t.tags.map((g) => g.title),
    CUSTOM_FIELDS: t.customFields.map((f) => ({
      name: f.name,
      type: f.type,
      value: Array.isArray(f.value) ? f.value.map((file) => ({ ...(file as object), uid: 'x', key: 'x' })) : f.value,
    })),
    COMMENTS: t.comments.map(function strip(c): unknown {
      return { text: c.text, html: c.html, user: c.user.id, createdAt: c.createdAt, replies: c.replies.map(strip) };
    }),
  };
}

const BARE: Record<CopyTodoOption, unknown> = {
  DESCRIPTION: { text: null, html: null },
  DUE_DATE: { startedAt: null, duedAt: null, timezone: null },
  CHECKLISTS: [],
  ASSIGNEES: [],
  TAGS: [],
  CUSTOM_FIELDS: [],
  COMMENTS: [],
};

const last = (emu: BlueEmulator, listId: string): BlueTodoView => emu.todosInList(listId).at(-1) as BlueTodoView;

describe('copyTodo', () => {
  const ctx = useEmulator();

  it.each(COPY_TODO_OPTIONS)('copies exactly the %s part and nothing else', async (option) => {
    ctx.emu.control.clock.advance(1000);
    const source = ctx.emu.getTodo(D.todos.launchPlan) as BlueTodoView;
    const res = await copyTodo(ctx.url, { todoId: source.id, todoListId: D.lists.roadmap.doing, options: [option] });
    expect(res).toEqual({ status: 200, body: { data: { copyTodo: true } } });

    const copy = last(ctx.emu, D.lists.roadmap.doing);
    expect(copy.id).not.toBe(source.id);
    expect(copy.title).toBe(source.title);
    const got = parts(copy);
    const want = parts(source);
    for (const o of COPY_TODO_OPTIONS) expect(got[o], o).toEqual(o === option ? want[o] : BARE[o]);
    expect(want[option]).not.toEqual(BARE[option]);
  });

  it('gives copied checklists, items and comments new ids', async () => {
    await copyTodo(ctx.url, { todoId: D.todos.launchPlan, todoListId: D.lists.roadmap.doing, options: ['CHECKLISTS', 'COMMENTS'] });
    const source = ctx.emu.getTodo(D.todos.launchPlan) as BlueTodoView;
    const copy = last(ctx.emu, D.lists.roadmap.doing);
    const ids = (t: BlueTodoView) => [
      ...t.checklists.flatMap((c) => [c.id, ...c.checklistItems.map((i) => i.id)]),
      ...t.comments.flatMap((c) => [c.id, ...c.replies.map((r) => r.id)]),
    ];
    expect(ids(copy)).toHaveLength(ids(source).length);
    for (const id of ids(copy)) expect(ids(source)).not.toContain(id);
    expect(copy.comments[0]?.replies[0]?.text).toBe('Yes, if support is briefed by Friday.');
  });

  it('duplicates file attachments with new uids and storage keys', async () => {
    await copyTodo(ctx.url, { todoId: D.todos.launchPlan, todoListId: D.lists.roadmap.backlog, options: ['CUSTOM_FIELDS'] });
    const fileOf = (t: BlueTodoView) => (t.customFields.find((f) => f.type === 'FILE')?.value as { uid: string; key: string; name: string }[] | undefined)?.[0];
    const original = fileOf(ctx.emu.getTodo(D.todos.launchPlan) as BlueTodoView);
    const copied = fileOf(last(ctx.emu, D.lists.roadmap.backlog));
    expect(copied?.name).toBe('launch-spec.pdf');
    expect(copied?.uid).not.toBe(original?.uid);
    expect(copied?.key).not.toBe(original?.key);
  });

  it('makes a bare record (title and position only) when options is empty', async () => {
    const res = await copyTodo(ctx.url, { todoId: D.todos.onboarding, todoListId: D.lists.roadmap.doing, options: [] });
    expect(res.body.data).toEqual({ copyTodo: true });
    const copy = last(ctx.emu, D.lists.roadmap.doing);
    expect(parts(copy)).toEqual(BARE);
    expect(copy).toMatchObject({ title: 'Write the onboarding guide', done: false, archived: false, todoList: { id: D.lists.roadmap.doing } });
  });

  it('uses the given title instead of the source title', async () => {
    await copyTodo(ctx.url, { title: 'Launch plan (copy)', todoId: D.todos.launchPlan, todoListId: D.lists.roadmap.done, options: [] });
    expect(last(ctx.emu, D.lists.roadmap.done).title).toBe('Launch plan (copy)');
  });

  it('appends the copy at the bottom of the target list (max position + 65535)', async () => {
    const before = ctx.emu.todosInList(D.lists.roadmap.backlog);
    const max = Math.max(...before.map((t) => t.position));
    await copyTodo(ctx.url, { todoId: D.todos.pricingPage, todoListId: D.lists.roadmap.backlog, options: [] });
    const after = ctx.emu.todosInList(D.lists.roadmap.backlog);
    expect(after).toHaveLength(before.length + 1);
    expect(after.at(-1)).toMatchObject({ title: 'Redesign the pricing page', position: max + 65535 });
  });

  it('drops assignees who are not members of the target project on a cross-project copy', async () => {
    const res = await copyTodo(ctx.url, { todoId: D.todos.launchPlan, todoListId: D.lists.archive.backlog, options: ['ASSIGNEES'] });
    expect(res.body.data).toEqual({ copyTodo: true });
    const copy = last(ctx.emu, D.lists.archive.backlog);
    expect(copy.todoList.project.id).toBe(D.projects.archive.id);
    expect(copy.users.map((u) => u.id)).toEqual([D.users.admin]); // Lee is not on Archive
  });

  it("maps tags and custom fields onto the target project's own on a cross-project copy", async () => {
    await copyTodo(ctx.url, { todoId: D.todos.launchPlan, todoListId: D.lists.archive.doing, options: ['TAGS', 'CUSTOM_FIELDS'] });
    const copy = last(ctx.emu, D.lists.archive.doing);
    expect(copy.tags.map((t) => t.title)).toEqual(['Urgent', 'Frontend']);
    expect(copy.tags[0]?.id).toBe('cdemo0tag-ar-urgent');
    expect(copy.tags[1]?.id).not.toBe('cdemo0tag-rm-frontend'); // created in Archive
    // Archive has no "Customer" field, so that value is dropped.
    expect(copy.customFields.map((f) => [f.id, Array.isArray(f.value) ? 'file' : f.value])).toEqual([
      ['cdemo0cf-ar-estimate', 8],
      ['cdemo0cf-ar-spec', 'file'],
    ]);
  });

  it('lets a MEMBER copy inside a project', async () => {
    const res = await copyTodo(ctx.url, { todoId: D.todos.pricingPage, todoListId: D.lists.roadmap.done, options: ['TAGS'] }, MEMBER);
    expect(res.body).toEqual({ data: { copyTodo: true } });
  });

  it('refuses a MEMBER a cross-project copy with FORBIDDEN', async () => {
    const count = ctx.emu.todoCount();
    const res = await copyTodo(ctx.url, { todoId: D.todos.pricingPage, todoListId: D.lists.archive.backlog, options: [] }, MEMBER);
    expect(res.status).toBe(200);
    expect(res.body.data).toBeNull();
    expect(res.body.errors?.[0]).toMatchObject({ message: 'You are not authorized.', extensions: { code: 'FORBIDDEN' }, path: ['copyTodo'] });
    expect(ctx.emu.todoCount()).toBe(count);
  });

  it('refuses roles below MEMBER with FORBIDDEN', async () => {
    ctx.emu.setMember(D.projects.roadmap.id, D.users.member, 'VIEW_ONLY');
    try {
      const res = await copyTodo(ctx.url, { todoId: D.todos.pricingPage, todoListId: D.lists.roadmap.done, options: [] }, MEMBER);
      expect(codes(res)).toEqual(['FORBIDDEN']);
    } finally {
      ctx.emu.setMember(D.projects.roadmap.id, D.users.member, 'MEMBER');
    }
  });

  it('answers TODO_NOT_FOUND and TODO_LIST_NOT_FOUND for unknown ids', async () => {
    const noTodo = await copyTodo(ctx.url, { todoId: 'nope', todoListId: D.lists.roadmap.done, options: [] });
    expect(noTodo.body.errors?.[0]).toMatchObject({ message: 'Todo was not found.', extensions: { code: 'TODO_NOT_FOUND' } });
    const noList = await copyTodo(ctx.url, { todoId: D.todos.launchPlan, todoListId: 'nope', options: [] });
    expect(noList.body.errors?.[0]).toMatchObject({ message: 'Todo list was not found.', extensions: { code: 'TODO_LIST_NOT_FOUND' } });
  });

  it('answers TODO_LIST_NOT_FOUND for a list in a project the caller is not on', async () => {
    const outsider = ctx.emu.seedUser({ name: 'Out Sider', tokens: [{ id: 'pat_out', secret: 's' }] });
    ctx.emu.setMember(D.projects.roadmap.id, outsider.id, 'ADMIN');
    const res = await copyTodo(
      ctx.url,
      { todoId: D.todos.launchPlan, todoListId: D.lists.archive.done, options: [] },
      {
        ...ADMIN,
        'X-Bloo-Token-ID': 'pat_out',
        'X-Bloo-Token-Secret': 's',
      },
    );
    expect(codes(res)).toEqual(['TODO_LIST_NOT_FOUND']);
  });

  it('answers PROJECT_NOT_ACTIVE when the target project is archived', async () => {
    ctx.emu.setProjectActive(D.projects.archive.id, false);
    try {
      const res = await copyTodo(ctx.url, { todoId: D.todos.launchPlan, todoListId: D.lists.archive.done, options: [] });
      expect(res.body.errors?.[0]).toMatchObject({ message: 'Project is not active.', extensions: { code: 'PROJECT_NOT_ACTIVE' } });
    } finally {
      ctx.emu.setProjectActive(D.projects.archive.id, true);
    }
  });

  it('answers TODO_LIST_IS_HIDDEN to a MEMBER copying into a hidden list, but lets an ADMIN', async () => {
    const hidden = ctx.emu.seedList({ projectId: D.projects.roadmap.id, title: 'Secret', hidden: true });
    const asMember = await copyTodo(ctx.url, { todoId: D.todos.pricingPage, todoListId: hidden.id, options: [] }, MEMBER);
    expect(asMember.body.errors?.[0]).toMatchObject({ message: 'Todo list is hidden.', extensions: { code: 'TODO_LIST_IS_HIDDEN' } });
    const asAdmin = await copyTodo(ctx.url, { todoId: D.todos.pricingPage, todoListId: hidden.id, options: [] });
    expect(asAdmin.body.data).toEqual({ copyTodo: true });
    expect(ctx.emu.todosInList(hidden.id)).toHaveLength(1);
  });

  it('rejects an unknown option with HTTP 400 GRAPHQL_VALIDATION_FAILED', async () => {
    const res = await post(ctx.url, { query: `mutation { copyTodo(input: { todoId: "x", todoListId: "y", options: [EVERYTHING] }) }` });
    expect(res.status).toBe(400);
    expect(codes(res)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
  });

  it('rejects variables missing todoId with HTTP 400 BAD_USER_INPUT', async () => {
    const res = await copyTodo(ctx.url, { todoListId: D.lists.roadmap.done, options: [] });
    expect(res.status).toBe(400);
    expect(codes(res)).toEqual(['BAD_USER_INPUT']);
  });

  it('counts every POST /graphql and every copyTodo field', async () => {
    const calls = ctx.emu.control.calls('graphql');
    const copies = ctx.emu.fieldCalls('copyTodo');
    await copyTodo(ctx.url, { todoId: 'nope', todoListId: 'nope', options: [] });
    await post(ctx.url, { query: '{' });
    expect(ctx.emu.control.calls('graphql')).toBe(calls + 2);
    expect(ctx.emu.fieldCalls('copyTodo')).toBe(copies + 1);
  });
});

describe('authentication and scope headers', () => {
  const ctx = useEmulator();
  const query = `{ todo(id: "${D.todos.launchPlan}") { id } }`;

  it('answers UNAUTHENTICATED with HTTP 200 when the token headers are missing', async () => {
    const res = await gql(ctx.url, query, undefined, {});
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ data: { todo: null }, errors: [{ message: 'Authentication required.', extensions: { code: 'UNAUTHENTICATED' } }] });
  });

  it('answers UNAUTHENTICATED for a wrong secret', async () => {
    const res = await gql(ctx.url, query, undefined, { ...ADMIN, 'X-Bloo-Token-Secret': 'wrong' });
    expect(codes(res)).toEqual(['UNAUTHENTICATED']);
  });

  it('answers UNAUTHENTICATED once a token has expired on the emulator clock', async () => {
    ctx.emu.addToken(D.users.admin, { id: 'pat_short', secret: 'short', expiresAt: ctx.emu.control.clock.now() + 60_000 });
    const headers = { ...ADMIN, 'X-Bloo-Token-ID': 'pat_short', 'X-Bloo-Token-Secret': 'short' };
    expect((await gql(ctx.url, query, undefined, headers)).body.errors).toBeUndefined();
    ctx.emu.control.clock.advance(60_000);
    expect(codes(await gql(ctx.url, query, undefined, headers))).toEqual(['UNAUTHENTICATED']);
  });

  it('reads header names case-insensitively', async () => {
    const lower = Object.fromEntries(Object.entries(ADMIN).map(([k, v]) => [k.toLowerCase(), v]));
    const res = await gql(ctx.url, query, undefined, lower);
    expect(res.body).toEqual({ data: { todo: { id: D.todos.launchPlan } } });
  });

  it('accepts company and project by id, by slug and through the deprecated x-company-id / x-project-id', async () => {
    const input = { todoId: D.todos.pricingPage, todoListId: D.lists.roadmap.done, options: [] };
    const token = { 'X-Bloo-Token-ID': D.adminToken.id, 'X-Bloo-Token-Secret': D.adminToken.secret };
    for (const headers of [
      { ...token, 'X-Bloo-Company-ID': D.company.id, 'X-Bloo-Project-ID': D.projects.roadmap.id },
      { ...token, 'X-Bloo-Company-ID': D.company.slug, 'X-Bloo-Project-ID': D.projects.roadmap.slug },
      { ...token, 'x-company-id': D.company.slug, 'x-project-id': D.projects.roadmap.id },
    ]) {
      expect((await copyTodo(ctx.url, input, headers)).body).toEqual({ data: { copyTodo: true } });
    }
  });

  it('answers COMPANY_NOT_FOUND and PROJECT_NOT_FOUND for unknown scope headers', async () => {
    const input = { todoId: D.todos.pricingPage, todoListId: D.lists.roadmap.done, options: [] };
    const noCompany = await copyTodo(ctx.url, input, { ...ADMIN, 'X-Bloo-Company-ID': 'other-co' });
    expect(noCompany.body.errors?.[0]).toMatchObject({ message: 'Company was not found.', extensions: { code: 'COMPANY_NOT_FOUND' } });
    const noProject = await copyTodo(ctx.url, input, { ...ADMIN, 'X-Bloo-Project-ID': 'nope' });
    expect(noProject.body.errors?.[0]).toMatchObject({ message: 'Project was not found.', extensions: { code: 'PROJECT_NOT_FOUND' } });
  });

  it('requires the company and project headers for copyTodo', async () => {
    const { 'X-Bloo-Project-ID': _project, ...withoutProject } = ADMIN;
    const res = await copyTodo(ctx.url, { todoId: D.todos.pricingPage, todoListId: D.lists.roadmap.done, options: [] }, withoutProject);
    expect(codes(res)).toEqual(['PROJECT_NOT_FOUND']);
  });
});

describe('reading todos', () => {
  const ctx = useEmulator();
  const TODOS = `query Todos($filter: TodosFilter!, $sort: [TodosSort!], $limit: Int, $skip: Int) {
    todoQueries { todos(filter: $filter, sort: $sort, limit: $limit, skip: $skip) {
      items { id title position createdAt }
      pageInfo { totalPages totalItems page perPage hasNextPage hasPreviousPage } } } }`;
  type Page = { items: { id: string; title: string; position: number }[]; pageInfo: Record<string, unknown> };
  const todos = async (variables: Record<string, unknown>, headers?: Record<string, string>): Promise<Page> => {
    const res = await gql(ctx.url, TODOS, variables, headers);
    expect(res.body.errors).toBeUndefined();
    return (res.body.data?.todoQueries as { todos: Page } | undefined)?.todos as Page;
  };

  it('returns the full record from todo(id)', async () => {
    const res = await gql(ctx.url, `query($id: String!) { todo(id: $id) { ${TODO_FIELDS} } }`, { id: D.todos.launchPlan });
    const todo = res.body.data?.todo as BlueTodoView;
    expect(todo).toMatchObject({
      id: D.todos.launchPlan,
      title: 'Plan the v2 launch',
      duedAt: '2025-03-28T17:00:00.000Z',
      timezone: 'Europe/Berlin',
      todoList: { id: D.lists.roadmap.backlog, title: 'Backlog', project: { slug: 'roadmap' } },
      tags: [{ title: 'Urgent' }, { title: 'Frontend' }],
    });
    expect(todo.users.map((u) => u.id)).toEqual([D.users.admin, D.users.contractor]);
    expect(todo.checklists[0]?.checklistItems).toHaveLength(3);
    expect(todo.customFields.find((f) => f.type === 'FILE')?.value).toEqual([
      expect.objectContaining({ name: 'launch-spec.pdf', size: 482133, type: 'application/pdf', extension: 'pdf' }),
    ]);
    expect(todo.comments[0]?.replies).toHaveLength(1);
  });

  it('answers TODO_NOT_FOUND from todo(id) for an unknown id', async () => {
    const res = await gql(ctx.url, '{ todo(id: "nope") { id } }');
    expect(res.body).toMatchObject({ data: { todo: null }, errors: [{ extensions: { code: 'TODO_NOT_FOUND' } }] });
  });

  it('filters by list and sorts by position_DESC with limit 1 (the newest copy)', async () => {
    await copyTodo(ctx.url, { todoId: D.todos.launchPlan, todoListId: D.lists.archive.done, options: [] });
    const page = await todos({ filter: { companyIds: [D.company.id], todoListIds: [D.lists.archive.done] }, sort: ['position_DESC'], limit: 1 });
    expect(page.items.map((t) => t.title)).toEqual(['Plan the v2 launch']);
    expect(page.pageInfo).toEqual({ totalPages: 1, totalItems: 1, page: 1, perPage: 1, hasNextPage: false, hasPreviousPage: false });
  });

  it('pages with limit and skip', async () => {
    const filter = { companyIds: [D.company.slug], projectIds: [D.projects.roadmap.id], showCompleted: true };
    const page = await todos({ filter, sort: ['title_ASC'], limit: 2, skip: 2 });
    expect(page.items.map((t) => t.title)).toEqual(['Write the onboarding guide']);
    expect(page.pageInfo).toEqual({ totalPages: 2, totalItems: 3, page: 2, perPage: 2, hasNextPage: false, hasPreviousPage: true });
  });

  it('defaults to 20 items and clamps a limit of 0, below 0 or above 500 to 500, as documented', async () => {
    const page = await todos({ filter: { companyIds: [D.company.id] } });
    expect(page.pageInfo.perPage).toBe(20);
    for (const limit of [501, 0, -3]) {
      const clamped = await todos({ filter: { companyIds: [D.company.id], showCompleted: true }, limit });
      expect(clamped.pageInfo.perPage, String(limit)).toBe(500);
      expect(clamped.items.length).toBe(clamped.pageInfo.totalItems);
    }
  });

  it('excludes completed records unless showCompleted is true (omitted means false, as documented)', async () => {
    const base = { companyIds: [D.company.id], projectIds: [D.projects.roadmap.slug] };
    const omitted = await todos({ filter: base, limit: 500 });
    const all = await todos({ filter: { ...base, showCompleted: true }, limit: 500 });
    const done = await gql(ctx.url, `query($f: TodosFilter!) { todoQueries { todos(filter: $f, limit: 500) { items { id done } } } }`, {
      f: { ...base, showCompleted: true },
    });
    const items = (done.body.data as { todoQueries: { todos: { items: { done: boolean }[] } } }).todoQueries.todos.items;
    const doneCount = items.filter((t) => t.done).length;
    expect(doneCount).toBeGreaterThan(0);
    expect(all.items.length).toBe(omitted.items.length + doneCount);
  });

  it("accepts Blue's own CLI query shapes and refuses the fields Blue does not have", async () => {
    // Blue's CLI selects these (users and custom fields of a record).
    const cli = await gql(
      ctx.url,
      `query($id: String!) { todo(id: $id) { id title users { id uid firstName lastName fullName email } customFields { id value } } }`,
      { id: D.todos.launchPlan },
    );
    expect(cli.body.errors).toBeUndefined();
    const todo = cli.body.data?.todo as { users: Record<string, unknown>[]; customFields: Record<string, unknown>[] };
    expect(todo.users[0]).toMatchObject({ id: D.users.admin, firstName: 'Ada', lastName: 'Admin', fullName: 'Ada Admin' });
    expect(todo.customFields.length).toBeGreaterThan(0);
    const paged = await gql(
      ctx.url,
      `query($f: TodosFilter!) { todoQueries { todos(filter: $f, limit: 1) { items { id } pageInfo { startCursor endCursor hasNextPage } } } }`,
      { f: { companyIds: [D.company.id] } },
    );
    expect(paged.body.errors).toBeUndefined();
    // No User.name, no CustomField.title: real Blue fails the whole document (GRAPHQL_VALIDATION_FAILED).
    for (const wrong of ['users { id name }', 'customFields { id title }']) {
      const res = await gql(ctx.url, `query($id: String!) { todo(id: $id) { id ${wrong} } }`, { id: D.todos.launchPlan });
      expect(codes(res), wrong).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    }
  });

  it('filters by assignee, tag, list title, completion and search', async () => {
    const base = { companyIds: [D.company.id], projectIds: [D.projects.roadmap.slug] };
    const titles = async (extra: Record<string, unknown>) => (await todos({ filter: { ...base, ...extra }, sort: ['title_ASC'] })).items.map((t) => t.title);
    expect(await titles({ assigneeIds: [D.users.member] })).toEqual(['Redesign the pricing page']);
    expect(await titles({ tagIds: ['cdemo0tag-rm-urgent'], showCompleted: true })).toEqual(['Plan the v2 launch', 'Write the onboarding guide']);
    expect(await titles({ tagIds: ['cdemo0tag-rm-urgent'] })).toEqual(['Plan the v2 launch']);
    expect(await titles({ todoListTitles: ['Doing'] })).toEqual(['Redesign the pricing page']);
    expect(await titles({ showCompleted: false })).toEqual(['Plan the v2 launch', 'Redesign the pricing page']);
    expect(await titles({})).toEqual(['Plan the v2 launch', 'Redesign the pricing page']);
    expect(await titles({ search: 'ONBOARDING', showCompleted: true })).toEqual(['Write the onboarding guide']);
    expect(await titles({ todoIds: [D.todos.pricingPage] })).toEqual(['Redesign the pricing page']);
  });

  it('shows only todos the caller may see', async () => {
    const hidden = ctx.emu.seedList({ projectId: D.projects.roadmap.id, title: 'Hidden', hidden: true });
    ctx.emu.seedTodo({ todoListId: hidden.id, title: 'Board only' });
    const filter = { companyIds: [D.company.id], search: 'board only' };
    expect((await todos({ filter })).items).toHaveLength(1);
    expect((await todos({ filter }, MEMBER)).items).toHaveLength(0);
    const other = ctx.emu.seedCompany({ name: 'Other Co' });
    const project = ctx.emu.seedProject({ name: 'Theirs', companyId: other.id, members: { [D.users.owner]: 'OWNER' } });
    const list = ctx.emu.seedList({ projectId: project.id, title: 'Todo' });
    ctx.emu.seedTodo({ todoListId: list.id, title: 'Not yours' });
    expect((await todos({ filter: { companyIds: [other.id] } })).items).toHaveLength(0);
  });

  it('sorts by createdAt_DESC', async () => {
    ctx.emu.control.clock.advance(5_000);
    await copyTodo(ctx.url, { title: 'Newest', todoId: D.todos.pricingPage, todoListId: D.lists.roadmap.backlog, options: [] });
    const page = await todos({ filter: { companyIds: [D.company.id] }, sort: ['createdAt_DESC'], limit: 1 });
    expect(page.items[0]?.title).toBe('Newest');
  });

  it('counts todoQueries and todo fields separately', () => {
    expect(ctx.emu.fieldCalls('todoQueries')).toBeGreaterThan(5);
    // Two full reads and the CLI-shape read (the refused documents never run).
    expect(ctx.emu.fieldCalls('todo')).toBe(3);
  });
});

describe('HTTP surface', () => {
  const ctx = useEmulator();

  it('rejects a parse error with HTTP 400 GRAPHQL_PARSE_FAILED', async () => {
    const res = await post(ctx.url, { query: 'mutation {' });
    expect(res.status).toBe(400);
    expect(codes(res)).toEqual(['GRAPHQL_PARSE_FAILED']);
  });

  it('rejects a body without query, a non-JSON content type and a batch with HTTP 400 BAD_REQUEST', async () => {
    for (const res of [
      await post(ctx.url, {}),
      await post(ctx.url, JSON.stringify({ query: '{ __typename }' }), ADMIN, 'text/plain'),
      await post(ctx.url, [{ query: '{ __typename }' }]),
    ]) {
      expect(res.status).toBe(400);
      expect(codes(res)).toEqual(['BAD_REQUEST']);
    }
  });

  it('runs queries over GET but refuses mutations over GET with 405', async () => {
    const q = encodeURIComponent(`{ todo(id: "${D.todos.pricingPage}") { title } }`);
    const ok = await fetch(`${ctx.url}/graphql?query=${q}`, { headers: ADMIN });
    expect(await ok.json()).toEqual({ data: { todo: { title: 'Redesign the pricing page' } } });
    const m = encodeURIComponent('mutation { copyTodo(input: { todoId: "a", todoListId: "b", options: [] }) }');
    const refused = await fetch(`${ctx.url}/graphql?query=${m}`, { headers: ADMIN });
    expect(refused.status).toBe(405);
  });

  it('answers 405 to other methods on /graphql', async () => {
    const res = await fetch(`${ctx.url}/graphql`, { method: 'PUT', headers: ADMIN });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, POST');
  });
});

describe('rate limiting', () => {
  const ctx = useEmulator({ rateLimit: { max: 2, windowMs: 60_000 } });

  it('answers RATE_LIMITED with HTTP 200 and no rate-limit headers past the limit, until the window passes', async () => {
    const query = `{ todo(id: "${D.todos.launchPlan}") { id } }`;
    expect((await gql(ctx.url, query)).body.errors).toBeUndefined();
    expect((await gql(ctx.url, query)).body.errors).toBeUndefined();
    const res = await fetch(`${ctx.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...ADMIN },
      body: JSON.stringify({ query }),
    });
    expect(res.status).toBe(200);
    expect([...res.headers.keys()].filter((h) => h.includes('ratelimit') || h === 'retry-after')).toEqual([]);
    expect(await res.json()).toMatchObject({ errors: [{ message: 'Rate limit exceeded', extensions: { code: 'RATE_LIMITED' } }] });
    // Another user has their own budget.
    expect((await gql(ctx.url, query, undefined, MEMBER)).body.errors).toBeUndefined();
    ctx.emu.control.clock.advance(60_000);
    expect((await gql(ctx.url, query)).body.errors).toBeUndefined();
  });
});

describe('control routes', () => {
  const emu = new BlueEmulator();
  let url = '';
  beforeAll(async () => {
    url = (await emu.start()).url;
  });
  afterAll(() => emu.close());

  it('seeds the demo, reports list contents and field calls, and resets', async () => {
    const demo = await (await fetch(`${url}/_emulator/seed-demo`, { method: 'POST' })).json();
    expect(demo).toEqual(JSON.parse(JSON.stringify(BLUE_DEMO)));
    await copyTodo(url, { todoId: D.todos.launchPlan, todoListId: D.lists.roadmap.done, options: ['TAGS'] });
    const list = (await (await fetch(`${url}/_emulator/lists/${D.lists.roadmap.done}/todos`)).json()) as BlueTodoView[];
    expect(list.map((t) => t.title)).toEqual(['Write the onboarding guide', 'Plan the v2 launch']);
    expect(await (await fetch(`${url}/_emulator/field-calls`)).json()).toEqual({ copyTodo: 1 });
    const seeded = await (
      await fetch(`${url}/_emulator/seed`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ lists: [{ projectId: D.projects.archive.id, title: 'Later' }] }),
      })
    ).json();
    expect(seeded).toMatchObject({ lists: [expect.any(String)] });
    await fetch(`${url}/_emulator/reset`, { method: 'POST' });
    expect(emu.todoCount()).toBe(0);
  });
});
