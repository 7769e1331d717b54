/**
 * copyImages against the 123pan emulator, over real HTTP and WebSocket: splitting into upstream tasks
 * of ≤ 100 ids, at most 3 unfinished upstream tasks, waiting for slots another copy holds, partial
 * failures with the failed files, the access-token flow (single-flight, refreshed once on expiry), and
 * bad input. Copies are proven by the emulator's image host.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PAN123_DEMO } from '../emulators/pan123.ts';
import { BOB, collect, eventually, type Stack, startStack } from './helpers/stack.ts';

const COPY = `mutation ($input: CopyImagesInput!) {
  copyImages(input: $input) {
    __typename
    ... on CopyTask {
      id provider status isFinal upstreamTaskId
      progress { completed total }
      result { __typename ... on PanImageCopy { taskId toParentFileId requestedFileCount failedFileCount parts { index upstreamTaskId status fileCount failedFileCount failMessage } } }
      failures { itemId name reason }
      error { code message }
    }
    ... on InvalidInputError { code message fields { path message } }
    ... on UpstreamError { code message provider upstreamCode upstreamMessage logId retryable }
  }
}`;

const TASK = `query ($id: ID!) {
  copyTask(id: $id) {
    id status isFinal upstreamTaskId
    progress { completed total }
    result { ... on PanImageCopy { taskId toParentFileId requestedFileCount failedFileCount parts { index upstreamTaskId status fileCount failedFileCount failMessage } } }
    failures { itemId name reason }
    error { code message }
  }
}`;

const WATCH = `subscription ($id: ID!) {
  copyTaskUpdated(id: $id) { id status isFinal progress { completed total } }
}`;

type Result = Record<string, any>;

let stack: Stack;
const pan = () => stack.emulators.pan123;

beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());
// The emulator is one 123pan account shared by every test: let each test's upstream tasks end so the
// next test starts with its 3 slots free.
afterEach(() => {
  pan().control.clock.advance(600_000);
  expect(pan().counts().openTasks).toBe(0);
});

let folders = 0;
/** A drive folder of `n` images and an empty image-host folder to copy them into. */
function seedImages(n: number): { ids: string[]; target: string } {
  folders += 1;
  const folder = pan().seedDriveFolder({ filename: `batch-${folders}` });
  const ids = Array.from({ length: n }, (_, i) =>
    String(pan().seedDriveFile({ filename: `b${folders}-img${i}.jpg`, size: 10_000 + folders * 1000 + i, parentFileId: folder.fileId }).fileId),
  );
  const target = pan().seedOssFolder({ filename: `target-${folders}` }).fileId;
  return { ids, target };
}

async function copy(input: Record<string, unknown>, headers?: Record<string, string>): Promise<Result> {
  const data = await stack.data<{ copyImages: Result }>(COPY, { input }, headers ? { headers } : {});
  return data.copyImages;
}

async function task(id: string): Promise<Result> {
  return (await stack.data<{ copyTask: Result }>(TASK, { id })).copyTask;
}

async function finalTask(id: string, timeoutMs = 20_000): Promise<Result> {
  return eventually(
    async () => {
      const t = await task(id);
      return t.isFinal ? t : undefined;
    },
    timeoutMs,
    50,
  );
}

/** Moves the emulator's clock so every upstream task, one after another, gets its turn. */
function runUpstreamQueue(): void {
  pan().control.clock.advance(60_000);
}

describe('copyImages: small copies', () => {
  it('copies the demo images into the image host and ends SUCCEEDED with a PanImageCopy', async () => {
    const ids = PAN123_DEMO.imageFileIds.map(String);
    const target = pan().seedOssFolder({ filename: 'demo-copy' }).fileId;
    const r = await copy({ fileIds: ids, toParentFileId: target });
    expect(r).toMatchObject({ __typename: 'CopyTask', provider: 'PAN123', isFinal: false, progress: { completed: 0, total: 1 } });
    expect(['QUEUED', 'RUNNING']).toContain(r.status);
    expect(r.upstreamTaskId).toMatch(/^[a-z0-9]{32}$/);
    expect(r.result.parts).toEqual([{ index: 0, upstreamTaskId: r.upstreamTaskId, status: 'QUEUED', fileCount: 6, failedFileCount: 0, failMessage: null }]);

    pan().finishTask(r.upstreamTaskId);
    const done = await finalTask(r.id);
    expect(done).toMatchObject({ status: 'SUCCEEDED', progress: { completed: 1, total: 1 }, failures: [], error: null });
    expect(done.result).toMatchObject({ taskId: r.id, toParentFileId: target, requestedFileCount: 6, failedFileCount: 0 });
    expect(done.result.parts[0].status).toBe('SUCCEEDED');
    const images = pan().ossImages(target);
    expect(images.map((i) => i.sourceFileId).sort()).toEqual([...PAN123_DEMO.imageFileIds].sort());
  });

  it('ends PARTIALLY_SUCCEEDED and lists each file on the fail list (id, name) when some files cannot be copied', async () => {
    const target = pan().seedOssFolder({ filename: 'partial' }).fileId;
    const ids = [PAN123_DEMO.imageFileIds[0], PAN123_DEMO.textFileId, PAN123_DEMO.oversizeFileId].map(String);
    const r = await copy({ fileIds: ids, toParentFileId: target });
    pan().finishTask(r.upstreamTaskId);
    const done = await finalTask(r.id);
    expect(done.status).toBe('PARTIALLY_SUCCEEDED');
    expect(done.failures.map((f: Result) => [f.itemId, f.name])).toEqual([
      [String(PAN123_DEMO.textFileId), 'itinerary.txt'],
      [String(PAN123_DEMO.oversizeFileId), 'panorama.png'],
    ]);
    expect(done.failures[0].reason).toMatch(/fail list/);
    expect(done.result).toMatchObject({ requestedFileCount: 3, failedFileCount: 2, parts: [{ status: 'PARTIALLY_SUCCEEDED', failedFileCount: 2 }] });
    expect(
      pan()
        .ossImages(target)
        .map((i) => i.sourceFileId),
    ).toEqual([PAN123_DEMO.imageFileIds[0]]);
  });

  it('copies a drive folder id as a whole (its images land in the target)', async () => {
    const target = pan().seedOssFolder({ filename: 'folder-copy' }).fileId;
    const r = await copy({ fileIds: [String(PAN123_DEMO.driveFolderId)], toParentFileId: target });
    pan().finishTask(r.upstreamTaskId);
    const done = await finalTask(r.id);
    // The folder holds 6 images, a text file and an oversize image: the last two are on the fail list.
    expect(done.status).toBe('PARTIALLY_SUCCEEDED');
    expect(done.failures.map((f: Result) => f.itemId).sort()).toEqual([String(PAN123_DEMO.textFileId), String(PAN123_DEMO.oversizeFileId)].sort());
    expect(pan().ossImages(target)).toHaveLength(6);
  });

  it('ends FAILED with 123pan failMsg when the upstream task fails (status 3)', async () => {
    const target = pan().seedOssFolder({ filename: 'fails' }).fileId;
    const r = await copy({ fileIds: ['99999999'], toParentFileId: target });
    runUpstreamQueue();
    const done = await finalTask(r.id);
    expect(done).toMatchObject({ status: 'FAILED', error: { code: 'UPSTREAM_ERROR' } });
    expect(done.error.message).toContain('文件不存在: 99999999');
    expect(done.failures).toEqual([{ itemId: '99999999', name: null, reason: '文件不存在: 99999999' }]);
    expect(done.result.parts[0]).toMatchObject({ status: 'FAILED', failMessage: '文件不存在: 99999999' });
  });

  it('copies each of duplicated ids once', async () => {
    const target = pan().seedOssFolder({ filename: 'dupes' }).fileId;
    const id = String(PAN123_DEMO.imageFileIds[1]);
    const r = await copy({ fileIds: [id, id, id], toParentFileId: target });
    expect(r.result).toMatchObject({ requestedFileCount: 1, parts: [{ fileCount: 1 }] });
    expect(pan().task(r.upstreamTaskId)?.fileIDs).toEqual([id]);
  });
});

describe('copyImages: submit refusals', () => {
  it('answers OUTCOME_UNKNOWN when 123pan refuses a submit with a code its docs do not list (never re-submitted), keeping the task as FAILED', async () => {
    const target = pan().seedOssFolder({ filename: 'refused' }).fileId;
    const callsBefore = pan().control.calls('oss_copy');
    pan().control.injectFault({
      route: 'oss_copy',
      status: 200,
      body: { code: 1, message: 'toParentFileID参数错误', data: null, 'x-traceID': 'trace-refused' },
      times: 1,
    });
    const r = await copy({ fileIds: [String(PAN123_DEMO.imageFileIds[0])], toParentFileId: target });
    // The docs name body codes 401 and 429 only; code 1's wording is undocumented: not proof nothing ran.
    expect(r).toMatchObject({
      __typename: 'UpstreamError',
      code: 'OUTCOME_UNKNOWN',
      provider: 'PAN123',
      upstreamCode: '1',
      logId: 'trace-refused',
      retryable: false,
    });
    const { copyTasks } = await stack.data<{ copyTasks: Result }>(
      '{ copyTasks(filter: { provider: PAN123 }, first: 1) { edges { node { status upstreamTaskId error { code } } } } }',
    );
    expect(copyTasks.edges[0].node).toEqual({ status: 'FAILED', upstreamTaskId: null, error: { code: 'OUTCOME_UNKNOWN' } });
    expect(pan().control.calls('oss_copy')).toBe(callsBefore + 1);
  });

  it('keeps a part QUEUED when 123pan throttles its submit (429), and submits it on a later poll', async () => {
    const target = pan().seedOssFolder({ filename: 'throttled' }).fileId;
    pan().control.injectFault({ route: 'oss_copy', status: 200, body: { code: 429, message: '请求太频繁', data: null, 'x-traceID': 't' }, times: 1 });
    const r = await copy({ fileIds: [String(PAN123_DEMO.imageFileIds[3])], toParentFileId: target });
    expect(r).toMatchObject({ __typename: 'CopyTask', status: 'QUEUED', upstreamTaskId: null, error: null });
    const submitted = await eventually(async () => (await task(r.id)).upstreamTaskId ?? undefined);
    pan().finishTask(submitted);
    expect(await finalTask(r.id)).toMatchObject({ status: 'SUCCEEDED' });
    expect(pan().ossImages(target)).toHaveLength(1);
  });
});

describe('copyImages: large copies', () => {
  it('splits 250 ids into 3 upstream tasks of ≤ 100, all submitted before the mutation answers, and streams progress to the end', async () => {
    const { ids, target } = seedImages(250);
    const submitsBefore = pan().control.calls('oss_copy');
    const r = await copy({ fileIds: ids, toParentFileId: target });
    expect(r.progress).toEqual({ completed: 0, total: 3 });
    const upstreamIds = r.upstreamTaskId.split(',');
    expect(upstreamIds).toHaveLength(3);
    expect(upstreamIds.map((t: string) => pan().task(t)?.fileIDs.length)).toEqual([100, 100, 50]);
    expect(upstreamIds.flatMap((t: string) => pan().task(t)?.fileIDs)).toEqual(ids);
    expect(pan().control.calls('oss_copy') - submitsBefore).toBe(3);

    const events = collect(stack.ws(), WATCH, { id: r.id });
    await eventually(() => ((stack.app.services.watcher.taskPollCounts.get(r.id) ?? 0) >= 1 ? true : undefined));
    for (const t of upstreamIds) pan().finishTask(t);
    const seen = (await events).map((e) => e.copyTaskUpdated);
    expect(seen.at(-1)).toMatchObject({ status: 'SUCCEEDED', isFinal: true, progress: { completed: 3, total: 3 } });
    // Progress never goes back, and the stream ends with the final state.
    const completed = seen.map((e) => e.progress.completed);
    expect(completed).toEqual([...completed].sort((a, b) => a - b));
    expect(seen.filter((e) => e.isFinal)).toHaveLength(1);
    expect(pan().ossImages(target)).toHaveLength(250);
  });

  it('keeps at most 3 upstream tasks unfinished: the 4th part waits QUEUED in copygraph and is submitted when a slot frees', async () => {
    const { ids, target } = seedImages(350);
    const submitsBefore = pan().control.calls('oss_copy');
    const r = await copy({ fileIds: ids, toParentFileId: target });
    expect(r.status).toBe('QUEUED');
    expect(r.progress).toEqual({ completed: 0, total: 4 });
    expect(r.upstreamTaskId.split(',')).toHaveLength(3);
    expect(r.result.parts.map((p: Result) => [p.status, p.upstreamTaskId === null])).toEqual([
      ['QUEUED', false],
      ['QUEUED', false],
      ['QUEUED', false],
      ['QUEUED', true],
    ]);

    // Let the upstream queue run on its own (2 s a task on the emulator clock), sampling the queue.
    let maxOpen = 0;
    const done = await eventually(
      async () => {
        maxOpen = Math.max(maxOpen, pan().counts().openTasks);
        pan().control.clock.advance(500);
        const t = await task(r.id);
        return t.isFinal ? t : undefined;
      },
      30_000,
      50,
    );
    expect(maxOpen).toBeLessThanOrEqual(3);
    expect(done).toMatchObject({ status: 'SUCCEEDED', progress: { completed: 4, total: 4 } });
    expect(done.upstreamTaskId.split(',')).toHaveLength(4);
    // copygraph held the 4th part back itself: no submit was refused for want of a slot.
    expect(pan().control.calls('oss_copy') - submitsBefore).toBe(4);
    expect(pan().ossImages(target)).toHaveLength(350);
  });

  it('waits (QUEUED, no failure) when another copy holds every upstream slot, then runs', async () => {
    const a = seedImages(300);
    const b = seedImages(5);
    const first = await copy({ fileIds: a.ids, toParentFileId: a.target });
    expect(first.upstreamTaskId.split(',')).toHaveLength(3);
    const second = await copy({ fileIds: b.ids, toParentFileId: b.target });
    expect(second).toMatchObject({ __typename: 'CopyTask', status: 'QUEUED', upstreamTaskId: null, error: null });
    expect(second.result.parts).toEqual([{ index: 0, upstreamTaskId: null, status: 'QUEUED', fileCount: 5, failedFileCount: 0, failMessage: null }]);

    // Still waiting after a few polls met a full queue.
    await eventually(() => ((stack.app.services.watcher.taskPollCounts.get(second.id) ?? 0) >= 2 ? true : undefined));
    expect(await task(second.id)).toMatchObject({ status: 'QUEUED', upstreamTaskId: null });

    for (const t of first.upstreamTaskId.split(',')) pan().finishTask(t);
    const secondSubmitted = await eventually(async () => (await task(second.id)).upstreamTaskId ?? undefined);
    pan().finishTask(secondSubmitted);
    expect(await finalTask(first.id)).toMatchObject({ status: 'SUCCEEDED' });
    expect(await finalTask(second.id)).toMatchObject({ status: 'SUCCEEDED' });
    expect(pan().ossImages(b.target)).toHaveLength(5);
  });

  it('lists the ids of a part that failed as a whole, and ends PARTIALLY_SUCCEEDED when other parts copied', async () => {
    const { ids, target } = seedImages(150);
    const r = await copy({ fileIds: ids, toParentFileId: target });
    const [one, two] = r.upstreamTaskId.split(',');
    pan().failTask(two, '图床空间不足');
    pan().finishTask(one);
    const done = await finalTask(r.id);
    expect(done.status).toBe('PARTIALLY_SUCCEEDED');
    expect(done.failures).toHaveLength(50);
    expect(done.failures[0]).toEqual({ itemId: ids[100], name: null, reason: '图床空间不足' });
    expect(done.result.parts.map((p: Result) => p.status)).toEqual(['SUCCEEDED', 'FAILED']);
    expect(pan().ossImages(target)).toHaveLength(100);
  });
});

describe('copyImages: access token', () => {
  it('fetches one token for many concurrent copies (single-flight) and refreshes it once when it expires mid-run', async () => {
    await stack.restart(); // a fresh client: no token cached
    pan().control.clock.advance(1_000); // out of the token endpoint's 1-call-a-second window
    const tokenCalls = pan().control.calls('access_token');
    const issued = pan().counts().tokensIssued;
    const batches = [seedImages(120), seedImages(3)];
    const started = await Promise.all(batches.map((b) => copy({ fileIds: b.ids, toParentFileId: b.target })));
    expect(pan().control.calls('access_token') - tokenCalls).toBe(1);

    await eventually(() => (started.every((s) => (stack.app.services.watcher.taskPollCounts.get(s.id) ?? 0) >= 1) ? true : undefined));
    pan().control.clock.advance(1_000);
    expect(pan().expireTokens()).toBeGreaterThanOrEqual(1);
    for (const s of started) for (const t of (s.upstreamTaskId ?? '').split(',').filter(Boolean)) pan().finishTask(t);
    const done = await Promise.all(started.map((s) => finalTask(s.id)));
    expect(done.map((d) => d.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    expect(pan().counts().tokensIssued - issued).toBe(2);
    expect(pan().control.calls('access_token') - tokenCalls).toBe(2);
  });

  it('refuses wrong client credentials sent per request with UNAUTHENTICATED, recording no task and submitting nothing', async () => {
    pan().control.clock.advance(1_000);
    const submits = pan().control.calls('oss_copy');
    const r = await copy(
      { fileIds: ['14802101'], toParentFileId: '' },
      { 'x-pan123-client-id': PAN123_DEMO.clientID, 'x-pan123-client-secret': 'wrong-secret' },
    );
    expect(r).toMatchObject({ __typename: 'UpstreamError', code: 'UNAUTHENTICATED', provider: 'PAN123', logId: expect.any(String) });
    expect(JSON.stringify(r)).not.toContain('wrong-secret');
    expect(pan().control.calls('oss_copy')).toBe(submits);
  });
});

describe('copyImages: bad input', () => {
  it.each([
    ['no ids', { fileIds: [], toParentFileId: '' }, 'fileIds'],
    ['an empty id', { fileIds: [''], toParentFileId: '' }, 'fileIds.0'],
    ['a non-numeric id', { fileIds: ['14802101', 'abc'], toParentFileId: '' }, 'fileIds.1'],
    ['id 0', { fileIds: ['0'], toParentFileId: '' }, 'fileIds.0'],
    ['a malformed folder id', { fileIds: ['14802101'], toParentFileId: '../x' }, 'toParentFileId'],
  ])('refuses %s with InvalidInputError and calls nothing upstream', async (_name, input, path) => {
    const before = pan().control.calls();
    const r = await copy(input);
    expect(r).toMatchObject({ __typename: 'InvalidInputError', code: 'BAD_USER_INPUT' });
    expect(r.fields.map((f: Result) => f.path)).toContain(path);
    expect(pan().control.calls()).toBe(before);
  });
});

describe('PanImageCopy as an entity', () => {
  it('resolves by task id for its owner only', async () => {
    const r = await copy({ fileIds: [String(PAN123_DEMO.imageFileIds[2])], toParentFileId: '' });
    const query = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on PanImageCopy { taskId requestedFileCount parts { fileCount } } } }`;
    const representations = [{ __typename: 'PanImageCopy', taskId: r.id }];
    expect((await stack.data<{ _entities: Result[] }>(query, { r: representations }))._entities).toEqual([
      { taskId: r.id, requestedFileCount: 1, parts: [{ fileCount: 1 }] },
    ]);
    expect((await stack.data<{ _entities: Result[] }>(query, { r: representations }, { key: BOB }))._entities).toEqual([null]);
    pan().finishTask(r.upstreamTaskId);
    await finalTask(r.id);
  });
});
