/**
 * Secrets never reach a log line, an error message or the task store: copies with configured and with
 * per-request credentials for all five providers, every log line captured at the most verbose level,
 * then the SQLite file's bytes and the logs are searched for each secret.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COZE_DEMO, type EmulatorSet, FEISHU_DEMO, PAN123_DEMO, startDemoEmulators } from '../emulators/index.ts';
import { type App, startApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { captureLogs } from './helpers/logs.ts';
import { ALICE, baseEnv, eventually } from './helpers/stack.ts';

const REQUEST_SECRETS = {
  qiniu: 'request-qiniu-secret-key-xyz',
  coze: 'pat_request_coze_token_xyz',
  feishu: 'u-request-feishu-user-token',
  pan123: 'request-pan123-client-secret',
  blue: 'request-blue-token-secret',
};
const CONFIG_SECRETS = ['demo-sk', 'pat_demo', 'demo-secret'];

let emulators: EmulatorSet;
let app: App;
let dbPath: string;
const { logger, text: logText } = captureLogs('trace');

beforeAll(async () => {
  emulators = await startDemoEmulators();
  // The emulators accept the per-request credentials, so the copies really run with them.
  emulators.qiniu.addAccount('request-ak', REQUEST_SECRETS.qiniu);
  emulators.qiniu.createBucket('request-bucket', 'request-ak');
  emulators.qiniu.putObject('request-bucket', 'a.txt', 'secret test');
  emulators.coze.addToken(REQUEST_SECRETS.coze, COZE_DEMO.userId);
  emulators.feishu.addUser({ token: REQUEST_SECRETS.feishu, openId: FEISHU_DEMO.userOpenId });
  emulators.pan123.addClient('request-client', REQUEST_SECRETS.pan123);
  dbPath = join(mkdtempSync(join(tmpdir(), 'copygraph-secrets-')), 'tasks.sqlite');
  app = await startApp(loadConfig({ ...baseEnv(emulators, dbPath), LOG_LEVEL: 'trace' }), { logger });
});
afterAll(async () => {
  await app.stop();
  await emulators.close();
});

async function gql(query: string, headers: Record<string, string> = {}) {
  const res = await fetch(app.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ALICE}`, ...headers },
    body: JSON.stringify({ query }),
  });
  return JSON.stringify(await res.json());
}

const COPIES = {
  qiniu:
    'mutation { copyObject(input: { source: { bucket: "request-bucket", key: "a.txt" }, destination: { bucket: "request-bucket", key: "b.txt" } }) { __typename ... on CopyTask { id } ... on CopyError { code message } } }',
  coze: `mutation { copyCozeEntity(input: { entityId: "${COZE_DEMO.workflowId}", entityType: WORKFLOW, toWorkspaceId: "${COZE_DEMO.otherTeamWorkspaceId}" }) { __typename ... on CopyTask { id } ... on CopyError { code message } } }`,
  feishu: `mutation { copyWikiNode(input: { spaceId: "${FEISHU_DEMO.spaceId}", nodeToken: "${FEISHU_DEMO.nodes.accounts}", targetParentToken: "${FEISHU_DEMO.nodes.templates}" }) { __typename ... on CopyTask { id } ... on CopyError { code message } } }`,
  pan123: `mutation { copyImages(input: { fileIds: ["${PAN123_DEMO.imageFileIds[0]}"], toParentFileId: "${PAN123_DEMO.ossFolderId}" }) { __typename ... on CopyTask { id } ... on CopyError { code message } } }`,
  blue: 'mutation { copyTodo(input: { todoId: "cdemo0todo-launch", todoListId: "cdemo0rm-done", options: [] }) { __typename ... on CopyTask { id } ... on CopyError { code message } } }',
};

describe('secrets', () => {
  it('never reach the logs, the answers or the task store, with configured or per-request credentials', async () => {
    const answers: string[] = [];
    const configQiniu =
      'mutation { copyObject(input: { source: { bucket: "demo-photos", key: "docs/readme.txt" }, destination: { bucket: "demo-backup", key: "secret-test.txt" }, overwrite: true }) { __typename ... on CopyTask { id } ... on CopyError { code message } } }';
    for (const query of [configQiniu, ...Object.values(COPIES).slice(1)]) answers.push(await gql(query));
    answers.push(await gql(COPIES.qiniu, { 'x-qiniu-access-key': 'request-ak', 'x-qiniu-secret-key': REQUEST_SECRETS.qiniu }));
    answers.push(await gql(COPIES.coze, { 'x-coze-token': REQUEST_SECRETS.coze }));
    answers.push(await gql(COPIES.feishu, { 'x-feishu-user-access-token': REQUEST_SECRETS.feishu }));
    answers.push(await gql(COPIES.pan123, { 'x-pan123-client-id': 'request-client', 'x-pan123-client-secret': REQUEST_SECRETS.pan123 }));
    // Refused credentials: the error answers must not echo them either.
    answers.push(await gql(COPIES.blue, { 'x-blue-token-id': 'pat_unknown', 'x-blue-token-secret': REQUEST_SECRETS.blue }));
    answers.push(await gql(configQiniu, { 'x-qiniu-access-key': 'demo-ak', 'x-qiniu-secret-key': 'wrong-secret-value' }));
    for (const a of answers.slice(0, 9)) expect(a).toContain('"__typename":"CopyTask"');
    expect(answers[9]).toContain('UNAUTHENTICATED');
    // Let the asynchronous copies finish (their polls log too).
    await eventually(async () => ((await app.services.store.listActive()).length === 0 ? true : undefined), 15_000);

    const store = readFileSync(dbPath).toString('latin1') + readFileSync(`${dbPath}-wal`, { flag: 'a+' }).toString('latin1');
    const logs = logText();
    // The search is over real content: the copies were logged and stored.
    expect(logs).toContain('object copied');
    expect(store).toContain('PAN123');
    for (const secret of [...Object.values(REQUEST_SECRETS), ...CONFIG_SECRETS, 'wrong-secret-value']) {
      expect(store, `store holds ${secret}`).not.toContain(secret);
      expect(logs, `logs hold ${secret}`).not.toContain(secret);
      for (const a of answers) expect(a).not.toContain(secret);
    }
  });
});
