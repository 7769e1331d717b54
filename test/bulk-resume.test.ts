/**
 * A bulk copy killed in the middle (kill -9 of a real copygraph process) and resumed by another run on
 * the same store: every one of the 10,000 objects is copied exactly once, proven by the emulator's
 * per-destination write counts. The kill lands while a `/batch` is on the wire, so the resumed run has
 * to settle that batch by stat (destination hash = source hash) instead of sending it again.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { type EmulatorSet, QINIU_DEMO, startDemoEmulators } from '../emulators/index.ts';
import { type App, startApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { ALICE, baseEnv, eventually } from './helpers/stack.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** Starts `src/main.ts` as a child process; resolves with it and its URL (from its first log line with one). */
function startChild(env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: join(import.meta.dirname, '..'),
    env: { ...process.env, ...env, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  cleanups.push(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.on('line', (line) => {
      const m = /"url":"(http:[^"]+)"/.exec(line);
      if (m?.[1]) resolve({ child, url: m[1] });
    });
    child.once('exit', (code) => reject(new Error(`copygraph exited early (${code})`)));
  });
}

async function gql(url: string, query: string, variables: Record<string, unknown>): Promise<any> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ALICE}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: unknown; errors?: unknown };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

describe('a bulk copy killed with kill -9', () => {
  it('resumes on the same store and copies every object exactly once', async () => {
    const emulators: EmulatorSet = await startDemoEmulators();
    cleanups.push(() => emulators.close());
    const dir = mkdtempSync(join(tmpdir(), 'copygraph-resume-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const env = baseEnv(emulators, join(dir, 'tasks.sqlite'));
    const qiniu = emulators.qiniu;
    // Every Qiniu call takes a while, so the kill lands in the middle of the copy.
    qiniu.control.setLatency(150);

    const { child, url } = await startChild(env);
    const started = await gql(url, 'mutation($input: CopyObjectsInput!) { copyObjects(input: $input) { __typename ... on CopyTask { id } } }', {
      input: {
        prefix: {
          sourceBucket: QINIU_DEMO.bulkBucket,
          sourcePrefix: QINIU_DEMO.bulkPrefix,
          destinationBucket: QINIU_DEMO.backupBucket,
          destinationPrefix: 'resumed/',
        },
      },
    });
    const id: string = started.copyObjects.id;

    // Kill as soon as the third batch has been applied by the emulator: its answer is on the wire.
    await eventually(() => (qiniu.control.calls('batch-copy') >= 3 ? true : undefined), 60_000, 5);
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    const copiedBeforeKill = qiniu.listKeys(QINIU_DEMO.backupBucket).filter((k) => k.startsWith('resumed/')).length;
    expect(copiedBeforeKill).toBeGreaterThanOrEqual(2000);
    expect(copiedBeforeKill).toBeLessThan(10_000);

    // A new run on the same store resumes the task.
    qiniu.control.setLatency(0);
    const app: App = await startApp(loadConfig(env), { logger: pino({ level: 'silent' }) });
    cleanups.push(() => app.stop());
    const task = await eventually(
      async () => {
        const data = await gql(app.url, 'query($id: ID!) { copyTask(id: $id) { status isFinal progress { completed total } failures { itemId } } }', { id });
        return data.copyTask.isFinal ? data.copyTask : undefined;
      },
      60_000,
      100,
    );
    expect(task).toEqual({ status: 'SUCCEEDED', isFinal: true, progress: { completed: 10_000, total: 10_000 }, failures: [] });

    for (let i = 0; i < 10_000; i++) {
      const name = `${String(i).padStart(5, '0')}.txt`;
      expect(qiniu.copyCounts.get(`${QINIU_DEMO.backupBucket}:resumed/${name}`), name).toBe(1);
    }
    // Ten batches of copy ops in all: the batch in flight at the kill was settled by stat, not sent again.
    expect(qiniu.control.calls('batch-copy')).toBe(10);
  });
});
