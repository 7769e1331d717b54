/**
 * The crash window between "the copy was sent" and "its answer was stored". A real copygraph process
 * (`node --import tsx src/main.ts`, its own PID) copies through every provider while each emulator
 * holds its answer; once every copy request has reached its emulator the process is killed with
 * SIGKILL (no shutdown hook runs). A new copygraph on the same SQLite file must find each task still
 * "submitting" (src/tasks/model.ts) and report it FAILED with OUTCOME_UNKNOWN — and never send any
 * copy a second time.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BLUE_DEMO } from '../emulators/blue.ts';
import { COZE_DEMO, COZE_ROUTES } from '../emulators/coze.ts';
import { FEISHU_DEMO, FEISHU_ROUTES } from '../emulators/feishu.ts';
import { type EmulatorSet, startDemoEmulators } from '../emulators/index.ts';
import { type App, startApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { ALICE, baseEnv, eventually } from './helpers/stack.ts';

type Result = Record<string, any>;

let emulators: EmulatorSet;
let dir: string;
let child: ChildProcess | undefined;
let app: App | undefined;

beforeAll(async () => {
  emulators = await startDemoEmulators();
  dir = mkdtempSync(join(tmpdir(), 'copygraph-crash-'));
});
afterAll(async () => {
  child?.kill('SIGKILL');
  await app?.stop();
  await emulators.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Starts copygraph as a child process; resolves with its URL once it listens. */
function startChild(env: Record<string, string>): Promise<{ proc: ChildProcess; url: string }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: join(import.meta.dirname, '..'),
    env: { PATH: process.env['PATH'] ?? '', ...env, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    proc.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /"url":"(http:\/\/[^"]+)"[^\n]*copygraph is listening/.exec(out);
      if (m?.[1]) resolve({ proc, url: m[1] });
    });
    proc.stderr?.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    proc.on('exit', (code) => reject(new Error(`copygraph exited (${code}) before listening: ${err.slice(0, 2000)}`)));
  });
}

async function gql(url: string, query: string, variables: Record<string, unknown> = {}): Promise<Result> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ALICE}` },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as Result;
}

const HOLD_MS = 20_000;
/** Blue's every call is this slow: the kill comes within this window after copyTodo arrived. */
const BLUE_LATENCY_MS = 2_500;

describe('kill -9 while every copy request is in flight', () => {
  it('restarts on the same SQLite file, reports each task OUTCOME_UNKNOWN and sends no copy twice', async () => {
    const dbPath = join(dir, 'tasks.sqlite');
    const env = { ...baseEnv(emulators, dbPath), COPYGRAPH_UPSTREAM_TIMEOUT_MS: String(HOLD_MS * 2) };
    const { proc, url } = await startChild(env);
    child = proc;

    const { qiniu, coze, feishu, pan123, blue } = emulators;
    // Each emulator holds its copy answer (the copy route only; tokens and reads answer at once).
    qiniu.control.injectFault({ route: 'copy', status: 200, delayMs: HOLD_MS, times: 1 });
    coze.control.injectFault({ route: COZE_ROUTES.copy, status: 200, delayMs: HOLD_MS, times: 1 });
    feishu.control.injectFault({ route: FEISHU_ROUTES.copy, status: 200, delayMs: HOLD_MS, times: 1 });
    pan123.control.injectFault({ route: 'oss_copy', status: 200, delayMs: HOLD_MS, times: 1 });
    // Blue has one route for every operation: it is slowed as a whole, and copyTodo is its 2nd call of
    // a copy (after the read that notes the list's records).
    blue.control.setLatency(BLUE_LATENCY_MS);
    const before = {
      qiniu: qiniu.control.calls('copy'),
      coze: coze.control.calls(COZE_ROUTES.copy),
      feishu: feishu.control.calls(FEISHU_ROUTES.copy),
      pan123: pan123.control.calls('oss_copy'),
      blue: blue.control.calls('graphql'),
    };
    const blueInList = blue.todosInList(BLUE_DEMO.lists.roadmap.doing).length;
    const drive = pan123.seedDriveFolder({ filename: 'crash-src' });
    const images = [0, 1, 2].map((i) => String(pan123.seedDriveFile({ filename: `crash-${i}.png`, size: 7000 + i, parentFileId: drive.fileId }).fileId));
    const target = pan123.seedOssFolder({ filename: 'crash-target' }).fileId;

    const ANSWER = '__typename';
    const inFlight = [
      gql(url, `mutation ($i: CopyObjectInput!) { copyObject(input: $i) { ${ANSWER} } }`, {
        i: { source: { bucket: 'demo-photos', key: 'photos/sunflower.jpg' }, destination: { bucket: 'demo-backup', key: 'crash/one.jpg' } },
      }),
      gql(url, `mutation ($i: CopyCozeEntityInput!) { copyCozeEntity(input: $i) { ${ANSWER} } }`, {
        i: { entityId: COZE_DEMO.workflowId, entityType: 'WORKFLOW' },
      }),
      gql(url, `mutation ($i: CopyWikiNodeInput!) { copyWikiNode(input: $i) { ${ANSWER} } }`, {
        i: { spaceId: FEISHU_DEMO.spaceId, nodeToken: FEISHU_DEMO.nodes.onboarding, targetParentToken: FEISHU_DEMO.nodes.templates },
      }),
      gql(url, `mutation ($i: CopyImagesInput!) { copyImages(input: $i) { ${ANSWER} } }`, { i: { fileIds: images, toParentFileId: target } }),
    ];
    // Blue after the others: its slowed reads must not hold the others back.
    inFlight.push(
      gql(url, `mutation ($i: CopyTodoInput!) { copyTodo(input: $i) { ${ANSWER} } }`, {
        i: { todoId: BLUE_DEMO.todos.launchPlan, todoListId: BLUE_DEMO.lists.roadmap.doing, options: [] },
      }),
    );
    for (const p of inFlight) p.catch(() => undefined);

    await eventually(
      () =>
        qiniu.control.calls('copy') > before.qiniu &&
        coze.control.calls(COZE_ROUTES.copy) > before.coze &&
        feishu.control.calls(FEISHU_ROUTES.copy) > before.feishu &&
        pan123.control.calls('oss_copy') > before.pan123 &&
        blue.control.calls('graphql') >= before.blue + 2
          ? true
          : undefined,
      HOLD_MS,
    );
    proc.kill('SIGKILL');
    await new Promise((resolve) => proc.once('exit', resolve));
    child = undefined;
    blue.control.setLatency(0);

    // The Blue copy the dead process sent still lands (the emulator answers into a closed socket).
    await eventually(() => (blue.todosInList(BLUE_DEMO.lists.roadmap.doing).length > blueInList ? true : undefined), HOLD_MS * 2);

    app = await startApp(loadConfig(baseEnv(emulators, dbPath)), { logger: pino({ level: 'silent' }) });
    const tasks = await eventually(async () => {
      const body = await gql(
        app!.url,
        '{ copyTasks(first: 20) { edges { node { provider status isFinal error { code message } failures { itemId reason } } } } }',
      );
      const nodes: Result[] = body.data.copyTasks.edges.map((e: Result) => e.node);
      return nodes.length === 5 && nodes.every((n) => n.isFinal) ? nodes : undefined;
    });
    for (const provider of ['QINIU', 'COZE', 'FEISHU', 'PAN123', 'BLUE']) {
      const t = tasks.find((n) => n.provider === provider);
      expect(t, provider).toMatchObject({ status: 'FAILED', error: { code: 'OUTCOME_UNKNOWN' } });
      expect(t?.error.message, provider).toMatch(/interrupted while submitting; copygraph cannot tell whether it ran/);
    }
    expect(tasks.find((n) => n.provider === 'PAN123')?.failures).toHaveLength(3);

    // Several poll intervals later, still one copy request per provider.
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(qiniu.control.calls('copy')).toBe(before.qiniu + 1);
    expect(coze.control.calls(COZE_ROUTES.copy)).toBe(before.coze + 1);
    expect(feishu.control.calls(FEISHU_ROUTES.copy)).toBe(before.feishu + 1);
    expect(pan123.control.calls('oss_copy')).toBe(before.pan123 + 1);
  }, 90_000);
});
