/**
 * Drain: on shutdown, open graphql-sse streams and router-callback subscriptions end at once (an SSE
 * stream is ended as interrupted, without `complete`, so its client subscribes again: see
 * src/transport/sse.ts; a router callback subscription's lease is let go without `complete`, so another
 * replica, or this one started again, carries it on: src/transport/callback-runner.ts), so the process
 * exits 0 within its grace period instead of waiting for them.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { AddressInfo } from 'node:net';
import { createClient as createSseClient } from 'graphql-sse';
import Database from 'better-sqlite3';
import { expect, it } from 'vitest';
import { createSqliteCallbackSubscriptions } from '../src/tasks/store/sqlite-callbacks.ts';
import { Provider } from '../src/core/errors.ts';
import { TaskStatus } from '../src/tasks/model.ts';
import { COZE_DEMO, startDemoEmulators } from '../emulators/index.ts';
import { ALICE, baseEnv, eventually, startStack } from './helpers/stack.ts';

const SUBSCRIPTION = 'subscription($id: ID!) { copyTaskUpdated(id: $id) { id status } }';

it('ends open SSE streams and lets callback subscriptions go when the app stops', async () => {
  const calls: { action: string; id: string }[] = [];
  const router = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      calls.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as { action: string; id: string });
      res.writeHead(200, { 'subscription-protocol': 'callback/1.0' }).end();
    });
  });
  await new Promise<void>((resolve) => router.listen(0, '127.0.0.1', resolve));
  const callbackUrl = `http://127.0.0.1:${(router.address() as AddressInfo).port}/callback`;
  const stack = await startStack({ env: { COPYGRAPH_CALLBACK_URLS: callbackUrl } });
  try {
    const task = await stack.app.services.tasks.create({
      owner: 'alice',
      provider: Provider.COZE,
      credentialSource: 'config',
      change: { status: TaskStatus.RUNNING, upstreamTaskId: `up-${randomUUID()}` },
    });
    const client = createSseClient({ url: `${stack.app.url}/stream`, headers: { authorization: `Bearer ${ALICE}` }, retryAttempts: 0 });
    let values = 0;
    const ended = new Promise<string>((resolve) => {
      client.subscribe(
        { query: SUBSCRIPTION, variables: { id: task.id } },
        {
          next: () => void values++,
          error: (e) => resolve(`error ${e instanceof Error ? e.message : JSON.stringify(e)}`),
          complete: () => resolve('complete'),
        },
      );
    });
    const subscriptionId = randomUUID();
    const res = await fetch(stack.app.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ALICE}` },
      body: JSON.stringify({
        query: SUBSCRIPTION,
        variables: { id: task.id },
        extensions: { subscription: { callbackUrl, subscriptionId, verifier: randomUUID(), heartbeatIntervalMs: 0 } },
      }),
    });
    expect(res.status).toBe(200);
    await eventually(() => (values > 0 && calls.some((c) => c.id === subscriptionId && c.action === 'next') ? true : undefined));

    await stack.app.stop();
    // Interrupted, not finished: the task is not final, the client subscribes again.
    expect(await ended).toBe('error Connection closed while having active streams');
    // Not completed: the record stays, its lease let go (claimable at once by any replica).
    expect(calls.filter((c) => c.id === subscriptionId).map((c) => c.action)).not.toContain('complete');
    const db = new Database(stack.dbPath);
    try {
      const leftover = await createSqliteCallbackSubscriptions(db).claimExpired('another-replica', 10_000, 10);
      expect(leftover.map((r) => r.id)).toEqual([subscriptionId]);
    } finally {
      db.close();
    }
    client.dispose();
  } finally {
    await stack.close();
    router.closeAllConnections();
    await new Promise<void>((resolve) => router.close(() => resolve()));
  }
}, 9_000);

it('exits 0 on SIGTERM with a graphql-sse stream open (not 1 after the grace period)', async () => {
  const emulators = await startDemoEmulators();
  const dir = mkdtempSync(join(tmpdir(), 'copygraph-drain-'));
  const env = { ...process.env, ...baseEnv(emulators, join(dir, 'tasks.sqlite')), LOG_LEVEL: 'info' };
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    const url = await new Promise<string>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
      lines.on('line', (line) => {
        try {
          const entry = JSON.parse(line) as { msg?: string; url?: string };
          if (entry.msg === 'copygraph is listening' && entry.url) resolve(entry.url);
        } catch {
          // not a log line
        }
      });
    });
    // A Coze copy across workspaces stays RUNNING for a while: its stream stays open.
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ALICE}` },
      body: JSON.stringify({
        query: `mutation { copyCozeEntity(input: { entityId: "${COZE_DEMO.workflowId}", entityType: WORKFLOW, toWorkspaceId: "${COZE_DEMO.otherTeamWorkspaceId}" }) { ... on CopyTask { id } } }`,
      }),
    });
    const taskId = ((await res.json()) as { data: { copyCozeEntity: { id: string } } }).data.copyCozeEntity.id;
    const client = createSseClient({ url: `${url}/stream`, headers: { authorization: `Bearer ${ALICE}` }, retryAttempts: 0 });
    let values = 0;
    const ended = new Promise<string>((resolve) => {
      client.subscribe(
        { query: SUBSCRIPTION, variables: { id: taskId } },
        {
          next: () => void values++,
          error: (e) => resolve(`error ${e instanceof Error ? e.message : JSON.stringify(e)}`),
          complete: () => resolve('complete'),
        },
      );
    });
    await eventually(() => (values > 0 ? true : undefined));
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
    expect(await ended).toBe('error Connection closed while having active streams');
    client.dispose();
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    await emulators.close();
    rmSync(dir, { recursive: true, force: true });
  }
}, 30_000);
