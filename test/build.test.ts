/**
 * The compiled build: tsc emits JavaScript that runs under plain `node` (no tsx), serves GraphQL and
 * copies against the emulators, and stops cleanly on SIGTERM.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmulatorSet, startDemoEmulators } from '../emulators/index.ts';
import { type Build, buildInto, type BuiltServer, startBuilt } from './helpers/built.ts';
import { ALICE, baseEnv } from './helpers/stack.ts';

let build: Build;
let emulators: EmulatorSet;
let server: BuiltServer;

beforeAll(async () => {
  [build, emulators] = await Promise.all([buildInto(), startDemoEmulators()]);
  server = await startBuilt(build, { ...baseEnv(emulators, ':memory:'), LOG_LEVEL: 'info', NODE_ENV: 'production' });
}, 180_000);

afterAll(async () => {
  await server?.stop();
  await emulators?.close();
  build?.remove();
});

describe('the compiled build', () => {
  it('runs with plain node and copies an object through the emulator', async () => {
    const key = `built/${Date.now()}.jpg`;
    const res = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ALICE}` },
      body: JSON.stringify({
        query: `mutation { copyObject(input: { source: { bucket: "demo-photos", key: "photos/sunflower.jpg" }, destination: { bucket: "demo-backup", key: "${key}" } }) {
          __typename ... on CopyTask { status } } }`,
      }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ data: { copyObject: { __typename: 'CopyTask', status: 'SUCCEEDED' } } });
    expect(emulators.qiniu.getObject('demo-backup', key)?.hash).toBe(emulators.qiniu.getObject('demo-photos', 'photos/sunflower.jpg')?.hash);
  });

  it('stops on SIGTERM with exit code 0', async () => {
    expect(await server.stop()).toBe(0);
    expect(server.lines.some((l) => l.includes('"msg":"stopped"'))).toBe(true);
  });
});
