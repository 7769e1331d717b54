/**
 * A loopback gateway between copygraph and an emulator: a real HTTP proxy that forwards every request
 * unchanged (headers included, so signatures over `Host` still verify) and, for requests a rule
 * matches, lets the upstream answer and then replies to copygraph with a gateway error of its own
 * (502/504 and an HTML body, as nginx or a cloud load balancer does). That is the case a retry
 * contract must get right: the copy ran upstream, and copygraph only sees "Bad Gateway".
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ProxyRule {
  readonly method: string;
  readonly path: RegExp;
  /** Optional test on the request body (e.g. a GraphQL mutation's name). */
  readonly body?: RegExp;
  /** The status copygraph gets after the upstream answered. */
  readonly status: 502 | 503 | 504;
  /** How many matching requests it hits; undefined = until cleared. */
  times?: number;
}

export interface FaultyProxy {
  readonly url: string;
  /** Where requests go; set once the emulator is up. */
  target: string;
  /** Requests forwarded per rule-free key `METHOD path`, for asserting "exactly one upstream copy". */
  readonly forwarded: Map<string, number>;
  /** Requests a rule answered with a gateway error (after the upstream answered). */
  failed: number;
  failAfterForward(rule: ProxyRule): void;
  clear(): void;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

const GATEWAY_PAGE: Record<number, string> = {
  502: '<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>',
  503: '<html><head><title>503 Service Temporarily Unavailable</title></head><body><h1>503</h1></body></html>',
  504: '<html><head><title>504 Gateway Time-out</title></head><body><center><h1>504 Gateway Time-out</h1></center></body></html>',
};

export async function startFaultyProxy(): Promise<FaultyProxy> {
  const rules: ProxyRule[] = [];
  const state = {
    target: '',
    failed: 0,
  };
  const forwarded = new Map<string, number>();
  const server: Server = createServer(async (req, res) => {
    const body = await readBody(req);
    const path = req.url ?? '/';
    const bare = path.split('?')[0] ?? path;
    const rule = rules.find((r) => r.method === req.method && r.path.test(bare) && (!r.body || r.body.test(body.toString('utf8'))));
    if (rule && rule.times !== undefined) {
      rule.times -= 1;
      if (rule.times <= 0) rules.splice(rules.indexOf(rule), 1);
    }
    const key = `${req.method} ${bare}`;
    forwarded.set(key, (forwarded.get(key) ?? 0) + 1);
    const target = new URL(path, state.target);
    const upstream = httpRequest(target, { method: req.method, headers: req.headers }, (up) => {
      void readBody(up).then((upBody) => {
        if (rule) {
          state.failed += 1;
          res.writeHead(rule.status, { 'content-type': 'text/html', connection: 'close' });
          res.end(GATEWAY_PAGE[rule.status]);
          return;
        }
        const headers = { ...up.headers };
        delete headers['transfer-encoding'];
        headers['content-length'] = String(upBody.length);
        res.writeHead(up.statusCode ?? 502, headers);
        res.end(upBody);
      });
    });
    upstream.on('error', () => {
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end(GATEWAY_PAGE[502]);
    });
    upstream.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get target() {
      return state.target;
    },
    set target(v: string) {
      state.target = v;
    },
    forwarded,
    get failed() {
      return state.failed;
    },
    set failed(v: number) {
      state.failed = v;
    },
    failAfterForward(rule) {
      rules.push({ ...rule });
    },
    clear() {
      rules.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
