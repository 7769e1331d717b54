/**
 * Blue (blue.cc, formerly Bloo): `copyTodo` and reading records back, over GraphQL with
 * graphql-request's `GraphQLClient`. Every request goes through `sendUpstream` (datasources/http.ts) as
 * the client's `fetch`, so Blue gets the same timeouts (AbortSignal) and the same transport mapping as
 * the REST providers: a `copyTodo` that was sent and got no answer is `OUTCOME_UNKNOWN`.
 *
 * Auth is four headers: `X-Bloo-Token-ID`, `X-Bloo-Token-Secret`, `X-Bloo-Company-ID`,
 * `X-Bloo-Project-ID`. Errors come as `errors[].extensions.code` (HTTP 200) and are mapped in one place
 * (`blueFailure`).
 *
 * Finding the copy. `copyTodo` answers only `true`: Blue gives no id of the new record. copygraph
 * identifies it like this, inside a lock per target list (copygraph's own copies into one list run one
 * after the other, so they cannot be confused with each other):
 *   1. before: read the source's title (when no new title is given) and the highest `position` in the
 *      target list;
 *   2. `copyTodo` (Blue appends the copy at the bottom of the list: max position + 65535);
 *   3. after: read the list's top `IDENTIFY_WINDOW` records by `position_DESC` and keep those above the
 *      old highest position whose title is the copy's title.
 * Exactly one such record: that is the copy. None, or more than one (someone else added a record with
 * the same title to the same list at the same moment, an automation moved or renamed the copy, more
 * than `IDENTIFY_WINDOW` records arrived at once, the read-back failed): the copy is reported as
 * succeeded but unidentified, with the reason, rather than guessed. The lock is per process: two
 * copygraph replicas copying into the same list at the same moment with the same title are seen as
 * ambiguous, not mixed up.
 */
import { ClientError, GraphQLClient } from 'graphql-request';
import { z } from 'zod';
import { type BlueCredentials, missingCredentials } from '../src/core/credentials.ts';
import { CopyErrorCode, Provider, UpstreamFailure } from '../src/core/errors.ts';
import { answerFailure, internal, type Refusal, refused, sendUpstream } from './http.ts';

export const BLUE_COPY_OPTIONS = ['DESCRIPTION', 'DUE_DATE', 'CHECKLISTS', 'ASSIGNEES', 'TAGS', 'CUSTOM_FIELDS', 'COMMENTS'] as const;
export type BlueCopyOption = (typeof BLUE_COPY_OPTIONS)[number];

/** Blue credentials with the scope `copyTodo` and the list queries need. */
export interface BlueScopedCredentials extends BlueCredentials {
  readonly companyId: string;
}

/**
 * The credentials with their company, or UNAUTHENTICATED: Blue needs the company for `copyTodo`
 * (`X-Bloo-Company-ID`) and for every list query (`TodosFilter.companyIds`), so nothing is sent without it.
 */
export function scopedBlueCredentials(creds: BlueCredentials | undefined): BlueScopedCredentials {
  if (!creds) throw missingCredentials('blue');
  if (!creds.companyId) {
    throw new UpstreamFailure({
      code: CopyErrorCode.UNAUTHENTICATED,
      provider: Provider.BLUE,
      message: 'No Blue company is configured or sent (BLUE_COMPANY_ID, x-blue-company-id); Blue needs it for copies and reads.',
      retryable: false,
    });
  }
  return { ...creds, companyId: creds.companyId };
}

export interface CopyTodoRequest {
  readonly todoId: string;
  readonly todoListId: string;
  /** Absent: the copy keeps the source's title (no `title` key on the wire). */
  readonly title?: string | undefined;
  /** Already deduplicated; may be empty (copies title and position only). */
  readonly options: readonly BlueCopyOption[];
}

export type CopyTodoOutcome =
  | { readonly identified: true; readonly todoId: string; readonly title: string }
  | { readonly identified: false; readonly todoListId: string; readonly title: string | null; readonly reason: string };

/** What a resolver holds of a `BlueTodo`: its key; every other field loads lazily. */
export interface BlueTodoRef {
  readonly id: string;
}

export interface BlueTodoDetail {
  readonly id: string;
  readonly uid: string | null;
  readonly position: number | null;
  readonly title: string;
  readonly text: string | null;
  readonly html: string | null;
  readonly startedAt: string | null;
  readonly duedAt: string | null;
  readonly timezone: string | null;
  readonly done: boolean;
  readonly archived: boolean;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly todoList: { readonly id: string; readonly title: string } | null;
  /** `name` is Blue's `fullName`. */
  readonly users: readonly { readonly id: string; readonly name: string | null; readonly email: string | null }[];
  readonly tags: readonly { readonly id: string; readonly title: string; readonly color: string | null }[];
  /** `title` is Blue's `CustomField.name` (copygraph's schema calls it title). */
  readonly customFields: readonly { readonly id: string; readonly title: string | null; readonly type: string | null; readonly value: unknown }[];
}

export interface BlueClientOptions {
  /** The GraphQL endpoint, e.g. https://api.blue.cc/graphql. */
  readonly endpoint: string;
  readonly timeoutMs: number;
}

/** How many of the newest records of the target list are read back to find the copy. */
export const IDENTIFY_WINDOW = 20;
/** Blue's `todos` returns at most 500 items a page. */
export const MAX_TODOS_PER_QUERY = 500;

// ---- documents ------------------------------------------------------------------------------------------

const COPY_TODO = /* GraphQL */ `
  mutation CopyTodo($input: CopyTodoInput!) {
    copyTodo(input: $input)
  }
`;

const BEFORE_COPY = /* GraphQL */ `
  query CopygraphBeforeCopy($companyIds: [String!]!, $todoId: String!, $todoListId: String!) {
    source: todoQueries {
      todos(filter: { companyIds: $companyIds, todoIds: [$todoId], showCompleted: true }, limit: 1) {
        items { id title }
      }
    }
    target: todoQueries {
      todos(filter: { companyIds: $companyIds, todoListIds: [$todoListId], showCompleted: true }, sort: [position_DESC], limit: 1) {
        items { id position }
      }
    }
  }
`;

const AFTER_COPY = /* GraphQL */ `
  query CopygraphAfterCopy($companyIds: [String!]!, $todoListId: String!, $limit: Int!) {
    todoQueries {
      todos(filter: { companyIds: $companyIds, todoListIds: [$todoListId], showCompleted: true }, sort: [position_DESC], limit: $limit) {
        items { id title position }
      }
    }
  }
`;

const TODOS_BY_ID = /* GraphQL */ `
  query CopygraphTodos($companyIds: [String!]!, $todoIds: [String!]!, $limit: Int!) {
    todoQueries {
      todos(filter: { companyIds: $companyIds, todoIds: $todoIds, showCompleted: true }, limit: $limit) {
        items {
          id uid position title text html startedAt duedAt timezone done archived createdAt updatedAt
          todoList { id title }
          users { id fullName email }
          tags { id title color }
          customFields { id name type value }
        }
      }
    }
  }
`;

// ---- wire format ------------------------------------------------------------------------------------------

const Items = <T extends z.ZodType>(item: T) => z.object({ todos: z.object({ items: z.array(item) }) });
const BeforeCopyData = z.object({
  source: Items(z.object({ id: z.string(), title: z.string() })),
  target: Items(z.object({ id: z.string(), position: z.number() })),
});
const AfterCopyData = z.object({ todoQueries: Items(z.object({ id: z.string(), title: z.string(), position: z.number() })) });
const CopyTodoData = z.object({ copyTodo: z.boolean() });
const nullableString = z.string().nullish();
const TodoWire = z.object({
  id: z.string(),
  uid: nullableString,
  position: z.number().nullish(),
  title: z.string(),
  text: nullableString,
  html: nullableString,
  startedAt: nullableString,
  duedAt: nullableString,
  timezone: nullableString,
  done: z.boolean(),
  archived: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
  todoList: z.object({ id: z.string(), title: z.string() }).nullish(),
  // Blue's User has no `name`: `fullName` (upstreams.md §5.4); email is null for roles below ADMIN.
  users: z.array(z.object({ id: z.string(), fullName: nullableString, email: nullableString })).nullish(),
  tags: z.array(z.object({ id: z.string(), title: z.string(), color: nullableString })).nullish(),
  // Blue's CustomField has no `title` (that is CustomFieldOption's): its name is `name`.
  customFields: z.array(z.object({ id: z.string(), name: nullableString, type: nullableString, value: z.unknown() })).nullish(),
});
const TodosByIdData = z.object({ todoQueries: Items(TodoWire) });

// ---- error mapping ------------------------------------------------------------------------------------------

/**
 * Blue's documented error codes (copy-record and error-codes pages, upstreams.md §5.3): each is a
 * refusal (nothing was copied), except INTERNAL_SERVER_ERROR (non-safe errors are masked as it: a copy
 * may have been written in part). GRAPHQL_VALIDATION_FAILED / GRAPHQL_PARSE_FAILED: Apollo refuses the
 * document before it runs [I]. Any other code after copyTodo is OUTCOME_UNKNOWN (datasources/http.ts).
 */
const CODES: Readonly<Record<string, Refusal>> = {
  TODO_NOT_FOUND: refused(CopyErrorCode.NOT_FOUND),
  TODO_LIST_NOT_FOUND: refused(CopyErrorCode.NOT_FOUND),
  PROJECT_NOT_FOUND: refused(CopyErrorCode.NOT_FOUND),
  COMPANY_NOT_FOUND: refused(CopyErrorCode.NOT_FOUND),
  PROJECT_NOT_ACTIVE: refused(CopyErrorCode.FORBIDDEN),
  TODO_LIST_IS_HIDDEN: refused(CopyErrorCode.FORBIDDEN),
  FORBIDDEN: refused(CopyErrorCode.FORBIDDEN),
  UNAUTHENTICATED: refused(CopyErrorCode.UNAUTHENTICATED),
  RATE_LIMITED: refused(CopyErrorCode.RATE_LIMITED, true),
  TOO_MANY_TODOS: refused(CopyErrorCode.LIMIT_EXCEEDED),
  BAD_USER_INPUT: refused(CopyErrorCode.BAD_USER_INPUT),
  VALIDATION_ERROR: refused(CopyErrorCode.BAD_USER_INPUT),
  GRAPHQL_VALIDATION_FAILED: refused(CopyErrorCode.UPSTREAM_ERROR),
  GRAPHQL_PARSE_FAILED: refused(CopyErrorCode.UPSTREAM_ERROR),
  INTERNAL_SERVER_ERROR: internal(true),
};

/** Statuses that refuse a request by HTTP's own meaning, when no GraphQL error says more [I]. */
const STATUSES: Readonly<Record<number, Refusal>> = {
  401: refused(CopyErrorCode.UNAUTHENTICATED),
  403: refused(CopyErrorCode.FORBIDDEN),
  429: refused(CopyErrorCode.RATE_LIMITED, true),
};

/** Maps the first GraphQL error (or, without one, the HTTP status) of a Blue answer, by the retry contract. */
export function blueFailure(status: number, errors: readonly { message?: unknown; extensions?: unknown }[] | undefined, idempotent: boolean): UpstreamFailure {
  const first = errors?.[0];
  const ext = first?.extensions;
  const upstreamCode = ext && typeof ext === 'object' && typeof (ext as { code?: unknown }).code === 'string' ? (ext as { code: string }).code : undefined;
  const upstreamMessage = typeof first?.message === 'string' ? first.message : undefined;
  const call = { provider: Provider.BLUE, idempotent };
  if (upstreamCode !== undefined) {
    return answerFailure(call, {
      documented: CODES[upstreamCode],
      status,
      message: `Blue: ${upstreamMessage ?? 'the operation failed'} (${upstreamCode}).`,
      upstreamCode,
      upstreamMessage,
    });
  }
  return answerFailure(call, {
    documented: STATUSES[status],
    status,
    message: `Blue answered HTTP ${status}${upstreamMessage ? `: ${upstreamMessage}` : ' without a GraphQL error'}.`,
    upstreamCode: String(status),
    upstreamMessage,
  });
}

function malformed(what: string): UpstreamFailure {
  return new UpstreamFailure({
    code: CopyErrorCode.UPSTREAM_ERROR,
    provider: Provider.BLUE,
    message: `Blue: the ${what} answer was not what its schema says.`,
    retryable: false,
  });
}

// ---- the client ---------------------------------------------------------------------------------------------

/** A fetch for graphql-request that sends through `sendUpstream` (timeout + transport mapping). */
function upstreamFetch(timeoutMs: number, idempotent: boolean): typeof fetch {
  return async (input, init) => {
    const headers: Record<string, string> = {};
    new Headers(init?.headers).forEach((value, name) => {
      headers[name] = value;
    });
    const res = await sendUpstream({
      provider: Provider.BLUE,
      method: init?.method === 'GET' ? 'GET' : 'POST',
      url: input instanceof Request ? input.url : String(input),
      headers,
      ...(typeof init?.body === 'string' ? { body: init.body } : {}),
      timeoutMs,
      idempotent,
    });
    const empty = res.text === '' || res.status === 204 || res.status === 304;
    // graphql-request reads only the content type (to decide whether the body is a GraphQL answer).
    const contentType = res.headers.get('content-type');
    return new Response(empty ? null : res.text, { status: res.status, headers: contentType ? { 'content-type': contentType } : {} });
  };
}

export class BlueClient {
  /** Mutations: a timeout after sending is OUTCOME_UNKNOWN. */
  readonly #mutations: GraphQLClient;
  /** Reads: safe to repeat. */
  readonly #queries: GraphQLClient;
  /** Tail of the copy chain per target list: copygraph's own copies into one list never overlap. */
  readonly #listLocks = new Map<string, Promise<unknown>>();

  constructor(readonly options: BlueClientOptions) {
    this.#mutations = new GraphQLClient(options.endpoint, { fetch: upstreamFetch(options.timeoutMs, false) });
    this.#queries = new GraphQLClient(options.endpoint, { fetch: upstreamFetch(options.timeoutMs, true) });
  }

  /** Copies a record into a list and identifies the copy (see the module comment for how, and its limits). */
  copyTodo(creds: BlueScopedCredentials, req: CopyTodoRequest): Promise<CopyTodoOutcome> {
    const lockKey = `${creds.companyId}\u0000${req.todoListId}`;
    const previous = this.#listLocks.get(lockKey) ?? Promise.resolve();
    const run = previous.catch(() => undefined).then(() => this.#copyAndIdentify(creds, req));
    const tail = run.catch(() => undefined);
    this.#listLocks.set(lockKey, tail);
    void tail.then(() => {
      if (this.#listLocks.get(lockKey) === tail) this.#listLocks.delete(lockKey);
    });
    return run;
  }

  /** Reads records by id, `MAX_TODOS_PER_QUERY` per request. One result per id, in order. */
  async todosByIds(creds: BlueScopedCredentials, ids: readonly string[]): Promise<(BlueTodoDetail | UpstreamFailure)[]> {
    const found = new Map<string, BlueTodoDetail>();
    for (let i = 0; i < ids.length; i += MAX_TODOS_PER_QUERY) {
      const chunk = [...new Set(ids.slice(i, i + MAX_TODOS_PER_QUERY))];
      const data = await this.#request(this.#queries, creds, TODOS_BY_ID, { companyIds: [creds.companyId], todoIds: chunk, limit: chunk.length }, true);
      const parsed = TodosByIdData.safeParse(data);
      if (!parsed.success) throw malformed('todos');
      for (const t of parsed.data.todoQueries.todos.items) found.set(t.id, toDetail(t));
    }
    return ids.map(
      (id) =>
        found.get(id) ??
        new UpstreamFailure({
          code: CopyErrorCode.NOT_FOUND,
          provider: Provider.BLUE,
          message: `Blue: record ${id} was not found in company ${creds.companyId} (or is not visible with these credentials).`,
          retryable: false,
        }),
    );
  }

  async #copyAndIdentify(creds: BlueScopedCredentials, req: CopyTodoRequest): Promise<CopyTodoOutcome> {
    const companyIds = [creds.companyId];
    const before = BeforeCopyData.safeParse(
      await this.#request(this.#queries, creds, BEFORE_COPY, { companyIds, todoId: req.todoId, todoListId: req.todoListId }, true),
    );
    if (!before.success) throw malformed('pre-copy read');
    const title = req.title ?? before.data.source.todos.items[0]?.title;
    const highestBefore = before.data.target.todos.items[0]?.position ?? Number.NEGATIVE_INFINITY;

    const input: Record<string, unknown> = { todoId: req.todoId, todoListId: req.todoListId, options: req.options };
    if (req.title !== undefined) input['title'] = req.title;
    const copied = CopyTodoData.safeParse(await this.#request(this.#mutations, creds, COPY_TODO, { input }, false));
    if (!copied.success) throw malformed('copyTodo');
    if (!copied.data.copyTodo) {
      throw new UpstreamFailure({
        code: CopyErrorCode.UPSTREAM_ERROR,
        provider: Provider.BLUE,
        message: 'Blue answered copyTodo with false.',
        retryable: false,
      });
    }

    const unidentified = (reason: string): CopyTodoOutcome => ({ identified: false, todoListId: req.todoListId, title: title ?? null, reason });
    if (title === undefined) return unidentified('the source record could not be read before the copy, so its title (and the copy) is unknown');
    let after: z.infer<typeof AfterCopyData>;
    try {
      const parsed = AfterCopyData.safeParse(
        await this.#request(this.#queries, creds, AFTER_COPY, { companyIds, todoListId: req.todoListId, limit: IDENTIFY_WINDOW }, true),
      );
      if (!parsed.success) throw malformed('post-copy read');
      after = parsed.data;
    } catch (err) {
      if (!(err instanceof UpstreamFailure)) throw err;
      return unidentified(`reading the target list back failed (${err.message})`);
    }
    const items = after.todoQueries.todos.items;
    const added = items.filter((t) => t.position > highestBefore);
    const matches = added.filter((t) => t.title === title);
    if (matches.length === 1) {
      const match = matches[0] as { id: string; title: string };
      return { identified: true, todoId: match.id, title: match.title };
    }
    if (matches.length > 1) {
      return unidentified(`${matches.length} records titled "${title}" were added to the list at the same time; copygraph cannot tell which one is the copy`);
    }
    return unidentified(
      added.length >= IDENTIFY_WINDOW
        ? `more than ${IDENTIFY_WINDOW} records were added to the list at the same time`
        : `no new record titled "${title}" is at the bottom of the list (an automation may have moved or renamed it)`,
    );
  }

  async #request(
    client: GraphQLClient,
    creds: BlueScopedCredentials,
    document: string,
    variables: Record<string, unknown>,
    idempotent: boolean,
  ): Promise<unknown> {
    const headers: Record<string, string> = {
      'X-Bloo-Token-ID': creds.tokenId,
      'X-Bloo-Token-Secret': creds.tokenSecret,
      'X-Bloo-Company-ID': creds.companyId,
    };
    if (creds.projectId) headers['X-Bloo-Project-ID'] = creds.projectId;
    try {
      return await client.request<unknown>({ document, variables, requestHeaders: headers });
    } catch (err) {
      if (err instanceof UpstreamFailure) throw err;
      if (err instanceof ClientError) throw blueFailure(err.response.status, err.response.errors, idempotent);
      // A 2xx answer that is not a GraphQL response.
      throw new UpstreamFailure({
        code: CopyErrorCode.UPSTREAM_ERROR,
        provider: Provider.BLUE,
        message: 'Blue answered with something that is not a GraphQL response.',
        retryable: idempotent,
      });
    }
  }
}

function toDetail(t: z.infer<typeof TodoWire>): BlueTodoDetail {
  return {
    id: t.id,
    uid: t.uid ?? null,
    position: t.position ?? null,
    title: t.title,
    text: t.text ?? null,
    html: t.html ?? null,
    startedAt: t.startedAt ?? null,
    duedAt: t.duedAt ?? null,
    timezone: t.timezone ?? null,
    done: t.done,
    archived: t.archived,
    createdAt: t.createdAt,
    updatedAt: t.updatedAt,
    todoList: t.todoList ?? null,
    users: (t.users ?? []).map((u) => ({ id: u.id, name: u.fullName ?? null, email: u.email ?? null })),
    tags: (t.tags ?? []).map((g) => ({ id: g.id, title: g.title, color: g.color ?? null })),
    customFields: (t.customFields ?? []).map((f) => ({ id: f.id, title: f.name ?? null, type: f.type ?? null, value: f.value })),
  };
}
