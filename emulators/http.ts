/**
 * The HTTP plumbing every emulator shares: a loopback `node:http` server, a tiny router, JSON replies,
 * and the control surface tests use to steer an emulator (count calls, inject latency and faults,
 * move the emulator's clock, reset).
 *
 * Control routes live under `/_emulator/` on the emulator's own port, so an emulator running in
 * another process (`npm run emulators`) can be steered exactly like an in-process one. They are never
 * counted as calls and never see injected faults.
 *
 * Nothing here imports the gateway: emulators stand in for third-party services.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request as an emulator route sees it: body already read, query parsed. */
export interface EmulatorRequest {
  readonly method: string;
  /** Path without the query string, exactly as sent (still percent-encoded). */
  readonly path: string;
  /** Raw query string without the leading `?` ('' when absent). */
  readonly rawQuery: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingMessage['headers'];
  readonly body: Buffer;
  /** Regex groups of the matched route. */
  readonly params: readonly string[];
  /** The `host` header as sent (signature schemes cover it). */
  readonly host: string;
}

export interface EmulatorReply {
  readonly status: number;
  readonly headers?: Record<string, string>;
  /** A string or Buffer is sent as is; anything else as JSON; undefined sends an empty body. */
  readonly body?: unknown;
}

export type RouteHandler = (req: EmulatorRequest) => EmulatorReply | Promise<EmulatorReply>;

export interface Route {
  readonly method: string;
  readonly pattern: RegExp;
  /** Name used to count calls, e.g. `copy` or `POST /batch`. Defaults to `METHOD pattern`. */
  readonly name: string;
  readonly handler: RouteHandler;
}

/** A fault injected through the control surface: the next matching calls get this reply instead. */
export interface Fault {
  /** Route name to match; undefined matches every route. */
  readonly route?: string | undefined;
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Record<string, string> | undefined;
  /** How many calls it hits; undefined = until cleared. */
  times?: number | undefined;
  /** Hang this long before replying (or before dropping the connection when `drop`). */
  readonly delayMs?: number | undefined;
  /** Destroy the socket instead of answering (a connection reset). */
  readonly drop?: boolean | undefined;
  /**
   * TEST CONTROL, not a kindness: every `{token}` in the body's strings becomes the bearer token the
   * call was sent with, as a service that echoes the credential it got in an error message would. The
   * real services are not known to do this for these APIs [I]; tests use it to prove copygraph scrubs
   * derived tokens (tenant tokens, access tokens) before they reach an answer, a log line or the store.
   */
  readonly echoToken?: boolean | undefined;
}

/** The bearer token of a request, or "" (for `Fault.echoToken`). */
function bearerOf(headers: IncomingHttpHeaders): string {
  const auth = headers.authorization ?? '';
  return /^Bearer\s+(.+)$/i.exec(auth)?.[1] ?? auth;
}

/** A fault's body with `{token}` replaced in every string (for `Fault.echoToken`). */
function echoed(body: unknown, token: string): unknown {
  if (typeof body === 'string') return body.split('{token}').join(token);
  if (Array.isArray(body)) return body.map((v) => echoed(v, token));
  if (body !== null && typeof body === 'object') return Object.fromEntries(Object.entries(body).map(([k, v]) => [k, echoed(v, token)]));
  return body;
}

/**
 * The emulator's clock: real time plus an offset tests can move forward, so that expiries, rate-limit
 * windows and task progress can be driven without sleeping.
 */
export class EmulatorClock {
  #offsetMs = 0;
  now(): number {
    return Date.now() + this.#offsetMs;
  }
  advance(ms: number): void {
    this.#offsetMs += ms;
  }
}

/** Counts, latency and faults: the generic half of every emulator's control surface. */
export class EmulatorControl {
  readonly clock = new EmulatorClock();
  readonly #calls = new Map<string, number>();
  #latencyMs = 0;
  #faults: Fault[] = [];

  record(route: string): void {
    this.#calls.set(route, (this.#calls.get(route) ?? 0) + 1);
  }
  /** Calls to one route, or to all routes when `route` is omitted. */
  calls(route?: string): number {
    if (route !== undefined) return this.#calls.get(route) ?? 0;
    let total = 0;
    for (const n of this.#calls.values()) total += n;
    return total;
  }
  callsByRoute(): Record<string, number> {
    return Object.fromEntries(this.#calls);
  }
  resetCalls(): void {
    this.#calls.clear();
  }
  get latencyMs(): number {
    return this.#latencyMs;
  }
  setLatency(ms: number): void {
    this.#latencyMs = ms;
  }
  injectFault(fault: Fault): void {
    this.#faults.push({ ...fault });
  }
  clearFaults(): void {
    this.#faults = [];
  }
  /** Takes the first fault that matches this route, using up one of its `times`. */
  takeFault(route: string): Fault | undefined {
    const i = this.#faults.findIndex((f) => f.route === undefined || f.route === route);
    if (i < 0) return undefined;
    const fault = this.#faults[i] as Fault;
    if (fault.times !== undefined) {
      fault.times -= 1;
      if (fault.times <= 0) this.#faults.splice(i, 1);
    }
    return fault;
  }
}

export interface EmulatorServerOptions {
  /** Shown in the `server` header and logs. */
  readonly name: string;
  readonly routes: readonly Route[];
  readonly control: EmulatorControl;
  /** Emulator-specific control routes, mounted under `/_emulator/`. Not counted, never faulted. */
  readonly controlRoutes?: readonly Route[];
  /** Headers added to every reply of a counted route (e.g. a request id). */
  readonly replyHeaders?: () => Record<string, string>;
  /** Reply for a path no route matches. */
  readonly notFound?: (req: EmulatorRequest) => EmulatorReply;
}

export interface RunningServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export function route(method: string, pattern: RegExp, name: string, handler: RouteHandler): Route {
  return { method, pattern, name, handler };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, reply: EmulatorReply, extra: Record<string, string>): void {
  const headers: Record<string, string> = { ...extra, ...reply.headers };
  let payload: Buffer | string = '';
  if (typeof reply.body === 'string' || Buffer.isBuffer(reply.body)) {
    payload = reply.body;
  } else if (reply.body !== undefined) {
    payload = JSON.stringify(reply.body);
    headers['content-type'] ??= 'application/json';
  }
  headers['content-length'] = String(Buffer.byteLength(payload));
  res.writeHead(reply.status, headers);
  res.end(payload);
}

function match(routes: readonly Route[], method: string, path: string): { route: Route; params: string[] } | undefined {
  for (const r of routes) {
    if (r.method !== method) continue;
    const m = r.pattern.exec(path);
    if (m) return { route: r, params: m.slice(1).map((p) => p ?? '') };
  }
  return undefined;
}

/**
 * Wraps an emulator-specific control action: what it returns is the JSON answer (200), a thrown
 * error is a 400 naming the problem. `whenUndefined` is the answer to an action that returns
 * nothing: 404 where that means "no such thing", 204 for an action with nothing to say.
 */
export function controlAction(fn: (req: EmulatorRequest) => unknown, whenUndefined: 204 | 404): RouteHandler {
  return (req) => {
    try {
      const body = fn(req);
      if (body !== undefined) return { status: 200, body };
      return whenUndefined === 404 ? { status: 404, body: { error: 'not found' } } : { status: 204 };
    } catch (err) {
      return { status: 400, body: { error: err instanceof Error ? err.message : String(err) } };
    }
  };
}

/** Parses a JSON request body, or returns undefined when it is not JSON. */
export function jsonBody(req: EmulatorRequest): unknown {
  if (req.body.length === 0) return undefined;
  try {
    return JSON.parse(req.body.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** Control routes every emulator has: calls, reset-calls, latency, faults, clock. */
function genericControlRoutes(control: EmulatorControl): Route[] {
  return [
    route('GET', /^\/_emulator\/calls$/, 'calls', () => ({ status: 200, body: control.callsByRoute() })),
    route('DELETE', /^\/_emulator\/calls$/, 'reset-calls', () => {
      control.resetCalls();
      return { status: 204 };
    }),
    route('PUT', /^\/_emulator\/latency$/, 'latency', (req) => {
      const body = jsonBody(req) as { ms?: unknown } | undefined;
      control.setLatency(typeof body?.ms === 'number' ? body.ms : 0);
      return { status: 204 };
    }),
    route('POST', /^\/_emulator\/faults$/, 'faults', (req) => {
      control.injectFault(jsonBody(req) as Fault);
      return { status: 204 };
    }),
    route('DELETE', /^\/_emulator\/faults$/, 'clear-faults', () => {
      control.clearFaults();
      return { status: 204 };
    }),
    route('POST', /^\/_emulator\/clock\/advance$/, 'clock', (req) => {
      const body = jsonBody(req) as { ms?: unknown } | undefined;
      control.clock.advance(typeof body?.ms === 'number' ? body.ms : 0);
      return { status: 200, body: { now: control.clock.now() } };
    }),
  ];
}

/** Starts an emulator's HTTP server on `host:port` (port 0 picks a free one). */
export async function startEmulatorServer(
  options: EmulatorServerOptions,
  listen: { port?: number | undefined; host?: string | undefined } = {},
): Promise<RunningServer> {
  const { control } = options;
  const controlRoutes = [...genericControlRoutes(control), ...(options.controlRoutes ?? [])];
  const server: Server = createServer((req, res) => {
    void (async () => {
      const rawUrl = req.url ?? '/';
      const q = rawUrl.indexOf('?');
      const path = q < 0 ? rawUrl : rawUrl.slice(0, q);
      const rawQuery = q < 0 ? '' : rawUrl.slice(q + 1);
      const method = req.method ?? 'GET';
      const body = await readBody(req);
      const base = { method, path, rawQuery, query: new URLSearchParams(rawQuery), headers: req.headers, body, host: req.headers.host ?? '' };

      if (path.startsWith('/_emulator/')) {
        const found = match(controlRoutes, method, path);
        const reply = found ? await found.route.handler({ ...base, params: found.params }) : { status: 404, body: { error: 'no such control route' } };
        send(res, reply, {});
        return;
      }

      const found = match(options.routes, method, path);
      const extra = { server: options.name, ...options.replyHeaders?.() };
      if (!found) {
        const reply = options.notFound?.({ ...base, params: [] }) ?? { status: 404, body: { error: 'not found' } };
        send(res, reply, extra);
        return;
      }
      control.record(found.route.name);
      if (control.latencyMs > 0) await sleep(control.latencyMs);
      const fault = control.takeFault(found.route.name);
      if (fault) {
        if (fault.delayMs) await sleep(fault.delayMs);
        if (fault.drop) {
          req.socket.destroy();
          return;
        }
        const faultBody = fault.echoToken ? echoed(fault.body, bearerOf(req.headers)) : fault.body;
        send(res, { status: fault.status, body: faultBody, headers: fault.headers ?? {} }, extra);
        return;
      }
      send(res, await found.route.handler({ ...base, params: found.params }), extra);
    })().catch((err: unknown) => {
      if (!res.headersSent) send(res, { status: 500, body: { error: String(err) } }, {});
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port ?? 0, listen.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
