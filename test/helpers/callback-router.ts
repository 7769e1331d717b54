/**
 * The router's side of Apollo's callback protocol (callback/1.0) for tests: a real `node:http`
 * server on loopback that records every `check`, `next` and `complete`, answers them as Apollo Router
 * does, and answers 404 for subscriptions it has forgotten.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One call the router received. */
export interface CallbackMessage {
  readonly kind: string;
  readonly action: 'check' | 'next' | 'complete';
  readonly id: string;
  readonly verifier: string;
  readonly payload?: { data?: Record<string, any> | null; errors?: { message: string; extensions?: Record<string, unknown> }[] };
  readonly errors?: { message: string; extensions?: Record<string, unknown> }[];
  readonly protocol: string | undefined;
}

/** The router's side: records every call; answers 404 for subscriptions it has forgotten. */
export class FakeRouter {
  readonly messages: CallbackMessage[] = [];
  readonly gone = new Set<string>();
  #server: Server | undefined;
  url = '';

  async start(): Promise<void> {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Omit<CallbackMessage, 'protocol'>;
        const header = req.headers['subscription-protocol'];
        this.messages.push({ ...body, protocol: Array.isArray(header) ? header[0] : header });
        if (this.gone.has(body.id)) {
          res.writeHead(404).end();
          return;
        }
        // The router answers a check with 204 and the protocol it speaks; next and complete with 200.
        if (body.action === 'check') res.writeHead(204, { 'subscription-protocol': 'callback/1.0' }).end();
        else res.writeHead(200).end();
      });
    });
    const server = this.#server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/callback`;
  }

  of(id: string): CallbackMessage[] {
    return this.messages.filter((m) => m.id === id);
  }

  /** Waits until the router got `action` for `id` after its first `from` messages. */
  async received(id: string, action: CallbackMessage['action'], from = 0, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (
      !this.of(id)
        .slice(from)
        .some((m) => m.action === action)
    ) {
      if (Date.now() > deadline) throw new Error(`the router got no ${action} for ${id} in time`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async close(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) => this.#server?.close(() => resolve()));
  }
}
