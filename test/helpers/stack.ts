/**
 * A copygraph under test: the five emulators (demo data) on loopback port 0 and the app on port 0,
 * configured through the same `loadConfig` production uses. Real HTTP and WebSocket, no mocks.
 */
import type { FormattedExecutionResult } from 'graphql';
import { type Client, createClient } from 'graphql-ws';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Logger, pino } from 'pino';
import WebSocket from 'ws';
import { type EmulatorSet, startDemoEmulators } from '../../emulators/index.ts';
import { type App, startApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';

export const ALICE = 'alice-key-0123456789abcdef';
export const BOB = 'bob-key-0123456789abcdef';

export interface StackOptions {
  /** Extra or overriding environment variables. */
  readonly env?: Record<string, string>;
  /** Keep the task store in this file (to restart on the same store). */
  readonly dbPath?: string;
  /** The app's logger (default: silent). */
  readonly logger?: Logger;
}

export interface GqlOptions {
  /** API key (default ALICE); null sends none. */
  readonly key?: string | null;
  readonly headers?: Record<string, string>;
}

export interface Stack {
  readonly app: App;
  readonly emulators: EmulatorSet;
  readonly dbPath: string;
  /** POSTs an operation; resolves with the HTTP status and the parsed body. */
  gql<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    options?: GqlOptions,
  ): Promise<{ status: number; body: FormattedExecutionResult<T> }>;
  /** Shorthand: the data of a successful operation, failing on any error. */
  data<T = Record<string, any>>(query: string, variables?: Record<string, unknown>, options?: GqlOptions): Promise<T>;
  /** A graphql-ws client authenticated as `key` (default ALICE). Closed with the stack. */
  ws(key?: string | null, extra?: Record<string, unknown>): Client;
  /** Stops the app and starts a new one on the same store and emulators (with `env` over the stack's own). */
  restart(env?: Record<string, string>): Promise<void>;
  close(): Promise<void>;
}

export function baseEnv(emulators: EmulatorSet, dbPath: string): Record<string, string> {
  return {
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'silent',
    COPYGRAPH_DEMO: 'false',
    COPYGRAPH_DB_PATH: dbPath,
    COPYGRAPH_API_KEYS: `alice:${ALICE},bob:${BOB}`,
    COPYGRAPH_POLL_INITIAL_MS: '50',
    COPYGRAPH_POLL_MAX_MS: '200',
    COPYGRAPH_UPSTREAM_TIMEOUT_MS: '3000',
    QINIU_RS_URL: emulators.urls.qiniuRs,
    QINIU_RSF_URL: emulators.urls.qiniuRsf,
    QINIU_ACCESS_KEY: 'demo-ak',
    QINIU_SECRET_KEY: 'demo-sk',
    COZE_BASE_URL: emulators.urls.coze,
    COZE_TOKEN: 'pat_demo',
    FEISHU_BASE_URL: emulators.urls.feishu,
    FEISHU_APP_ID: 'cli_demo',
    FEISHU_APP_SECRET: 'demo-secret',
    PAN123_BASE_URL: emulators.urls.pan123,
    PAN123_CLIENT_ID: 'demo-client',
    PAN123_CLIENT_SECRET: 'demo-secret',
    BLUE_ENDPOINT: emulators.urls.blue,
    BLUE_TOKEN_ID: 'pat_demo',
    BLUE_TOKEN_SECRET: 'demo-secret',
    BLUE_COMPANY_ID: 'demo-co',
    BLUE_PROJECT_ID: 'roadmap',
  };
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const emulators = await startDemoEmulators();
  const dir = options.dbPath ? undefined : mkdtempSync(join(tmpdir(), 'copygraph-test-'));
  const dbPath = options.dbPath ?? join(dir as string, 'tasks.sqlite');
  const config = loadConfig({ ...baseEnv(emulators, dbPath), ...options.env });
  const logger = options.logger ?? pino({ level: 'silent' });
  let app = await startApp(config, { logger });
  const clients: Client[] = [];

  const gql: Stack['gql'] = async (query, variables, opts = {}) => {
    const key = opts.key === undefined ? ALICE : opts.key;
    const res = await fetch(app.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}), ...opts.headers },
      body: JSON.stringify({ query, variables }),
    });
    return { status: res.status, body: (await res.json()) as never };
  };

  return {
    get app() {
      return app;
    },
    emulators,
    dbPath,
    gql,
    async data(query, variables, opts) {
      const { body } = await gql(query, variables, opts);
      if (body.errors) throw new Error(`GraphQL errors: ${JSON.stringify(body.errors)}`);
      return body.data as never;
    },
    ws(key = ALICE, extra = {}) {
      const client = createClient({
        url: app.wsUrl,
        webSocketImpl: WebSocket,
        retryAttempts: 0,
        lazy: true,
        connectionParams: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...extra },
      });
      clients.push(client);
      return client;
    },
    async restart(env) {
      await app.stop();
      app = await startApp(env ? loadConfig({ ...baseEnv(emulators, dbPath), ...options.env, ...env }) : config, { logger });
    },
    async close() {
      await Promise.all(clients.map((c) => c.dispose()));
      await app.stop();
      await emulators.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Runs a subscription to its end: every value, in order. Rejects on an error message. */
export function collect<T = Record<string, any>>(client: Client, query: string, variables: Record<string, unknown> = {}): Promise<T[]> {
  const values: T[] = [];
  return new Promise((resolve, reject) => {
    client.subscribe<T>(
      { query, variables },
      {
        next: (v) => {
          if (v.errors) reject(new Error(JSON.stringify(v.errors)));
          else values.push(v.data as T);
        },
        error: (e) => reject(e instanceof Error ? e : new Error(JSON.stringify(e))),
        complete: () => resolve(values),
      },
    );
  });
}

/** Polls `check` until it returns a value (not undefined), for state that changes asynchronously. */
export async function eventually<T>(check: () => T | undefined | Promise<T | undefined>, timeoutMs = 10_000, everyMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
