/**
 * Three copygraph processes (`node --import tsx src/main.ts`) on one PostgreSQL database and one set
 * of emulators (in this test process). The replica holding a split 123pan copy's lease is killed with
 * SIGKILL in the middle of the copy: no shutdown, no lease released. Another replica takes the task
 * over once the lease expires and finishes it; the emulator's counts prove every part was submitted
 * exactly once. A subscription on a surviving replica sees the final state.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmulatorSet, startDemoEmulators } from '../emulators/index.ts';
import { MIGRATIONS, migrate } from '../src/tasks/store/migrations.ts';
import { createDatabase } from './helpers/postgres.ts';
import { type ReplicaProcess, replicaEnv, startReplicaProcess } from './helpers/replicas.ts';
import { collect, eventually } from './helpers/stack.ts';

const COPY_IMAGES = `mutation ($input: CopyImagesInput!) {
  copyImages(input: $input) { __typename ... on CopyTask { id status upstreamTaskId progress { completed total } } }
}`;
const TASK = `query ($id: ID!) { copyTask(id: $id) { id status isFinal upstreamTaskId progress { completed total } } }`;
const WATCH = `subscription ($id: ID!) { copyTaskUpdated(id: $id) { id status isFinal progress { completed total } } }`;

type Result = Record<string, any>;
const LATEST = MIGRATIONS.at(-1)?.version ?? 0;

let emulators: EmulatorSet;
let admin: pg.Pool;
let replicas: ReplicaProcess[] = [];

beforeAll(async () => {
  emulators = await startDemoEmulators();
  const url = await createDatabase('processes');
  admin = new pg.Pool({ connectionString: url, max: 2 });
  const env = replicaEnv(emulators, url);
  // The first one migrates; the others start together on the migrated schema.
  replicas.push(await startReplicaProcess('A', env));
  replicas.push(...(await Promise.all(['B', 'C'].map((name) => startReplicaProcess(name, env)))));
}, 120_000);
afterAll(async () => {
  await Promise.all(replicas.map((r) => r.stop()));
  await admin?.end();
  await emulators?.close();
});

const holderOf = async (taskId: string): Promise<string | undefined> => {
  const { rows } = await admin.query<{ holder: string }>('SELECT holder FROM task_leases WHERE task_id = $1 AND expires_at > now()', [taskId]);
  return rows[0]?.holder;
};

describe('replica processes on PostgreSQL', () => {
  it('finishes a split 123pan copy through another replica after the lease holder is killed -9, submitting every part once', async () => {
    const pan = emulators.pan123;
    const folder = pan.seedDriveFolder({ filename: 'kill-9' });
    const ids = Array.from({ length: 500 }, (_, i) =>
      String(pan.seedDriveFile({ filename: `k${i}.jpg`, size: 50_000 + i, parentFileId: folder.fileId }).fileId),
    );
    const target = pan.seedOssFolder({ filename: 'kill-9-target' }).fileId;
    const submits = pan.control.calls('oss_copy');
    const [a, b, c] = replicas as [ReplicaProcess, ReplicaProcess, ReplicaProcess];

    const { copyImages: r } = await a.data<{ copyImages: Result }>(COPY_IMAGES, { input: { fileIds: ids, toParentFileId: target } });
    expect(r.upstreamTaskId.split(',')).toHaveLength(3);
    const onC = collect(c.ws(), WATCH, { id: r.id });

    // The replica that accepted the copy holds its lease.
    const holder = await eventually(() => holderOf(r.id));
    expect(holder.split(':')[1]).toBe(String(a.pid));

    // Mid-copy: the first part ends, A submits the fourth and records it, then dies without a word.
    pan.finishTask(r.upstreamTaskId.split(',')[0]);
    await eventually(async () => {
      const t = (await b.data<{ copyTask: Result }>(TASK, { id: r.id })).copyTask;
      return (t.upstreamTaskId ?? '').split(',').length >= 4 ? t : undefined;
    }, 20_000);
    await a.kill9();
    replicas = replicas.filter((x) => x !== a);
    // What A left behind: unfinished, the fifth part not submitted. Whatever submits it is another replica.
    const left = (await b.data<{ copyTask: Result }>(TASK, { id: r.id })).copyTask;
    expect(left.isFinal).toBe(false);
    expect(left.upstreamTaskId.split(',')).toHaveLength(4);
    const successor = await eventually(
      async () => {
        const h = await holderOf(r.id);
        return h && !h.includes(`:${a.pid}:`) ? h : undefined;
      },
      60_000,
      200,
    );
    expect([String(b.pid), String(c.pid)]).toContain(successor.split(':')[1]);

    const done = await eventually(
      async () => {
        const t = (await b.data<{ copyTask: Result }>(TASK, { id: r.id })).copyTask;
        return t.isFinal ? t : undefined;
      },
      60_000,
      200,
    );
    expect(done).toMatchObject({ status: 'SUCCEEDED', progress: { completed: 5, total: 5 } });
    const upstream = done.upstreamTaskId.split(',');
    expect(upstream).toHaveLength(5);
    // Every part was submitted once, whichever replica ran it: five submits, each id in exactly one.
    expect(pan.control.calls('oss_copy') - submits).toBe(5);
    const submitted = upstream.flatMap((t: string) => pan.task(t)?.fileIDs ?? []);
    expect(submitted).toHaveLength(500);
    expect(new Set(submitted)).toEqual(new Set(ids));
    expect(pan.ossImages(target)).toHaveLength(500);

    const seen = (await onC).map((e) => e.copyTaskUpdated);
    expect(seen.at(-1)).toMatchObject({ status: 'SUCCEEDED', isFinal: true });
    expect(seen.filter((e) => e.isFinal)).toHaveLength(1);
  }, 120_000);

  it('stops a replica at start, with a clear message, when the database schema is newer than it knows', async () => {
    const url = await createDatabase('future');
    const pool = new pg.Pool({ connectionString: url, max: 1 });
    try {
      await migrate(pool);
      await pool.query("INSERT INTO schema_migrations (version, name) VALUES ($1, 'from a newer copygraph')", [LATEST + 1]);
    } finally {
      await pool.end();
    }
    await expect(startReplicaProcess('future', replicaEnv(emulators, url))).rejects.toThrow(
      `exited (1) before listening: copygraph: The database schema is at version ${LATEST + 1}, newer than this copygraph knows (${LATEST})`,
    );
  }, 60_000);
});
