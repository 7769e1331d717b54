/**
 * The server as an operator sees it: health, readiness, masking of bugs, graceful shutdown of the
 * process and of the in-process app.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startDemoEmulators } from '../emulators/index.ts';
import { startApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { createSqliteTaskStore } from '../src/tasks/store/sqlite.ts';
import { captureLogs } from './helpers/logs.ts';
import { ALICE, baseEnv, collect, startStack } from './helpers/stack.ts';

describe('health and readiness', () => {
  it('answers /healthz and /readyz, and /readyz turns 503 while stopping', async () => {
    const stack = await startStack();
    const base = stack.app.url.replace(/\/graphql$/, '');
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    await stack.close();
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
  });
});

describe('request size', () => {
  it('answers 413 to a body over 1 MiB, declared or streamed, instead of resetting the connection', async () => {
    const stack = await startStack();
    const big = JSON.stringify({ query: '{ __typename }', variables: { pad: 'x'.repeat(1024 * 1024 + 10) } });
    const declared = await fetch(stack.app.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ALICE}` },
      body: big,
    });
    expect(declared.status).toBe(413);
    const chunks = new Blob([big]).stream();
    const streamed = await fetch(stack.app.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ALICE}` },
      body: chunks,
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(413);
    await stack.close();
  });
});

describe('error masking', () => {
  it('masks an unexpected failure as INTERNAL_SERVER_ERROR and logs the detail, not the client', async () => {
    const emulators = await startDemoEmulators();
    const dir = mkdtempSync(join(tmpdir(), 'copygraph-mask-'));
    const store = createSqliteTaskStore(join(dir, 'tasks.sqlite'));
    const broken = { ...store, get: async () => Promise.reject(new Error('disk on fire at /var/secret/path')) };
    const { logger, text } = captureLogs('error');
    const app = await startApp(loadConfig(baseEnv(emulators, join(dir, 'x.sqlite'))), { logger, store: broken });
    const res = await fetch(app.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ALICE}` },
      body: JSON.stringify({ query: '{ copyTask(id: "x") { id } }' }),
    });
    const body = (await res.json()) as { errors: { message: string; extensions: { code: string } }[] };
    expect(body.errors[0]).toMatchObject({ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
    expect(JSON.stringify(body)).not.toContain('disk on fire');
    expect(text()).toContain('disk on fire');
    await app.stop();
    await emulators.close();
  });
});

describe('graceful shutdown', () => {
  it('finishes a request in flight, closes WebSocket clients and the store, then refuses connections', async () => {
    const stack = await startStack();
    stack.emulators.qiniu.control.setLatency(300);
    const inFlight = stack.gql(
      'mutation { copyObject(input: { source: { bucket: "demo-photos", key: "docs/readme.txt" }, destination: { bucket: "demo-backup", key: "shutdown.txt" } }) { __typename } }',
    );
    const client = stack.ws();
    const listed = collect(client, '{ copyTasks { edges { cursor } } }');
    await listed;
    await new Promise((r) => setTimeout(r, 50));
    await stack.app.stop();
    const { status, body } = await inFlight;
    expect(status).toBe(200);
    expect(body.data).toEqual({ copyObject: { __typename: 'CopyTask' } });
    expect(stack.emulators.qiniu.getObject('demo-backup', 'shutdown.txt')).toBeDefined();
    expect(await stack.app.services.store.ping()).toBe(false);
    await expect(fetch(stack.app.url)).rejects.toThrow();
    await stack.emulators.close();
  });

  it('exits 0 on SIGTERM when run as a process (npm start in demo mode)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'copygraph-proc-'));
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: { PATH: process.env['PATH'] ?? '', PORT: '0', COPYGRAPH_DATA_DIR: dir, LOG_LEVEL: 'info', NODE_ENV: 'development' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no banner: ${out}`)), 20_000);
      child.stdout.on('data', () => {
        const m = /Sandbox:\s+(http:\S+)/.exec(out);
        if (m?.[1]) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
    });
    expect(out).toContain('DEMO MODE');
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ copyTasks { edges { cursor } } }' }),
    });
    expect(res.status).toBe(200);
    const code = await new Promise<number | null>((resolve) => {
      child.on('exit', (c) => resolve(c));
      child.kill('SIGTERM');
    });
    expect(code).toBe(0);
    expect(out).toContain('"msg":"stopped"');
  });
});
