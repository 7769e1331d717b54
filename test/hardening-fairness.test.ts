/**
 * Fairness inside the shared Feishu minute (issue 15, finding 5): one principal's burst must not starve
 * another principal's call on the same app identity. Real server, real Feishu emulator, a limiter clock
 * linked to the emulator's clock so the test moves the minute instead of sleeping through it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FEISHU_APIS } from '../datasources/feishu-wiki.ts';
import { FEISHU_DEMO, FEISHU_ROUTES } from '../emulators/feishu.ts';
import { type EmulatorSet, startDemoEmulators } from '../emulators/index.ts';
import { type App, startApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { EmulatorLinkedClock } from './helpers/replicas.ts';
import { ALICE, BOB, baseEnv, eventually } from './helpers/stack.ts';

const D = FEISHU_DEMO;
const COPY = /* GraphQL */ `
  mutation Copy($input: CopyWikiNodeInput!) {
    copyWikiNode(input: $input) {
      __typename
      ... on CopyTask { status result { ... on WikiNode { nodeToken } } }
      ... on UpstreamError { code retryAfterSeconds }
    }
  }
`;
interface Answer {
  __typename: string;
  status?: string;
  code?: string;
  result?: { nodeToken: string };
}

describe('fair share of the Feishu minute between principals', () => {
  let emulators: EmulatorSet;
  let app: App;
  let clock: EmulatorLinkedClock;
  let dir: string;

  beforeAll(async () => {
    emulators = await startDemoEmulators();
    dir = mkdtempSync(join(tmpdir(), 'copygraph-fair-'));
    clock = new EmulatorLinkedClock(emulators.feishu.control.clock);
    app = await startApp(loadConfig(baseEnv(emulators, join(dir, 'tasks.sqlite'))), { logger: pino({ level: 'silent' }), rateLimitClock: clock });
  });
  afterAll(async () => {
    await app?.stop();
    await emulators?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const copy = async (key: string): Promise<Answer> => {
    const res = await fetch(app.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ query: COPY, variables: { input: { spaceId: D.spaceId, nodeToken: D.nodes.onboarding, targetParentToken: D.nodes.templates } } }),
    });
    return ((await res.json()) as { data: { copyWikiNode: Answer } }).data.copyWikiNode;
  };

  it("answers B's single copy within seconds while A's burst of 250 waits, and A still gets the rest of the minute", async () => {
    const emu = emulators.feishu;
    const limiter = app.services.feishu.limiter;
    const key = app.services.feishu.limiterKey(FEISHU_APIS.copy, { appId: D.appId, appSecret: D.appSecret });
    const start = clock.now();
    const aAnswers = Promise.all(Array.from({ length: 250 }, () => copy(ALICE)));
    // A's burst: 91 sent (90 and the first reserve slot), the rest queued in copygraph.
    await eventually(() => {
      const s = limiter.stats(key, 'alice');
      return s.inFlight === 0 && s.recent >= 91 && s.recent + s.queued === 250 ? s : undefined;
    });

    // B's one call, on the same app identity, while A has ~159 calls queued.
    const t0 = performance.now();
    const bClock0 = clock.now();
    const b = await Promise.race([copy(BOB), new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), 5_000).unref())]);
    const waitedMs = performance.now() - t0;
    expect(b).toMatchObject({ __typename: 'CopyTask', status: 'SUCCEEDED' });
    // Without fairness B would wait until A's first calls leave the window (a minute of emulator time).
    expect(clock.now() - bClock0).toBeLessThan(6_000);
    console.info(`fairness: B's copy answered after ${waitedMs.toFixed(0)} ms (real), A had ${limiter.stats(key, 'alice').queued} queued`);

    // A alone drips in the rest of the reserve over the minute: the whole budget is used.
    while (clock.now() < start + 59_000) {
      clock.advance(Math.min(3_000, start + 59_000 - clock.now()));
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await eventually(() => (limiter.stats(key).recent === 100 ? true : undefined));
    expect(limiter.stats(key, 'alice').recent).toBe(99);
    expect(limiter.stats(key, 'bob').recent).toBe(1);

    // The next minute: A's queue moves on; what waited longer than the limiter allows is refused (nothing sent).
    clock.advance(5_000);
    const all = await aAnswers;
    const succeeded = all.filter((a) => a.status === 'SUCCEEDED').length;
    expect(succeeded).toBeGreaterThanOrEqual(99 + 80);
    console.info(
      `fairness: A's burst of 250: ${succeeded} copied (the first minute and the start of the next), ${250 - succeeded} refused after waiting the limiter's maximum RATE_LIMITED (nothing sent)`,
    );
    for (const a of all) if (a.status !== 'SUCCEEDED') expect(a).toMatchObject({ __typename: 'UpstreamError', code: 'RATE_LIMITED' });

    // The emulator's counts: every success is one call, no 429, never more than 100 in a window.
    const log = emu.callLog(FEISHU_ROUTES.copy);
    expect(log).toHaveLength(succeeded + 1);
    expect(log.filter((e) => e.status === 429)).toHaveLength(0);
    for (const e of log) {
      expect(emu.callsInWindow(FEISHU_ROUTES.copy, e.at, `app:${D.appId}`)).toBeLessThanOrEqual(100);
      expect(log.filter((x) => x.at >= e.at && x.at < e.at + 60_000).length).toBeLessThanOrEqual(100);
    }
  }, 60_000);
});
