/**
 * The system under the fan-out benchmark (bench/fanout.ts), in its own process so that its RSS is
 * copygraph's alone: copygraph (NODE_ENV=production, logs silent, a temporary SQLite store) pointed at
 * the 123pan emulator of the parent process. Prints one JSON line with its URLs, then answers commands
 * on stdin, one JSON line each, with one JSON line on stdout:
 *
 *   {"op":"rss"}                    → {"rss":…, "heapUsed":…} after a full GC (run with --expose-gc)
 *   {"op":"tasks","n":1000}         → {"ids":[…]}: n RUNNING tasks of the bench key, not watched
 *   {"op":"change","ids":[…]}       → {"at":{id: ms}}: each task's progress changed through the task
 *                                     service (stored, then published), with the time just before
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { writeHeapSnapshot } from 'node:v8';
import { pino } from 'pino';
import { startApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { Provider } from '../src/core/errors.ts';
import { TaskStatus } from '../src/tasks/model.ts';

const FANOUT_KEY = 'bench-key-0123456789abcdef';
const OWNER = 'bench';
const pan123Url = process.env['BENCH_PAN123_URL'] ?? '';

const dir = mkdtempSync(join(tmpdir(), 'copygraph-bench-fanout-'));
const config = loadConfig({
  NODE_ENV: 'production',
  HOST: '127.0.0.1',
  PORT: '0',
  LOG_LEVEL: 'silent',
  COPYGRAPH_DEMO: 'false',
  COPYGRAPH_DB_PATH: join(dir, 'tasks.sqlite'),
  COPYGRAPH_API_KEYS: `${OWNER}:${FANOUT_KEY}`,
  // One key opens every subscription here: its quotas must not be what is measured.
  COPYGRAPH_REQUESTS_PER_SECOND: '1000000',
  COPYGRAPH_WS_MAX_SUBSCRIPTIONS_PER_KEY: '1000000',
  // A steady poll (no back-off) so that upstream calls per second compare across phases.
  COPYGRAPH_POLL_INITIAL_MS: '200',
  COPYGRAPH_POLL_MAX_MS: '200',
  PAN123_BASE_URL: pan123Url,
  PAN123_CLIENT_ID: 'demo-client',
  PAN123_CLIENT_SECRET: 'demo-secret',
});
const app = await startApp(config, { logger: pino({ level: 'silent' }) });
const tasks = app.services.tasks;
const gc = (globalThis as { gc?: () => void }).gc;

async function command(cmd: { op: string; n?: number; ids?: string[] }): Promise<unknown> {
  switch (cmd.op) {
    case 'rss': {
      gc?.();
      gc?.();
      const m = process.memoryUsage();
      return { rss: m.rss, heapUsed: m.heapUsed };
    }
    case 'tasks': {
      const ids: string[] = [];
      for (let i = 0; i < (cmd.n ?? 0); i++) {
        const t = await tasks.create({
          owner: OWNER,
          provider: Provider.PAN123,
          credentialSource: 'config',
          change: { status: TaskStatus.RUNNING, progress: { completed: 0, total: 10 } },
        });
        ids.push(t.id);
      }
      return { ids };
    }
    case 'change': {
      const at: Record<string, number> = {};
      for (const id of cmd.ids ?? []) {
        const task = await tasks.get(id, OWNER);
        if (!task) continue;
        at[id] = performance.timeOrigin + performance.now();
        await tasks.change(task, { progress: { completed: (task.progress?.completed ?? 0) + 1, total: task.progress?.total ?? 10 } });
      }
      return { at };
    }
    case 'heapsnapshot': {
      gc?.();
      return { file: writeHeapSnapshot() };
    }
    default:
      return { error: `unknown op ${cmd.op}` };
  }
}

process.stdout.write(`${JSON.stringify({ graphql: app.url, ws: app.wsUrl })}\n`);
for await (const line of createInterface({ input: process.stdin })) {
  if (!line.trim()) continue;
  process.stdout.write(`${JSON.stringify(await command(JSON.parse(line) as { op: string }))}\n`);
}
await app.stop();
process.exit(0);
