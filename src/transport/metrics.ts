/**
 * `GET /metrics` (the Prometheus text format), on the API's server or on a port of its own
 * (`COPYGRAPH_METRICS_PORT`, so it need not face the internet).
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type MetricsSource, sendPlain } from './request.ts';

export async function sendMetrics(res: ServerResponse, source: MetricsSource): Promise<void> {
  const body = await source.metrics();
  res.writeHead(200, { 'content-type': source.contentType, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
  res.end(body);
}

export interface MetricsServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** A server that answers only `/metrics` (and `/healthz`). */
export async function serveMetrics(source: MetricsSource, host: string, port: number, onError: (err: unknown) => void): Promise<MetricsServer> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz') return sendPlain(res, 200, 'ok');
    if (path !== '/metrics') return sendPlain(res, 404, 'Not found');
    sendMetrics(res, source).catch((err: unknown) => {
      onError(err);
      if (!res.headersSent) sendPlain(res, 500, 'metrics failed');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  const hostForUrl = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${hostForUrl}:${bound}/metrics`,
    port: bound,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
