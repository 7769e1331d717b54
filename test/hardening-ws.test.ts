/**
 * WebSocket bounds: a maximum message size, a connection_init deadline, nothing done for an
 * unauthenticated socket but refusing it, caps on subscriptions per socket and per key, and a bad
 * document that ends only its own subscription. Raw graphql-transport-ws sockets against the real app.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Provider } from '../src/core/errors.ts';
import { TaskStatus } from '../src/tasks/model.ts';
import { ALICE, eventually, type Stack, startStack } from './helpers/stack.ts';

interface Message {
  type: string;
  id?: string;
  payload?: any;
}

class Socket {
  readonly messages: Message[] = [];
  closed: { code: number } | undefined;
  readonly ws: WebSocket;
  constructor(url: string) {
    this.ws = new WebSocket(url, 'graphql-transport-ws');
    this.ws.on('message', (d: Buffer) => this.messages.push(JSON.parse(d.toString('utf8')) as Message));
    this.ws.on('close', (code) => {
      this.closed = { code };
    });
    this.ws.on('error', () => undefined);
  }
  async open(): Promise<void> {
    if (this.ws.readyState === WebSocket.OPEN) return;
    await new Promise<void>((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
    });
  }
  send(m: unknown): void {
    this.ws.send(typeof m === 'string' ? m : JSON.stringify(m));
  }
  async init(key: string | null = ALICE): Promise<void> {
    await this.open();
    this.send({ type: 'connection_init', payload: key ? { authorization: `Bearer ${key}` } : {} });
    await eventually(() => (this.messages.some((m) => m.type === 'connection_ack') ? true : undefined));
  }
  of(id: string): Message[] {
    return this.messages.filter((m) => m.id === id);
  }
  close(): void {
    this.ws.close();
  }
}

const SUBSCRIPTION = 'subscription($id: ID!) { copyTaskUpdated(id: $id) { id status } }';

let stack: Stack;
const sockets: Socket[] = [];
const socket = () => {
  const s = new Socket(stack.app.wsUrl);
  sockets.push(s);
  return s;
};
const runningTask = async () =>
  (
    await stack.app.services.tasks.create({
      owner: 'alice',
      provider: Provider.COZE,
      credentialSource: 'config',
      change: { status: TaskStatus.RUNNING, upstreamTaskId: `up-${randomUUID()}` },
    })
  ).id;

beforeAll(async () => {
  stack = await startStack({
    env: {
      COPYGRAPH_WS_MAX_PAYLOAD_BYTES: '65536',
      COPYGRAPH_WS_INIT_TIMEOUT_MS: '300',
      COPYGRAPH_WS_MAX_SUBSCRIPTIONS_PER_SOCKET: '2',
      COPYGRAPH_WS_MAX_SUBSCRIPTIONS_PER_KEY: '3',
    },
  });
});
afterAll(async () => {
  for (const s of sockets) s.close();
  await stack?.close();
});

describe('WebSocket limits', () => {
  it('closes a socket whose message is larger than the limit (1009), before using it', async () => {
    const s = socket();
    await s.open();
    s.send({ type: 'connection_init', payload: { authorization: `Bearer ${ALICE}`, filler: 'x'.repeat(200_000) } });
    await eventually(() => s.closed);
    expect(s.closed?.code).toBe(1009);
    expect(s.messages).toEqual([]);
  });

  it('closes a socket that does not send connection_init in time (4408)', async () => {
    const s = socket();
    await s.open();
    await eventually(() => s.closed, 5_000);
    expect(s.closed?.code).toBe(4408);
  });

  it('answers an unauthenticated socket with its refusal only: even a broken document is not parsed', async () => {
    const s = socket();
    await s.init(null);
    s.send({ type: 'subscribe', id: 'x', payload: { query: 'subscription { copyTaskUpdated(' } });
    await eventually(() => (s.of('x').length > 0 ? true : undefined));
    expect(s.of('x')[0]).toMatchObject({ type: 'error', payload: [{ extensions: { code: 'UNAUTHENTICATED' } }] });
    s.close();
  });

  it('ends only the subscription with a syntax error; the socket and its other subscriptions go on', async () => {
    const s = socket();
    await s.init();
    const good = await runningTask();
    s.send({ type: 'subscribe', id: 'good', payload: { query: SUBSCRIPTION, variables: { id: good } } });
    s.send({ type: 'subscribe', id: 'bad', payload: { query: 'subscription { copyTaskUpdated(' } });
    // Not a GraphQL request at all: graphql-ws would close the socket (4400) for these.
    s.send({ type: 'subscribe', id: 'not-a-string', payload: { query: 42 } });
    s.send({ type: 'subscribe', id: 'bad-variables', payload: { query: SUBSCRIPTION, variables: 'x' } });
    await eventually(() => (['bad', 'not-a-string', 'bad-variables'].every((id) => s.of(id).length > 0) ? true : undefined));
    expect(s.of('bad')[0]).toMatchObject({ type: 'error', payload: [{ extensions: { code: 'GRAPHQL_PARSE_FAILED' } }] });
    expect(s.of('not-a-string')[0]).toMatchObject({ type: 'error', payload: [{ extensions: { code: 'BAD_REQUEST' } }] });
    expect(s.of('bad-variables')[0]).toMatchObject({ type: 'error', payload: [{ extensions: { code: 'BAD_REQUEST' } }] });
    expect(s.closed).toBeUndefined();
    await eventually(() => (s.of('good').some((m) => m.type === 'next') ? true : undefined));
    const task = await stack.app.services.tasks.get(good, 'alice');
    if (task) await stack.app.services.tasks.change(task, { status: TaskStatus.SUCCEEDED });
    await eventually(() => (s.of('good').some((m) => m.type === 'complete') ? true : undefined));
    expect(s.closed).toBeUndefined();
    s.close();
  });

  it('caps subscriptions per socket and per key with LIMIT_EXCEEDED, without closing the socket', async () => {
    await eventually(() => (sockets.every((x) => x.closed) ? true : undefined));
    // Nothing of alice's is live any more: the caps below start from zero.
    const a = socket();
    await a.init();
    for (const id of ['1', '2', '3']) a.send({ type: 'subscribe', id, payload: { query: SUBSCRIPTION, variables: { id: await runningTask() } } });
    await eventually(() => (a.of('3').length > 0 && a.of('1').length > 0 && a.of('2').length > 0 ? true : undefined));
    expect(a.of('3')[0]).toMatchObject({ type: 'error', payload: [{ extensions: { code: 'LIMIT_EXCEEDED' } }] });
    expect(a.of('1')[0]?.type).toBe('next');

    const b = socket();
    await b.init();
    for (const id of ['4', '5']) b.send({ type: 'subscribe', id, payload: { query: SUBSCRIPTION, variables: { id: await runningTask() } } });
    await eventually(() => (b.of('4').length > 0 && b.of('5').length > 0 ? true : undefined));
    // Two on socket a and one here make three for alice: the fourth is refused.
    expect(b.of('4')[0]?.type).toBe('next');
    expect(b.of('5')[0]).toMatchObject({ type: 'error', payload: [{ extensions: { code: 'LIMIT_EXCEEDED' } }] });
    expect(a.closed).toBeUndefined();
    expect(b.closed).toBeUndefined();

    // Closing a socket gives its subscriptions back.
    a.close();
    await eventually(() => a.closed);
    await new Promise((r) => setTimeout(r, 50));
    b.send({ type: 'subscribe', id: '6', payload: { query: SUBSCRIPTION, variables: { id: await runningTask() } } });
    await eventually(() => (b.of('6').length > 0 ? true : undefined));
    expect(b.of('6')[0]?.type).toBe('next');
  });
});
