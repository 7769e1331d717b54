/**
 * Several copygraph replicas on one PostgreSQL database and one set of emulators, as a load balancer
 * would see them: each a real `node --import tsx src/main.ts` child process (so a test can kill -9
 * one), or an in-process `startApp` (faster, and it can share a test clock).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { type Client, createClient } from 'graphql-ws';
import { pino } from 'pino';
import WebSocket from 'ws';
import type { EmulatorClock } from '../../emulators/http.ts';
import type { EmulatorSet } from '../../emulators/index.ts';
import { type App, type AppOptions, startApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import type { LimiterClock } from '../../src/core/rate-limiter.ts';
import { ALICE, baseEnv } from './stack.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface Replica {
  readonly name: string;
  readonly url: string;
  readonly wsUrl: string;
  /** The process id its leases carry (`holder` = host:pid:…). */
  readonly pid: number;
  /** POSTs an operation as `key` (default ALICE); the data, failing on any error. */
  data<T = Record<string, any>>(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<T>;
  /** A graphql-ws client (closed by `stop`). */
  ws(key?: string): Client;
  stop(): Promise<void>;
}

export interface ReplicaProcess extends Replica {
  readonly child: ChildProcess;
  /** SIGKILL: no shutdown, no lease released. Resolves once the process is gone. */
  kill9(): Promise<void>;
}

/** The environment of a replica on `databaseUrl`. */
export function replicaEnv(emulators: EmulatorSet, databaseUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return { ...baseEnv(emulators, '/nonexistent/unused.sqlite'), COPYGRAPH_DATABASE_URL: databaseUrl, ...extra };
}

function clientParts(name: string, url: string, wsUrl: string) {
  const clients: Client[] = [];
  return {
    clients,
    async data<T>(query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<T> {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${ALICE}`, ...headers },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await res.json()) as { data?: T; errors?: unknown };
      if (body.errors) throw new Error(`${name}: GraphQL errors: ${JSON.stringify(body.errors)}`);
      return body.data as T;
    },
    ws(key = ALICE): Client {
      const client = createClient({ url: wsUrl, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true, connectionParams: { authorization: `Bearer ${key}` } });
      clients.push(client);
      return client;
    },
  };
}

/** Starts a replica as a child process; resolves once it listens. */
export function startReplicaProcess(name: string, env: Record<string, string>): Promise<ReplicaProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp', ...env, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} did not start in time: ${stderr}`));
    }, 60_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code}) before listening: ${stderr}`));
    });
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.on('line', (line) => {
      let entry: { msg?: string; url?: string };
      try {
        entry = JSON.parse(line) as typeof entry;
      } catch {
        return;
      }
      if (entry.msg !== 'copygraph is listening' || !entry.url) return;
      clearTimeout(timer);
      const url = entry.url;
      const wsUrl = url.replace(/^http/, 'ws');
      const parts = clientParts(name, url, wsUrl);
      resolve({
        name,
        url,
        wsUrl,
        pid: child.pid as number,
        child,
        data: parts.data,
        ws: parts.ws,
        async kill9() {
          await Promise.all(parts.clients.map((c) => c.dispose()));
          if (child.exitCode === null) child.kill('SIGKILL');
          await exited;
        },
        async stop() {
          await Promise.all(parts.clients.map((c) => c.dispose()));
          if (child.exitCode === null) child.kill('SIGTERM');
          await exited;
        },
      });
    });
  });
}

export interface InProcessReplica extends Replica {
  readonly app: App;
}

/** Starts a replica in this process (same code path as `main.ts` minus the process). */
export async function startReplicaInProcess(name: string, env: Record<string, string>, options: AppOptions = {}): Promise<InProcessReplica> {
  const app = await startApp(loadConfig(env), { logger: pino({ level: 'silent' }), ...options });
  const parts = clientParts(name, app.url, app.wsUrl);
  return {
    name,
    app,
    url: app.url,
    wsUrl: app.wsUrl,
    pid: process.pid,
    data: parts.data,
    ws: parts.ws,
    async stop() {
      await Promise.all(parts.clients.map((c) => c.dispose()));
      await app.stop();
    },
  };
}

/**
 * A limiter clock linked to an emulator's: both read the same time, and moving the emulator's clock
 * forward wakes the limiter's sleeps at once (real time still counts too). Shared by in-process
 * replicas, it makes them see one time as the emulator does.
 */
export class EmulatorLinkedClock implements LimiterClock {
  #sleepers = new Set<{ at: number; done: () => void }>();
  constructor(private readonly emulatorClock: EmulatorClock) {}
  now(): number {
    return this.emulatorClock.now();
  }
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const sleeper = {
        at: this.now() + ms,
        done: () => {
          clearTimeout(timer);
          this.#sleepers.delete(sleeper);
          resolve();
        },
      };
      const timer = setTimeout(sleeper.done, Math.max(0, ms));
      timer.unref();
      this.#sleepers.add(sleeper);
    });
  }
  advance(ms: number): void {
    this.emulatorClock.advance(ms);
    for (const s of [...this.#sleepers]) if (s.at <= this.now()) s.done();
  }
}
