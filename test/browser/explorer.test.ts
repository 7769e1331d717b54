/**
 * The offline explorer in a real browser (issue 11, finding 9): Debian's chromium, driven by
 * playwright-core, loads `/graphiql` from copygraph with every request to anywhere but copygraph
 * refused, puts the API key in the key field, runs a 123pan copy, then watches its subscription over
 * graphql-ws until the final state, and takes a screenshot. Run with `npm run test:browser`.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PAN123_DEMO } from '../../emulators/pan123.ts';
import { ALICE, type Stack, startStack } from '../helpers/stack.ts';

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
  '--disable-quic',
];

let stack: Stack;
let context: BrowserContext;
let dir: string;
/** Every request the page tried outside copygraph (refused). */
const outside: string[] = [];
const pageErrors: string[] = [];

beforeAll(async () => {
  stack = await startStack();
  dir = mkdtempSync(join(tmpdir(), 'copygraph-browser-'));
  context = await chromium.launchPersistentContext(join(dir, 'profile'), {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1400, height: 900 },
  });
  const own = new URL(stack.app.url).host;
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.host === own) return route.continue();
    outside.push(url.href);
    return route.abort();
  });
});

afterAll(async () => {
  await context?.close();
  await stack?.close();
  if (dir && !process.env.KEEP_SCREENSHOTS) rmSync(dir, { recursive: true, force: true });
});

/** The text of a GraphiQL editor (CodeMirror 5 in GraphiQL 3). */
function editorText(page: Page, selector: string): Promise<string> {
  return page.evaluate((sel) => {
    const el = document.querySelector(sel) as (Element & { CodeMirror?: { getValue(): string } }) | null;
    return el?.CodeMirror?.getValue() ?? '';
  }, selector);
}

async function runInExplorer(page: Page, query: string): Promise<void> {
  await page.evaluate((q) => {
    const el = document.querySelector('.graphiql-query-editor .CodeMirror') as (Element & { CodeMirror?: { setValue(v: string): void } }) | null;
    el?.CodeMirror?.setValue(q);
  }, query);
  // GraphiQL parses the document (and picks its operation name) shortly after an edit.
  await page.waitForTimeout(500);
  await page.click('.graphiql-execute-button');
}

/** Waits until the result pane holds a JSON answer that `accept` takes; returns it. */
async function resultWhere(page: Page, accept: (r: any) => boolean, timeoutMs = 30_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    last = await editorText(page, '.result-window .CodeMirror');
    try {
      const parsed = JSON.parse(last);
      if (accept(parsed)) return parsed;
    } catch {
      // Not an answer yet.
    }
    await page.waitForTimeout(100);
  }
  throw new Error(`no matching result; last: ${last}`);
}

describe('offline explorer (GraphiQL at /graphiql)', () => {
  it('runs a copy and follows its subscription to the final state, with nothing loaded from outside copygraph', async () => {
    const page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    const sockets: string[] = [];
    page.on('websocket', (ws) => sockets.push(ws.url()));
    page.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy|Refused/.test(m.text())) pageErrors.push(m.text());
    });
    const explorer = stack.app.url.replace(/\/graphql$/, '/graphiql');
    await page.goto(explorer);
    await page.waitForSelector('.graphiql-container .graphiql-query-editor .CodeMirror', { timeout: 30_000 });
    await page.fill('#api-key', ALICE);
    await page.click('#api-key-apply');

    const target = stack.emulators.pan123.seedOssFolder({ filename: 'from-the-explorer' }).fileId;
    const ids = PAN123_DEMO.imageFileIds.map((i) => JSON.stringify(String(i))).join(', ');
    await runInExplorer(
      page,
      `mutation CopyFromExplorer { copyImages(input: { fileIds: [${ids}], toParentFileId: "${target}" }) { __typename ... on CopyTask { id status upstreamTaskIds } ... on CopyError { code message } } }`,
    );
    const copied = await resultWhere(page, (r) => r.data?.copyImages !== undefined);
    expect(copied.errors).toBeUndefined();
    const task = copied.data.copyImages;
    expect(task.__typename).toBe('CopyTask');
    expect(['QUEUED', 'RUNNING']).toContain(task.status);

    await runInExplorer(
      page,
      `subscription WatchFromExplorer { copyTaskUpdated(id: "${task.id}") { id status isFinal progress { completed total } request { __typename ... on ImageCopyRequest { fileCount toParentFileId } } } }`,
    );
    // The subscription's current state arrives over graphql-ws first…
    const first = await resultWhere(page, (r) => r.data?.copyTaskUpdated?.id === task.id);
    expect(first.data.copyTaskUpdated.isFinal).toBe(false);
    // …then the upstream finishes and the final state reaches the page.
    stack.emulators.pan123.finishTask(task.upstreamTaskIds[0]);
    const last = await resultWhere(page, (r) => r.data?.copyTaskUpdated?.isFinal === true);
    expect(last.data.copyTaskUpdated).toMatchObject({
      status: 'SUCCEEDED',
      progress: { completed: 1, total: 1 },
      request: { __typename: 'ImageCopyRequest', fileCount: PAN123_DEMO.imageFileIds.length, toParentFileId: target },
    });
    // Over graphql-ws, on copygraph's own /graphql.
    expect(sockets).toContain(stack.app.wsUrl);
    expect(stack.emulators.pan123.ossImages(target)).toHaveLength(PAN123_DEMO.imageFileIds.length);

    const shot = join(dir, 'explorer.png');
    await page.screenshot({ path: shot });
    expect(statSync(shot).size).toBeGreaterThan(10_000);
    if (process.env.KEEP_SCREENSHOTS) process.stdout.write(`screenshot: ${shot}\n`);

    expect(outside).toEqual([]);
    expect(pageErrors).toEqual([]);
    await page.close();
  });
});
