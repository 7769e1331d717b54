/**
 * Derived tokens scrubbed end to end (issue 15, finding 4): the Feishu tenant_access_token and the
 * 123pan access token are not configured anywhere, copygraph obtains them. An emulator fault switch
 * (`echoToken`, a test control) makes the upstream echo the bearer token it got in its error message;
 * the GraphQL answer, every log line (trace level) and the task store's bytes must not contain it.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FEISHU_ROUTES } from '../emulators/feishu.ts';
import { type EmulatorSet, FEISHU_DEMO, PAN123_DEMO, startDemoEmulators } from '../emulators/index.ts';
import { type App, startApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { captureLogs } from './helpers/logs.ts';
import { ALICE, baseEnv, eventually } from './helpers/stack.ts';

let emulators: EmulatorSet;
let app: App;
let dbPath: string;
const { logger, text: logText } = captureLogs('trace');

beforeAll(async () => {
  emulators = await startDemoEmulators();
  dbPath = join(mkdtempSync(join(tmpdir(), 'copygraph-derived-')), 'tasks.sqlite');
  app = await startApp(loadConfig({ ...baseEnv(emulators, dbPath), LOG_LEVEL: 'trace' }), { logger });
});
afterAll(async () => {
  await app?.stop();
  await emulators?.close();
});

async function gql(query: string): Promise<string> {
  const res = await fetch(app.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ALICE}` },
    body: JSON.stringify({ query }),
  });
  return JSON.stringify(await res.json());
}

const RESULT = '__typename ... on CopyTask { id status error { code message } } ... on UpstreamError { code message upstreamMessage }';
const FEISHU_COPY = `mutation { copyWikiNode(input: { spaceId: "${FEISHU_DEMO.spaceId}", nodeToken: "${FEISHU_DEMO.nodes.accounts}", targetParentToken: "${FEISHU_DEMO.nodes.templates}" }) { ${RESULT} } }`;
const PAN_COPY = `mutation { copyImages(input: { fileIds: ["${PAN123_DEMO.imageFileIds[0]}"], toParentFileId: "${PAN123_DEMO.ossFolderId}" }) { ${RESULT} } }`;
const taskError = (id: string) => gql(`{ copyTask(id: "${id}") { id status error { code message upstreamCode } } }`);
const storeBytes = () => readFileSync(dbPath).toString('latin1') + readFileSync(`${dbPath}-wal`, { flag: 'a+' }).toString('latin1');

describe('derived tokens', () => {
  it('the Feishu tenant token echoed in a copy refusal and in an unknown outcome reaches no answer, log line or stored task', async () => {
    const feishu = emulators.feishu;
    feishu.control.injectFault({
      route: FEISHU_ROUTES.copy,
      status: 400,
      body: { code: 131006, msg: 'permission denied for Bearer {token}' },
      echoToken: true,
      times: 1,
    });
    const refused = await gql(FEISHU_COPY);
    feishu.control.injectFault({
      route: FEISHU_ROUTES.copy,
      status: 500,
      body: { code: 131001, msg: 'rpc fail (token={token})' },
      echoToken: true,
      times: 1,
    });
    const unknown = await gql(FEISHU_COPY);
    const tokens = feishu.tenantTokensOf(FEISHU_DEMO.appId);
    expect(tokens.length).toBeGreaterThan(0);
    // The upstream really echoed it: copygraph replaced it.
    expect(refused).toContain('[redacted]');
    expect(refused).toContain('FORBIDDEN');
    const ids = [...`${refused}${unknown}`.matchAll(/"id":"([^"]+)"/g)].map((m) => m[1] as string);
    const stored = await Promise.all(ids.map(taskError));
    expect(stored.join('')).toContain('OUTCOME_UNKNOWN');
    // The refusal's echoed message was stored with its task (scrubbed), so the store search below is not vacuous.
    expect(storeBytes()).toContain('permission denied for Bearer [redacted]');
    for (const token of tokens) {
      for (const text of [refused, unknown, ...stored]) expect(text).not.toContain(token);
      expect(logText()).not.toContain(token);
      expect(storeBytes()).not.toContain(token);
    }
  });

  it('the 123pan access token echoed at submit and while the watcher follows the copy reaches no answer, log line or stored task', async () => {
    const pan = emulators.pan123;
    pan.control.injectFault({ route: 'oss_copy', status: 200, body: { code: 5113, message: 'token {token} refused', data: null }, echoToken: true, times: 1 });
    const refused = await gql(PAN_COPY);
    // A copy accepted, then every progress query echoes the token in its failure (the watcher stores it).
    pan.control.injectFault({
      route: 'oss_copy_process',
      status: 200,
      body: { code: 5066, message: 'bad token {token}', data: null },
      echoToken: true,
    });
    const followed = await gql(PAN_COPY);
    const id = /"id":"([^"]+)"/.exec(followed)?.[1] as string;
    expect(id).toBeDefined();
    const final = await eventually(async () => {
      const t = await taskError(id);
      return t.includes('"status":"RUNNING"') || t.includes('"status":"QUEUED"') ? undefined : t;
    }, 20_000);
    pan.control.clearFaults();
    const tokens = pan.issuedTokens();
    expect(tokens.length).toBeGreaterThan(0);
    expect(`${refused}${final}`).toContain('[redacted]');
    expect(storeBytes()).toContain('[redacted]');
    for (const token of tokens) {
      for (const text of [refused, followed, final]) expect(text).not.toContain(token);
      expect(logText()).not.toContain(token);
      expect(storeBytes()).not.toContain(token);
    }
  }, 30_000);
});
