/**
 * Apollo Sandbox against copygraph: the landing page outside production, CORS for Sandbox's origins,
 * graphql-ws as Sandbox speaks it (a `connection_init` without payload, the API key in the payload),
 * and introspection on outside production, off in production while `_service { sdl }` still answers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Provider } from '../../src/core/errors.ts';
import { TaskStatus } from '../../src/tasks/model.ts';
import { ALICE, type Stack, startStack } from '../helpers/stack.ts';

let stack: Stack;
let production: Stack;

beforeAll(async () => {
  [stack, production] = await Promise.all([startStack(), startStack({ env: { NODE_ENV: 'production' } })]);
});

afterAll(async () => {
  await stack?.close();
  await production?.close();
});

function preflight(url: string, origin: string): Promise<Response> {
  return fetch(url, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, authorization' },
  });
}

/** A raw graphql-transport-ws socket: every message it receives, in order, and how it closed. */
class RawSocket {
  readonly messages: { type: string; id?: string; payload?: any }[] = [];
  closed: { code: number; reason: string } | undefined;
  readonly #ws: WebSocket;
  readonly #waiters: (() => void)[] = [];

  constructor(url: string) {
    this.#ws = new WebSocket(url, 'graphql-transport-ws');
    this.#ws.on('message', (data: Buffer) => {
      this.messages.push(JSON.parse(data.toString('utf8')));
      for (const w of this.#waiters.splice(0)) w();
    });
    this.#ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString('utf8') };
      for (const w of this.#waiters.splice(0)) w();
    });
  }

  async open(): Promise<void> {
    if (this.#ws.readyState === WebSocket.OPEN) return;
    await new Promise<void>((resolve, reject) => {
      this.#ws.once('open', () => resolve());
      this.#ws.once('error', reject);
    });
  }

  send(message: Record<string, unknown>): void {
    this.#ws.send(JSON.stringify(message));
  }

  /** Waits until a message matches (or the socket closes). */
  async until(match: (m: { type: string; id?: string; payload?: any }) => boolean): Promise<{ type: string; id?: string; payload?: any } | undefined> {
    for (;;) {
      const found = this.messages.find(match);
      if (found || this.closed) return found;
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  async untilClosed(): Promise<{ code: number; reason: string }> {
    while (!this.closed) await new Promise<void>((resolve) => this.#waiters.push(resolve));
    return this.closed;
  }

  get isOpen(): boolean {
    return this.#ws.readyState === WebSocket.OPEN;
  }

  close(): void {
    this.#ws.close();
  }
}

const SUB = 'subscription($id: ID!) { copyTaskUpdated(id: $id) { id status } }';

async function finishedTask(s: Stack) {
  return s.app.services.tasks.create({ owner: 'alice', provider: Provider.QINIU, credentialSource: 'config', change: { status: TaskStatus.SUCCEEDED } });
}

describe('Sandbox landing page', () => {
  it('serves Sandbox at GET /graphql for browsers outside production, pointed at this endpoint', async () => {
    const res = await fetch(stack.app.url, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    const html = await res.text();
    expect(html).toContain('https://embeddable-sandbox.cdn.apollographql.com');
    // The page is served at /graphql and takes its endpoint from its own address, not editable.
    expect(html).toContain('initialEndpoint = window.location.href');
    expect(html).toContain('"endpointIsEditable":false');
    expect(new URL(stack.app.url).pathname).toBe('/graphql');
  });

  it('serves no landing page in production', async () => {
    const res = await fetch(production.app.url, { headers: { accept: 'text/html' } });
    expect(res.headers.get('content-type')).not.toContain('text/html');
  });
});

describe('CORS', () => {
  it.each(['https://studio.apollographql.com', 'https://sandbox.embed.apollographql.com'])('allows a preflight from %s', async (origin) => {
    const res = await preflight(stack.app.url, origin);
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(origin);
    expect(res.headers.get('access-control-allow-methods')).toContain('POST');
    expect(res.headers.get('access-control-allow-headers')).toContain('authorization');
  });

  it('refuses a preflight from an unknown origin', async () => {
    const res = await preflight(stack.app.url, 'https://evil.example');
    expect(res.status).toBe(403);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('lets Sandbox run an operation cross-origin with the allow-origin header', async () => {
    const res = await fetch(stack.app.url, {
      method: 'POST',
      headers: { origin: 'https://studio.apollographql.com', 'content-type': 'application/json', authorization: `Bearer ${ALICE}` },
      body: JSON.stringify({ query: '{ copyTasks(first: 1) { pageInfo { hasNextPage } } }' }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('https://studio.apollographql.com');
  });

  it("refuses Sandbox's origins in production unless configured", async () => {
    const res = await preflight(production.app.url, 'https://studio.apollographql.com');
    expect(res.status).toBe(403);
  });
});

describe('graphql-ws as Sandbox speaks it', () => {
  it('accepts a connection_init without payload, answers a subscription with UNAUTHENTICATED and keeps the socket open', async () => {
    const socket = new RawSocket(stack.app.wsUrl);
    await socket.open();
    socket.send({ type: 'connection_init' });
    expect(await socket.until((m) => m.type === 'connection_ack')).toBeDefined();
    socket.send({ type: 'subscribe', id: 'a', payload: { query: SUB, variables: { id: 'x' } } });
    const error = await socket.until((m) => m.id === 'a');
    expect(error?.type).toBe('error');
    expect(error?.payload[0].extensions.code).toBe('UNAUTHENTICATED');
    // Still usable: the protocol's ping is answered.
    socket.send({ type: 'ping' });
    expect(await socket.until((m) => m.type === 'pong')).toBeDefined();
    expect(socket.isOpen).toBe(true);
    socket.close();
  });

  it('closes with 4429 on a second connection_init, as graphql-transport-ws requires', async () => {
    const socket = new RawSocket(stack.app.wsUrl);
    await socket.open();
    socket.send({ type: 'connection_init' });
    await socket.until((m) => m.type === 'connection_ack');
    socket.send({ type: 'connection_init', payload: { authorization: `Bearer ${ALICE}` } });
    expect((await socket.untilClosed()).code).toBe(4429);
  });

  it.each([
    ['authorization', { authorization: `Bearer ${ALICE}` }],
    ['Authorization (any case)', { Authorization: `Bearer ${ALICE}` }],
    ['apiKey', { apiKey: ALICE }],
    ['nested headers', { headers: { Authorization: `Bearer ${ALICE}` } }],
  ])('takes the API key from the connection_init payload as %s', async (_name, payload) => {
    const task = await finishedTask(stack);
    const socket = new RawSocket(stack.app.wsUrl);
    await socket.open();
    socket.send({ type: 'connection_init', payload });
    await socket.until((m) => m.type === 'connection_ack');
    socket.send({ type: 'subscribe', id: 's', payload: { query: SUB, variables: { id: task.id } } });
    await socket.until((m) => m.id === 's' && m.type === 'complete');
    expect(socket.messages.filter((m) => m.id === 's')).toEqual([
      { type: 'next', id: 's', payload: { data: { copyTaskUpdated: { id: task.id, status: 'SUCCEEDED' } } } },
      { type: 'complete', id: 's' },
    ]);
    socket.close();
  });
});

describe('introspection', () => {
  const INTROSPECT = '{ __schema { queryType { name } } }';

  it('is on outside production', async () => {
    const { body } = await stack.gql(INTROSPECT);
    expect(body.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
  });

  it('is off in production, while _service { sdl } still answers for gateways', async () => {
    const introspection = await production.gql(INTROSPECT);
    expect(introspection.body.errors?.[0]?.extensions?.['code']).toBe('GRAPHQL_VALIDATION_FAILED');
    const service = await production.gql<{ _service: { sdl: string } }>('{ _service { sdl } }');
    expect(service.body.errors).toBeUndefined();
    expect(service.body.data?._service.sdl).toMatch(/type CopyTask\s+implements Node\s+@key\(fields: "id"\)/);
  });
});
