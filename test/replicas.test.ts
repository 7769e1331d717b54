/**
 * Three copygraph replicas (in-process `startApp`s) on one PostgreSQL database and one set of
 * emulators, as behind a load balancer without sticky sessions: a subscription on one replica sees a
 * copy another runs; a task is polled by one replica only, also when its owner reads it through
 * another; a dropped notification connection is re-established without losing the final state; Blue
 * copies into one list through two replicas are serialised; Feishu's 100 calls a minute hold over all
 * three. (The kill -9 takeover runs on real processes: replicas-process.test.ts.)
 */
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BLUE_DEMO } from '../emulators/blue.ts';
import { FEISHU_DEMO, FEISHU_ROUTES } from '../emulators/feishu.ts';
import { type EmulatorSet, startDemoEmulators } from '../emulators/index.ts';
import type { PostgresPubSub } from '../src/tasks/pubsub/postgres.ts';
import { createDatabase } from './helpers/postgres.ts';
import { EmulatorLinkedClock, type InProcessReplica, replicaEnv, startReplicaInProcess } from './helpers/replicas.ts';
import { collect, eventually } from './helpers/stack.ts';

const COPY_IMAGES = `mutation ($input: CopyImagesInput!) {
  copyImages(input: $input) { __typename ... on CopyTask { id status upstreamTaskId progress { completed total } } }
}`;
const TASK = `query ($id: ID!) { copyTask(id: $id) { id status isFinal upstreamTaskId progress { completed total } error { code } } }`;
const WATCH = `subscription ($id: ID!) { copyTaskUpdated(id: $id) { id status isFinal progress { completed total } } }`;

type Result = Record<string, any>;

let emulators: EmulatorSet;
let url: string;
let admin: pg.Pool;
let clock: EmulatorLinkedClock;
let replicas: InProcessReplica[];
let a: InProcessReplica;
let b: InProcessReplica;
let c: InProcessReplica;
const pan = () => emulators.pan123;

beforeAll(async () => {
  emulators = await startDemoEmulators();
  url = await createDatabase('replicas');
  admin = new pg.Pool({ connectionString: url, max: 2 });
  clock = new EmulatorLinkedClock(emulators.feishu.control.clock);
  const env = replicaEnv(emulators, url);
  replicas = [];
  for (const name of ['A', 'B', 'C']) replicas.push(await startReplicaInProcess(name, env, { rateLimitClock: clock }));
  [a, b, c] = replicas as [InProcessReplica, InProcessReplica, InProcessReplica];
}, 60_000);
afterAll(async () => {
  await Promise.all(replicas.map((r) => r.stop()));
  await admin.end();
  await emulators.close();
});
afterEach(() => {
  pan().control.clock.advance(600_000);
});

let folders = 0;
function seedImages(n: number): { ids: string[]; target: string } {
  folders += 1;
  const folder = pan().seedDriveFolder({ filename: `replicas-${folders}` });
  const ids = Array.from({ length: n }, (_, i) =>
    String(pan().seedDriveFile({ filename: `r${folders}-img${i}.jpg`, size: 20_000 + folders * 1000 + i, parentFileId: folder.fileId }).fileId),
  );
  return { ids, target: pan().seedOssFolder({ filename: `replicas-target-${folders}` }).fileId };
}

/** Which replicas polled the task (by their watchers' counts). */
const pollers = (taskId: string) => replicas.filter((r) => (r.app.services.watcher.taskPollCounts.get(taskId) ?? 0) > 0).map((r) => r.name);

describe('several replicas on PostgreSQL', () => {
  it('runs a copy through A while subscriptions on B and C see every change to the final state', async () => {
    const { ids, target } = seedImages(250);
    const submits = pan().control.calls('oss_copy');
    const { copyImages: r } = await a.data<{ copyImages: Result }>(COPY_IMAGES, { input: { fileIds: ids, toParentFileId: target } });
    const onB = collect(b.ws(), WATCH, { id: r.id });
    const onC = collect(c.ws(), WATCH, { id: r.id });
    await eventually(() => (pollers(r.id).length > 0 ? true : undefined));
    for (const t of r.upstreamTaskId.split(',')) pan().finishTask(t);
    for (const seen of [(await onB).map((e) => e.copyTaskUpdated), (await onC).map((e) => e.copyTaskUpdated)]) {
      expect(seen.at(-1)).toMatchObject({ id: r.id, status: 'SUCCEEDED', isFinal: true, progress: { completed: 3, total: 3 } });
      const completed = seen.map((e) => e.progress.completed);
      expect(completed).toEqual([...completed].sort((x, y) => x - y));
      expect(seen.filter((e) => e.isFinal)).toHaveLength(1);
      // No state twice: each event differs from the one before.
      for (let i = 1; i < seen.length; i++) expect(seen[i]).not.toEqual(seen[i - 1]);
    }
    expect(pollers(r.id)).toEqual(['A']);
    expect(pan().control.calls('oss_copy') - submits).toBe(3);
    expect(pan().ossImages(target)).toHaveLength(250);
  });

  it('polls a task started with per-request credentials on one replica only, however its owner reads it', async () => {
    const headers = { 'x-pan123-client-id': 'demo-client', 'x-pan123-client-secret': 'demo-secret' };
    const { ids, target } = seedImages(500);
    const submits = pan().control.calls('oss_copy');
    const { copyImages: r } = await a.data<{ copyImages: Result }>(COPY_IMAGES, { input: { fileIds: ids, toParentFileId: target } }, headers);
    const done = await eventually(
      async () => {
        pan().control.clock.advance(1_000);
        // Reads with the credentials through the other replicas (a load balancer spreads them).
        for (const replica of [b, c]) await replica.data(TASK, { id: r.id }, headers);
        const t = (await a.data<{ copyTask: Result }>(TASK, { id: r.id })).copyTask;
        return t.isFinal ? t : undefined;
      },
      30_000,
      50,
    );
    expect(done).toMatchObject({ status: 'SUCCEEDED', progress: { completed: 5, total: 5 } });
    expect(pan().control.calls('oss_copy') - submits).toBe(5);
    expect(pollers(r.id)).toEqual(['A']);
    expect(pan().ossImages(target)).toHaveLength(500);
  });

  it('resumes a task waiting for per-request credentials on whichever replica its owner reaches next', async () => {
    const headers = { 'x-pan123-client-id': 'demo-client', 'x-pan123-client-secret': 'demo-secret' };
    const d = await startReplicaInProcess('D', replicaEnv(emulators, url), { rateLimitClock: clock });
    const { ids, target } = seedImages(400);
    const submits = pan().control.calls('oss_copy');
    const { copyImages: r } = await d.data<{ copyImages: Result }>(COPY_IMAGES, { input: { fileIds: ids, toParentFileId: target } }, headers);
    await eventually(() => ((d.app.services.watcher.taskPollCounts.get(r.id) ?? 0) > 0 ? true : undefined));
    // D goes away with the credentials (they were only in its memory).
    await d.stop();
    // Another replica claims the orphan, cannot poll it without credentials, and says so.
    const waiting = await eventually(
      async () => {
        const t = (await a.data<{ copyTask: Result }>(TASK, { id: r.id })).copyTask;
        return t.error?.code === 'CREDENTIALS_REQUIRED' ? t : undefined;
      },
      30_000,
      200,
    );
    expect(waiting.isFinal).toBe(false);
    // The owner's next read, with credentials, lands on C: C resumes and finishes it.
    const done = await eventually(
      async () => {
        pan().control.clock.advance(1_000);
        const t = (await c.data<{ copyTask: Result }>(TASK, { id: r.id }, headers)).copyTask;
        return t.isFinal ? t : undefined;
      },
      30_000,
      100,
    );
    expect(done).toMatchObject({ status: 'SUCCEEDED', progress: { completed: 4, total: 4 }, error: null });
    expect(c.app.services.watcher.taskPollCounts.get(r.id) ?? 0).toBeGreaterThan(0);
    expect(pan().control.calls('oss_copy') - submits).toBe(4);
    expect(pan().ossImages(target)).toHaveLength(400);
  }, 90_000);

  it('re-listens after its notification connection drops and still delivers the final state', async () => {
    const { ids, target } = seedImages(120);
    const { copyImages: r } = await a.data<{ copyImages: Result }>(COPY_IMAGES, { input: { fileIds: ids, toParentFileId: target } });
    const onB = collect(b.ws(), WATCH, { id: r.id });
    await eventually(() => (pollers(r.id).length > 0 ? true : undefined));
    const before = (b.app.services.pubsub as PostgresPubSub).reconnects;
    // The server ends every replica's LISTEN connection (a failover, an idle timeout, a network cut).
    const { rows } = await admin.query(
      "SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE datname = current_database() AND query = 'LISTEN copygraph_tasks'",
    );
    expect(rows.length).toBeGreaterThanOrEqual(3);
    for (const t of r.upstreamTaskId.split(',')) pan().finishTask(t);
    const seen = (await onB).map((e) => e.copyTaskUpdated);
    expect(seen.at(-1)).toMatchObject({ status: 'SUCCEEDED', isFinal: true });
    await eventually(() => ((b.app.services.pubsub as PostgresPubSub).reconnects > before ? true : undefined));
  });

  it('serialises Blue copies into one list across replicas, so both copies are identified', async () => {
    const D = BLUE_DEMO;
    const COPY = `mutation ($input: CopyTodoInput!) { copyTodo(input: $input) { __typename ... on CopyTask { id status result { __typename ... on BlueTodo { id } ... on UnidentifiedBlueTodo { reason } } } } }`;
    const blue = emulators.blue;
    const before = new Set(blue.todosInList(D.lists.archive.backlog).map((t) => t.id));
    // Slow answers widen the window in which two unserialised copies would overlap.
    blue.control.setLatency(40);
    try {
      const input = { todoId: D.todos.launchPlan, todoListId: D.lists.archive.backlog, options: [] };
      const answers = await Promise.all([a, b].map((r) => r.data<{ copyTodo: Result }>(COPY, { input })));
      const made = blue
        .todosInList(D.lists.archive.backlog)
        .filter((t) => !before.has(t.id))
        .map((t) => t.id);
      expect(made).toHaveLength(2);
      expect(answers.map((x) => x.copyTodo.result.__typename)).toEqual(['BlueTodo', 'BlueTodo']);
      expect(new Set(answers.map((x) => x.copyTodo.result.id))).toEqual(new Set(made));
    } finally {
      blue.control.setLatency(0);
    }
  });

  it('keeps 300 Feishu copies spread over three replicas within 100 calls a minute upstream', async () => {
    const D = FEISHU_DEMO;
    const emu = emulators.feishu;
    const COPY = `mutation ($input: CopyWikiNodeInput!) { copyWikiNode(input: $input) { __typename ... on CopyTask { status } ... on UpstreamError { code retryable } } }`;
    const input = { spaceId: D.spaceId, nodeToken: D.nodes.onboarding, targetParentToken: D.nodes.templates };
    const sentBefore = emu.callLog(FEISHU_ROUTES.copy).length;
    const answers = Promise.all(Array.from({ length: 300 }, (_, i) => (replicas[i % 3] as InProcessReplica).data<{ copyWikiNode: Result }>(COPY, { input })));
    const sent = () => emu.callLog(FEISHU_ROUTES.copy).length - sentBefore;
    // The first minute's 100 go through; the other 200 wait in copygraph, not at Feishu.
    await eventually(() => (sent() === 100 ? true : undefined), 20_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(sent()).toBe(100);
    clock.advance(61_000);
    const all = (await answers).map((x) => x.copyWikiNode);
    const succeeded = all.filter((x) => x.__typename === 'CopyTask' && x.status === 'SUCCEEDED').length;
    // What could not wait long enough was refused without being sent (retryable), never sent over the limit.
    for (const x of all) if (x.__typename !== 'CopyTask') expect(x).toMatchObject({ code: 'RATE_LIMITED', retryable: true });
    expect(succeeded).toBeGreaterThanOrEqual(200);
    expect(sent()).toBe(succeeded);
    const log = emu.callLog(FEISHU_ROUTES.copy).slice(sentBefore);
    expect(log.filter((e) => e.status === 429)).toHaveLength(0);
    for (const e of log) {
      expect(emu.callsInWindow(FEISHU_ROUTES.copy, e.at, `app:${D.appId}`)).toBeLessThanOrEqual(100);
      expect(log.filter((x) => x.at >= e.at && x.at < e.at + 60_000).length).toBeLessThanOrEqual(100);
    }
  });
});
