import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BLUE_DEMO, type BlueEmulator, type BlueTodoView } from '../emulators/blue.ts';
import { type Stack, startStack } from './helpers/stack.ts';

const D = BLUE_DEMO;
const MEMBER = { 'x-blue-token-id': D.memberToken.id, 'x-blue-token-secret': D.memberToken.secret };

const COPY = /* GraphQL */ `
  mutation Copy($input: CopyTodoInput!) {
    copyTodo(input: $input) {
      __typename
      ... on CopyTask {
        id provider status isFinal
        result {
          __typename
          ... on BlueTodo { id title }
          ... on UnidentifiedBlueTodo { todoListId copyTitle reason }
        }
      }
      ... on InvalidInputError { code message fields { path message } }
      ... on UpstreamError { code message provider upstreamCode upstreamMessage retryable }
    }
  }
`;

interface CopyAnswer {
  __typename: 'CopyTask' | 'InvalidInputError' | 'UpstreamError';
  id?: string;
  provider?: string;
  status?: string;
  isFinal?: boolean;
  result?:
    | { __typename: 'BlueTodo'; id: string; title: string }
    | { __typename: 'UnidentifiedBlueTodo'; todoListId: string; copyTitle: string | null; reason: string };
  code?: string;
  message?: string;
  fields?: { path: string; message: string }[];
  upstreamCode?: string | null;
  upstreamMessage?: string | null;
  retryable?: boolean;
}

type Option = 'DESCRIPTION' | 'DUE_DATE' | 'CHECKLISTS' | 'ASSIGNEES' | 'TAGS' | 'CUSTOM_FIELDS' | 'COMMENTS';

const comments = (t: BlueTodoView) => t.comments.map((c) => ({ text: c.text, user: c.user.id, replies: c.replies.map((r) => r.text) }));
const checklists = (t: BlueTodoView) => t.checklists.map((c) => ({ title: c.title, items: c.checklistItems.map((i) => [i.title, i.done]) }));

function copier(stack: () => Stack) {
  return async (input: Record<string, unknown>, headers?: Record<string, string>): Promise<CopyAnswer> =>
    (await stack().data<{ copyTodo: CopyAnswer }>(COPY, { input }, headers ? { headers } : {})).copyTodo;
}

/** The record the copy made: the one new record at the bottom of the list. */
function newest(emu: BlueEmulator, listId: string): BlueTodoView {
  return emu.todosInList(listId).at(-1) as BlueTodoView;
}

describe('copyTodo', () => {
  let stack: Stack;
  let emu: BlueEmulator;
  const copy = copier(() => stack);

  beforeAll(async () => {
    stack = await startStack();
    emu = stack.emulators.blue;
  });
  afterAll(async () => {
    await stack.close();
  });

  it('copies the bare record (title and position only) when no option is chosen', async () => {
    const answer = await copy({ todoId: D.todos.launchPlan, todoListId: D.lists.roadmap.doing, options: [] });
    expect(answer).toMatchObject({ __typename: 'CopyTask', provider: 'BLUE', status: 'SUCCEEDED', isFinal: true });
    const made = newest(emu, D.lists.roadmap.doing);
    expect(answer.result).toEqual({ __typename: 'BlueTodo', id: made.id, title: 'Plan the v2 launch' });
    expect(made).toMatchObject({ title: 'Plan the v2 launch', text: null, html: null, startedAt: null, duedAt: null, timezone: null, done: false });
    expect([made.users, made.tags, made.checklists, made.customFields, made.comments]).toEqual([[], [], [], [], []]);
  });

  it.each<[string, Option[]]>([
    ['description and checklists', ['DESCRIPTION', 'CHECKLISTS']],
    ['dates, assignees and comments', ['DUE_DATE', 'ASSIGNEES', 'COMMENTS']],
    ['tags and custom fields', ['TAGS', 'CUSTOM_FIELDS']],
    ['every part', ['DESCRIPTION', 'DUE_DATE', 'CHECKLISTS', 'ASSIGNEES', 'TAGS', 'CUSTOM_FIELDS', 'COMMENTS']],
  ])('copies exactly the chosen parts inside a project: %s', async (_name, options) => {
    const source = emu.getTodo(D.todos.launchPlan) as BlueTodoView;
    const answer = await copy({ todoId: D.todos.launchPlan, todoListId: D.lists.roadmap.done, options });
    const made = newest(emu, D.lists.roadmap.done);
    expect(answer.result).toMatchObject({ __typename: 'BlueTodo', id: made.id });
    const has = (o: Option) => options.includes(o);
    expect({ text: made.text, html: made.html }).toEqual(has('DESCRIPTION') ? { text: source.text, html: source.html } : { text: null, html: null });
    expect({ startedAt: made.startedAt, duedAt: made.duedAt, timezone: made.timezone }).toEqual(
      has('DUE_DATE') ? { startedAt: source.startedAt, duedAt: source.duedAt, timezone: source.timezone } : { startedAt: null, duedAt: null, timezone: null },
    );
    expect(checklists(made)).toEqual(has('CHECKLISTS') ? checklists(source) : []);
    expect(made.users.map((u) => u.id)).toEqual(has('ASSIGNEES') ? source.users.map((u) => u.id) : []);
    expect(made.tags.map((t) => t.id)).toEqual(has('TAGS') ? source.tags.map((t) => t.id) : []);
    expect(made.customFields.map((f) => f.name)).toEqual(has('CUSTOM_FIELDS') ? source.customFields.map((f) => f.name) : []);
    expect(comments(made)).toEqual(has('COMMENTS') ? comments(source) : []);
  });

  it('copies across projects as an admin: assignees outside the target project dropped, tags and fields matched by title', async () => {
    const source = emu.getTodo(D.todos.launchPlan) as BlueTodoView;
    const answer = await copy({ todoId: D.todos.launchPlan, todoListId: D.lists.archive.backlog, options: ['ASSIGNEES', 'TAGS', 'CUSTOM_FIELDS'] });
    const made = newest(emu, D.lists.archive.backlog);
    expect(answer.result).toMatchObject({ __typename: 'BlueTodo', id: made.id });
    expect(made.todoList.id).toBe(D.lists.archive.backlog);
    expect(made.users.map((u) => u.id)).toEqual([D.users.admin]);
    expect(made.tags.map((t) => t.title)).toEqual(['Urgent', 'Frontend']);
    expect(made.tags[0]?.id).toBe('cdemo0tag-ar-urgent');
    expect(made.customFields.map((f) => f.name)).toEqual(['Estimate (days)', 'Spec']);
    const specOf = (t: BlueTodoView) => (t.customFields.find((f) => f.name === 'Spec')?.value ?? []) as { uid: string; name: string }[];
    const [sourceFile] = specOf(source);
    const [copiedFile] = specOf(made);
    expect(copiedFile?.name).toBe(sourceFile?.name);
    expect(copiedFile?.uid).not.toBe(sourceFile?.uid);
    expect([made.text, made.duedAt, made.checklists, made.comments]).toEqual([null, null, [], []]);
  });

  it('treats duplicate options as one', async () => {
    await copy({ todoId: D.todos.pricingPage, todoListId: D.lists.roadmap.backlog, options: ['TAGS', 'DESCRIPTION', 'TAGS', 'DESCRIPTION'] });
    const made = newest(emu, D.lists.roadmap.backlog);
    expect(made.text).toBe('New tiers and a comparison table.');
    expect(made.tags.map((t) => t.title)).toEqual(['Frontend']);
    expect([made.users, made.checklists, made.customFields, made.comments, made.duedAt]).toEqual([[], [], [], [], null]);
  });

  it('refuses an unknown option through the schema, and sends nothing', async () => {
    const before = emu.control.calls();
    const { status, body } = await stack.gql(COPY, {
      input: { todoId: D.todos.launchPlan, todoListId: D.lists.roadmap.doing, options: ['DESCRIPTION', 'ATTACHMENTS'] },
    });
    // An application/json request error answers 200 (GraphQL over HTTP, SHOULD), the error in the body.
    expect(status).toBe(200);
    expect(body.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
    expect(body.errors?.[0]?.message).toMatch(/ATTACHMENTS/);
    expect(emu.control.calls()).toBe(before);
  });

  it('refuses empty or spaced ids, and sends nothing', async () => {
    const before = emu.control.calls();
    const answer = await copy({ todoId: '', todoListId: 'two words', options: [] });
    expect(answer).toMatchObject({ __typename: 'InvalidInputError', code: 'BAD_USER_INPUT' });
    expect(answer.fields?.map((f) => f.path).sort()).toEqual(['todoId', 'todoListId']);
    expect(emu.control.calls()).toBe(before);
  });

  it('keeps the source title when none is given, and uses the one given', async () => {
    const renamed = await copy({ todoId: D.todos.onboarding, todoListId: D.lists.roadmap.doing, title: 'Onboarding guide v2', options: ['DESCRIPTION'] });
    expect(renamed.result).toMatchObject({ __typename: 'BlueTodo', title: 'Onboarding guide v2' });
    expect(emu.getTodo((renamed.result as { id: string }).id)?.title).toBe('Onboarding guide v2');
    const kept = await copy({ todoId: D.todos.onboarding, todoListId: D.lists.roadmap.doing, title: null, options: [] });
    expect(emu.getTodo((kept.result as { id: string }).id)?.title).toBe('Write the onboarding guide');
  });

  it('lets a member copy inside a project, and refuses a member copy across projects', async () => {
    const inside = await copy({ todoId: D.todos.pricingPage, todoListId: D.lists.roadmap.backlog, options: ['TAGS'] }, MEMBER);
    expect(inside.status).toBe('SUCCEEDED');
    expect(newest(emu, D.lists.roadmap.backlog).id).toBe((inside.result as { id: string }).id);

    const before = emu.todosInList(D.lists.archive.backlog).length;
    const across = await copy({ todoId: D.todos.pricingPage, todoListId: D.lists.archive.backlog, options: ['TAGS'] }, MEMBER);
    expect(across).toMatchObject({ __typename: 'UpstreamError', code: 'FORBIDDEN', provider: 'BLUE', upstreamCode: 'FORBIDDEN', retryable: false });
    expect(emu.todosInList(D.lists.archive.backlog)).toHaveLength(before);
  });

  it.each([
    ['a missing record', { todoId: 'cnosuchtodo' }, {}, 'NOT_FOUND', 'TODO_NOT_FOUND'],
    ['a missing list', { todoListId: 'cnosuchlist' }, {}, 'NOT_FOUND', 'TODO_LIST_NOT_FOUND'],
    [
      'an unknown project header',
      {},
      { 'x-blue-token-id': 'pat_demo', 'x-blue-token-secret': 'demo-secret', 'x-blue-project-id': 'nope' },
      'NOT_FOUND',
      'PROJECT_NOT_FOUND',
    ],
    ['a wrong token secret', {}, { 'x-blue-token-id': 'pat_demo', 'x-blue-token-secret': 'wrong' }, 'UNAUTHENTICATED', 'UNAUTHENTICATED'],
  ])('maps %s to %s, keeping the upstream code', async (_name, patch, headers, code, upstreamCode) => {
    const before = emu.todoCount();
    const answer = await copy({ todoId: D.todos.launchPlan, todoListId: D.lists.roadmap.doing, options: [], ...patch }, headers);
    expect(answer).toMatchObject({ __typename: 'UpstreamError', code, provider: 'BLUE', upstreamCode, retryable: false });
    expect(answer.message).not.toContain('wrong');
    expect(emu.todoCount()).toBe(before);
  });

  it('maps RATE_LIMITED to RATE_LIMITED, retryable', async () => {
    emu.control.injectFault({
      route: 'graphql',
      status: 200,
      body: { errors: [{ message: 'Rate limit exceeded', extensions: { code: 'RATE_LIMITED' } }], data: null },
      times: 1,
    });
    const answer = await copy({ todoId: D.todos.launchPlan, todoListId: D.lists.roadmap.doing, options: [] });
    expect(answer).toMatchObject({ code: 'RATE_LIMITED', upstreamCode: 'RATE_LIMITED', upstreamMessage: 'Rate limit exceeded', retryable: true });
  });

  it('answers copyTodo with every BlueTodo field selected, read back through the documented schema', async () => {
    const ALL = /* GraphQL */ `
      mutation Copy($input: CopyTodoInput!) {
        copyTodo(input: $input) {
          __typename
          ... on CopyTask {
            status
            result {
              __typename
              ... on BlueTodo {
                id uid title position text html startedAt duedAt timezone done archived createdAt updatedAt
                todoList { id title }
                assignees { id name email }
                tags { id title color }
                customFields { id title type valueJson }
              }
            }
          }
          ... on UpstreamError { code message }
        }
      }
    `;
    const { copyTodo } = await stack.data<{ copyTodo: Record<string, any> }>(ALL, {
      input: { todoId: D.todos.launchPlan, todoListId: D.lists.roadmap.doing, options: ['DESCRIPTION', 'DUE_DATE', 'ASSIGNEES', 'TAGS', 'CUSTOM_FIELDS'] },
    });
    expect(copyTodo).toMatchObject({ __typename: 'CopyTask', status: 'SUCCEEDED', result: { __typename: 'BlueTodo', title: 'Plan the v2 launch' } });
    const made = newest(emu, D.lists.roadmap.doing);
    expect(copyTodo.result.id).toBe(made.id);
    expect(copyTodo.result.assignees).toContainEqual({ id: D.users.admin, name: 'Ada Admin', email: 'ada@demo-co.example' });
    expect(copyTodo.result.customFields).toContainEqual(expect.objectContaining({ title: 'Estimate (days)', type: 'NUMBER', valueJson: '8' }));
    expect(copyTodo.result.uid).toBe(made.uid);
  });

  it('maps PROJECT_NOT_ACTIVE (a documented refusal) to FORBIDDEN with the Blue code kept', async () => {
    emu.setProjectActive(D.projects.archive.id, false);
    try {
      const answer = await copy({ todoId: D.todos.launchPlan, todoListId: D.lists.archive.doing, options: [] });
      expect(answer).toMatchObject({ code: 'FORBIDDEN', upstreamCode: 'PROJECT_NOT_ACTIVE', upstreamMessage: 'Project is not active.', retryable: false });
    } finally {
      emu.setProjectActive(D.projects.archive.id, true);
    }
  });

  it('identifies each of several copies of one record made into one list at the same time', async () => {
    const before = new Set(emu.todosInList(D.lists.archive.doing).map((t) => t.id));
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => copy({ todoId: D.todos.launchPlan, todoListId: D.lists.archive.doing, options: ['DESCRIPTION'] })),
    );
    const made = emu
      .todosInList(D.lists.archive.doing)
      .filter((t) => !before.has(t.id))
      .map((t) => t.id);
    expect(made).toHaveLength(6);
    const ids = answers.map((a) => (a.result?.__typename === 'BlueTodo' ? a.result.id : undefined));
    expect(new Set(ids)).toEqual(new Set(made));
  });

  it('loads lazy BlueTodo fields of several records with one upstream query', async () => {
    const copies = await Promise.all([
      copy({ todoId: D.todos.launchPlan, todoListId: D.lists.roadmap.doing, options: ['DESCRIPTION', 'TAGS', 'ASSIGNEES', 'CUSTOM_FIELDS'] }),
      copy({ todoId: D.todos.pricingPage, todoListId: D.lists.roadmap.done, options: ['TAGS'] }),
      copy({ todoId: D.todos.onboarding, todoListId: D.lists.roadmap.backlog, options: ['DUE_DATE'] }),
    ]);
    const ids = copies.map((c) => (c.result as { id: string }).id);
    const FIELDS =
      'id title text html position duedAt timezone done archived createdAt updatedAt todoList { id title } assignees { id name } tags { title color } customFields { title type valueJson }';

    emu.control.resetCalls();
    emu.resetFieldCalls();
    const { copyTasks } = await stack.data<{ copyTasks: { edges: { node: { result: Record<string, unknown> } }[] } }>(
      `{ copyTasks(first: 3, filter: { provider: BLUE }) { edges { node { result { ... on BlueTodo { ${FIELDS} } } } } } }`,
    );
    expect(emu.control.calls('graphql')).toBe(1);
    expect(emu.fieldCalls('todoQueries')).toBe(1);
    const byId = new Map(copyTasks.edges.map((e) => [e.node.result['id'], e.node.result]));
    const launch = byId.get(ids[0]);
    expect(launch).toMatchObject({
      title: 'Plan the v2 launch',
      text: 'Agree on scope, date and owners for the v2 launch.',
      done: false,
      todoList: { id: D.lists.roadmap.doing, title: 'Doing' },
      tags: [{ title: 'Urgent' }, { title: 'Frontend' }],
      assignees: [{ id: D.users.admin }, { id: D.users.contractor }],
    });
    expect(launch?.['customFields']).toContainEqual({ title: 'Estimate (days)', type: 'NUMBER', valueJson: '8' });
    expect(byId.get(ids[2])).toMatchObject({ duedAt: '2025-02-10T17:00:00.000Z', timezone: 'UTC', text: null });

    // The same through federation: references resolve in one query too; an unknown id is null.
    emu.control.resetCalls();
    const { _entities } = await stack.data<{ _entities: ({ id: string; title: string } | null)[] }>(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on BlueTodo { id title tags { title } } } }`,
      { r: [...ids, 'cnosuchtodo'].map((id) => ({ __typename: 'BlueTodo', id })) },
    );
    expect(_entities.map((e) => e?.title ?? null)).toEqual(['Plan the v2 launch', 'Redesign the pricing page', 'Write the onboarding guide', null]);
    expect(emu.control.calls('graphql')).toBe(1);
  });
});

/**
 * A real HTTP proxy in front of the Blue emulator that can misbehave per operation: lose the answer
 * to a request it did forward, fail a request, or run something between forwarding and answering.
 */
class BlueProxy {
  target = '';
  lose = new Set<string>();
  fail = new Set<string>();
  between = new Map<string, () => void>();
  #server: Server | undefined;

  async start(): Promise<string> {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        void (async () => {
          const body = Buffer.concat(chunks).toString('utf8');
          const op = String((JSON.parse(body) as { operationName?: unknown }).operationName);
          if (this.fail.delete(op)) {
            res.writeHead(502, { 'content-type': 'text/plain' }).end('bad gateway');
            return;
          }
          const headers = Object.fromEntries(
            Object.entries(req.headers).filter(
              (e): e is [string, string] => typeof e[1] === 'string' && !['host', 'content-length', 'connection'].includes(e[0]),
            ),
          );
          const upstream = await fetch(this.target, { method: 'POST', headers, body });
          const text = await upstream.text();
          this.between.get(op)?.();
          this.between.delete(op);
          if (this.lose.delete(op)) {
            req.socket.destroy();
            return;
          }
          res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' }).end(text);
        })();
      });
    });
    await new Promise<void>((resolve) => this.#server?.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/graphql`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.#server?.closeAllConnections();
      this.#server?.close(() => resolve());
    });
  }
}

describe('copyTodo when the copy cannot be seen', () => {
  let stack: Stack;
  let emu: BlueEmulator;
  const proxy = new BlueProxy();
  const copy = copier(() => stack);

  beforeAll(async () => {
    const url = await proxy.start();
    stack = await startStack({ env: { BLUE_ENDPOINT: url } });
    proxy.target = stack.emulators.urls.blue;
    emu = stack.emulators.blue;
  });
  afterAll(async () => {
    await stack.close();
    await proxy.close();
  });

  it('reports a copyTodo that was sent but never answered as OUTCOME_UNKNOWN, and does not send it again', async () => {
    proxy.lose.add('CopyTodo');
    const before = emu.todosInList(D.lists.roadmap.doing).length;
    const answer = await copy({ todoId: D.todos.launchPlan, todoListId: D.lists.roadmap.doing, options: [] });
    expect(answer).toMatchObject({ __typename: 'UpstreamError', code: 'OUTCOME_UNKNOWN', provider: 'BLUE', retryable: false });
    expect(answer.message).toMatch(/may or may not have happened/);
    // It did happen, once.
    expect(emu.todosInList(D.lists.roadmap.doing)).toHaveLength(before + 1);
    expect(emu.fieldCalls('copyTodo')).toBe(1);
  });

  it('answers SUCCEEDED with an UnidentifiedBlueTodo when the list cannot be read back', async () => {
    proxy.fail.add('CopygraphAfterCopy');
    const before = emu.todosInList(D.lists.roadmap.done).length;
    const answer = await copy({ todoId: D.todos.launchPlan, todoListId: D.lists.roadmap.done, options: [] });
    expect(answer).toMatchObject({ __typename: 'CopyTask', status: 'SUCCEEDED' });
    expect(answer.result).toMatchObject({ __typename: 'UnidentifiedBlueTodo', todoListId: D.lists.roadmap.done, copyTitle: 'Plan the v2 launch' });
    expect((answer.result as { reason: string }).reason).toMatch(/reading the target list back failed/);
    expect(emu.todosInList(D.lists.roadmap.done)).toHaveLength(before + 1);
  });

  it('does not guess when someone else adds a record with the same title to the list at the same moment', async () => {
    proxy.between.set('CopyTodo', () => {
      emu.seedTodo({ todoListId: D.lists.roadmap.backlog, title: 'Plan the v2 launch' });
    });
    const answer = await copy({ todoId: D.todos.launchPlan, todoListId: D.lists.roadmap.backlog, options: ['TAGS'] });
    expect(answer).toMatchObject({ __typename: 'CopyTask', status: 'SUCCEEDED' });
    expect(answer.result).toMatchObject({ __typename: 'UnidentifiedBlueTodo', todoListId: D.lists.roadmap.backlog });
    expect((answer.result as { reason: string }).reason).toMatch(/2 records titled "Plan the v2 launch"/);
  });

  it('still identifies the copy when someone else adds a record with another title at the same moment', async () => {
    proxy.between.set('CopyTodo', () => {
      emu.seedTodo({ todoListId: D.lists.roadmap.backlog, title: 'Something else' });
    });
    const answer = await copy({ todoId: D.todos.pricingPage, todoListId: D.lists.roadmap.backlog, options: [] });
    const list = emu.todosInList(D.lists.roadmap.backlog);
    expect(list.at(-1)?.title).toBe('Something else');
    expect(answer.result).toEqual({ __typename: 'BlueTodo', id: list.at(-2)?.id, title: 'Redesign the pricing page' });
  });
});
