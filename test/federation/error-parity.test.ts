/**
 * Deliberate GraphQL errors read the same on every transport: a parse error, a validation error, a
 * variable error, a missing API key and another principal's task give the same code and message over
 * HTTP, graphql-ws and graphql-sse (only unexpected failures are masked, on all three alike).
 */
import { createClient as createSseClient } from 'graphql-sse';
import { createClient as createWsClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Provider } from '../../src/core/errors.ts';
import { TaskStatus } from '../../src/tasks/model.ts';
import { ALICE, BOB, type Stack, startStack } from '../helpers/stack.ts';

let stack: Stack;
let aliceTask: string;

beforeAll(async () => {
  stack = await startStack();
  const task = await stack.app.services.tasks.create({
    owner: 'alice',
    provider: Provider.QINIU,
    credentialSource: 'config',
    change: { status: TaskStatus.SUCCEEDED },
  });
  aliceTask = task.id;
});

afterAll(async () => {
  await stack?.close();
});

interface ErrorShape {
  readonly message: string;
  readonly code: unknown;
}

const shape = (errors: readonly { message: string; extensions?: Record<string, unknown> }[]): ErrorShape[] =>
  errors.map((e) => ({ message: e.message, code: e.extensions?.['code'] }));

type Transport = 'http' | 'graphql-ws' | 'graphql-sse' | 'http-event-stream' | 'http-multipart';

/** Runs one operation to its end over a transport and returns its errors, whatever way they came. */
async function errorsOver(transport: Transport, query: string, variables: Record<string, unknown>, key: string | null): Promise<ErrorShape[]> {
  if (transport === 'http') {
    const res = await fetch(stack.app.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    return shape(((await res.json()) as { errors?: [] }).errors ?? []);
  }
  if (transport === 'http-multipart') return multipartErrors(query, variables, key);
  if (transport === 'graphql-ws') {
    const client = createWsClient({
      url: stack.app.wsUrl,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: key ? { authorization: `Bearer ${key}` } : {},
    });
    try {
      return await new Promise((resolve, reject) => {
        const errors: ErrorShape[] = [];
        client.subscribe(
          { query, variables },
          {
            next: (v) => errors.push(...shape((v.errors ?? []) as never)),
            error: (e) => (Array.isArray(e) ? resolve(shape(e)) : reject(e instanceof Error ? e : new Error(JSON.stringify(e)))),
            complete: () => resolve(errors),
          },
        );
      });
    } finally {
      await client.dispose();
    }
  }
  // graphql-sse refuses a request it cannot run with a non-2xx answer and a JSON body: read it as a client would.
  // `http-event-stream` is the same protocol on /graphql itself (how Hive Gateway subscribes to a subgraph).
  const url = transport === 'http-event-stream' ? stack.app.url : `${stack.app.url}/stream`;
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const text = await res.text();
  if (!(res.headers.get('content-type') ?? '').includes('text/event-stream')) return shape((JSON.parse(text) as { errors?: [] }).errors ?? []);
  const client = createSseClient({ url, headers: key ? { authorization: `Bearer ${key}` } : {}, retryAttempts: 0 });
  try {
    return await new Promise((resolve, reject) => {
      const errors: ErrorShape[] = [];
      client.subscribe(
        { query, variables },
        {
          next: (v) => errors.push(...shape((v.errors ?? []) as never)),
          error: (e) => reject(e instanceof Error ? e : new Error(JSON.stringify(e))),
          complete: () => resolve(errors),
        },
      );
    });
  } finally {
    client.dispose();
  }
}

/** Apollo's multipart subscription protocol, read by hand: a JSON answer, or the errors of every part. */
async function multipartErrors(query: string, variables: Record<string, unknown>, key: string | null): Promise<ErrorShape[]> {
  const res = await fetch(stack.app.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'multipart/mixed;subscriptionSpec="1.0", application/json',
      ...(key ? { authorization: `Bearer ${key}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  const text = await res.text();
  if (!(res.headers.get('content-type') ?? '').startsWith('multipart/mixed')) return shape((JSON.parse(text) as { errors?: [] }).errors ?? []);
  expect(text.endsWith('\r\n--graphql--\r\n')).toBe(true);
  const parts = text
    .split('\r\n--graphql')
    .flatMap((p) => (p.includes('\r\n\r\n') ? [JSON.parse(p.slice(p.indexOf('\r\n\r\n') + 4)) as { payload?: { errors?: [] } }] : []));
  return parts.flatMap((p) => shape(p.payload?.errors ?? []));
}

const UPDATES = 'subscription($id: ID!) { copyTaskUpdated(id: $id) { id status } }';

/** name, operation, the code, and the transport whose answer the others must match. */
const CASES: [string, () => [string, Record<string, unknown>, string | null], string, Transport][] = [
  ['a parse error', () => ['subscription { copyTaskUpdated(id: "x") { id ', {}, ALICE], 'GRAPHQL_PARSE_FAILED', 'http'],
  ['a validation error', () => ['subscription($id: ID!) { copyTaskUpdated(id: $id) { id nope } }', { id: 'x' }, ALICE], 'GRAPHQL_VALIDATION_FAILED', 'http'],
  // A query: Apollo Server coerces variables only for operations it runs over HTTP.
  ['a variable error', () => ['query($id: ID!) { copyTask(id: $id) { id } }', {}, ALICE], 'BAD_USER_INPUT', 'http'],
  ['a missing API key', () => [UPDATES, { id: aliceTask }, null], 'UNAUTHENTICATED', 'http'],
  // A subscription cannot run as a plain HTTP request: graphql-ws is the reference.
  ["another principal's task", () => [UPDATES, { id: aliceTask }, BOB], 'NOT_FOUND', 'graphql-ws'],
];

const TRANSPORTS: Transport[] = ['http', 'graphql-ws', 'graphql-sse', 'http-event-stream', 'http-multipart'];

describe.each(CASES)('%s', (_name, operation, code, reference) => {
  it(`reads the same (${code}, with its message) over HTTP, graphql-ws, graphql-sse, an event stream and multipart on /graphql`, async () => {
    const [query, variables, key] = operation();
    const expected = await errorsOver(reference, query, variables, key);
    expect(expected.map((e) => e.code)).toEqual([code]);
    expect(expected[0]?.message).not.toBe('Internal server error');
    for (const transport of TRANSPORTS.filter((t) => t !== reference && !(code === 'NOT_FOUND' && t === 'http'))) {
      expect({ transport, errors: await errorsOver(transport, query, variables, key) }).toEqual({ transport, errors: expected });
    }
  });
});

describe('a subscription sent as a plain HTTP request', () => {
  it('is refused with 400 BAD_REQUEST saying where subscriptions are served, not an internal error', async () => {
    const res = await fetch(stack.app.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ALICE}` },
      body: JSON.stringify({ query: UPDATES, variables: { id: aliceTask } }),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { errors: { message: string; extensions: Record<string, unknown> }[] };
    expect(shape(body.errors)).toEqual([{ code: 'BAD_REQUEST', message: expect.stringContaining('text/event-stream') }]);
  });
});
