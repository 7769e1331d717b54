import { afterEach, describe, expect, it } from 'vitest';
import { PAN123_DEFAULT_OSS_QPS, PAN123_DEMO, Pan123Emulator, type Pan123EmulatorOptions } from '../../emulators/pan123.js';

interface Envelope {
  code: number;
  message: string;
  data: unknown;
  'x-traceID': string;
}

const running: Pan123Emulator[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((e) => e.close()));
});

/** A started emulator with the demo data, plus a tiny client for its HTTP API. */
async function setup(options: Pan123EmulatorOptions = {}) {
  const emu = new Pan123Emulator(options);
  emu.seedDemo();
  running.push(emu);
  const { url } = await emu.start();
  const call = async (
    method: 'GET' | 'POST',
    path: string,
    opts: { body?: unknown; token?: string; platform?: string | null } = {},
  ): Promise<{ status: number; env: Envelope }> => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (opts.platform !== null) headers.platform = opts.platform ?? 'open_platform';
    if (opts.token !== undefined) headers.authorization = `Bearer ${opts.token}`;
    const init: RequestInit = { method, headers };
    if (opts.body !== undefined) init.body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
    const res = await fetch(url + path, init);
    return { status: res.status, env: (await res.json()) as Envelope };
  };
  const login = async (clientID: string = PAN123_DEMO.clientID, clientSecret: string = PAN123_DEMO.clientSecret) =>
    call('POST', '/api/v1/access_token', { body: { clientID, clientSecret } });
  const token = async (): Promise<string> => ((await login()).env.data as { accessToken: string }).accessToken;
  const copy = (tk: string, body: Record<string, unknown>) =>
    call('POST', '/api/v1/oss/source/copy', { token: tk, body: { toParentFileID: PAN123_DEMO.ossFolderId, sourceType: '1', type: 1, ...body } });
  const newTask = async (tk: string, fileIDs: string[] = [String(PAN123_DEMO.driveFolderId)], to: string = PAN123_DEMO.ossFolderId) => {
    const { env } = await copy(tk, { fileIDs, toParentFileID: to });
    expect(env.code).toBe(0);
    return (env.data as { taskID: string }).taskID;
  };
  const process = async (tk: string, taskID: string) => (await call('GET', `/api/v1/oss/source/copy/process?taskID=${taskID}`, { token: tk })).env;
  const status = async (tk: string, taskID: string) => ((await process(tk, taskID)).data as { status: number }).status;
  const fail = async (tk: string, query: string) => (await call('GET', `/api/v1/oss/source/copy/fail?${query}`, { token: tk })).env;
  return { emu, url, call, login, token, copy, newTask, process, status, fail };
}

describe('Pan123Emulator oss QPS (on by default)', () => {
  it('answers body code 429 请求太频繁 past PAN123_DEFAULT_OSS_QPS calls a second per client and route', async () => {
    const { token, newTask, process } = await setup();
    const tk = await token();
    const taskID = await newTask(tk);
    // 2 × 10 + 1 at once: however they fall across a second boundary, one second holds at least 11.
    const answers = await Promise.all(Array.from({ length: PAN123_DEFAULT_OSS_QPS * 2 + 1 }, () => process(tk, taskID)));
    const throttled = answers.filter((a) => a.code === 429);
    expect(throttled.length).toBeGreaterThanOrEqual(1);
    for (const t of throttled) expect(t).toMatchObject({ message: '请求太频繁', data: null });
    expect(answers.filter((a) => a.code === 0).length).toBeGreaterThanOrEqual(PAN123_DEFAULT_OSS_QPS);
  });
});

describe('Pan123Emulator access_token', () => {
  it('issues a token with an expiredAt in +08:00 after the configured lifetime', async () => {
    const { emu, login } = await setup({ tokenTtlMs: 60_000 });
    const before = emu.control.clock.now();
    const { status, env } = await login();
    expect(status).toBe(200);
    expect(env).toMatchObject({ code: 0, message: 'ok' });
    expect(env['x-traceID']).toMatch(/^[0-9a-f-]{36}_kong-/);
    const data = env.data as { accessToken: string; expiredAt: string };
    expect(data.accessToken).toMatch(/^eyJ[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(data.expiredAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$/);
    const expires = Date.parse(data.expiredAt);
    expect(expires).toBeGreaterThanOrEqual(Math.floor((before + 60_000) / 1000) * 1000);
    expect(expires).toBeLessThanOrEqual(emu.control.clock.now() + 60_000);
    expect(emu.counts().tokensIssued).toBe(1);
  });

  it('refuses wrong credentials with a non-zero code, a message and null data', async () => {
    const { login } = await setup();
    const { status, env } = await login(PAN123_DEMO.clientID, 'nope');
    expect(status).toBe(200);
    expect(env.code).not.toBe(0);
    expect(env.message).toMatch(/clientSecret/);
    expect(env.data).toBeNull();
  });

  it('refuses a request without the Platform: open_platform header', async () => {
    const { call, token } = await setup();
    const noHeader = await call('POST', '/api/v1/access_token', { platform: null, body: { clientID: 'demo-client', clientSecret: 'demo-secret' } });
    expect(noHeader.env.code).not.toBe(0);
    expect(noHeader.env.message).toMatch(/Platform/);
    const tk = await token();
    const wrong = await call('GET', '/api/v1/oss/source/copy/process?taskID=x', { token: tk, platform: 'web' });
    expect(wrong.env.code).not.toBe(0);
    expect(wrong.env.message).toMatch(/Platform/);
  });

  it('answers a second token call within one second for the same clientID with body code 429 over HTTP 200', async () => {
    const { emu, login } = await setup();
    emu.addClient('other', 'secret');
    expect((await login()).env.code).toBe(0);
    const throttled = await login();
    expect(throttled.status).toBe(200);
    expect(throttled.env).toMatchObject({ code: 429, message: '请求太频繁', data: null });
    expect((await login('other', 'secret')).env.code).toBe(0);
    // The clock is real time plus an offset, so boundaries are checked with a margin.
    emu.control.clock.advance(500);
    expect((await login()).env.code).toBe(429);
    emu.control.clock.advance(500);
    expect((await login()).env.code).toBe(0);
    expect(emu.counts().tokensIssued).toBe(3);
  });

  it('rejects an expired, expired-by-control, unknown or missing token with body code 401 access_token无效', async () => {
    const { emu, call, token } = await setup({ tokenTtlMs: 10_000 });
    const path = '/api/v1/oss/source/copy/process?taskID=abc';
    const tk = await token();
    expect((await call('GET', path, { token: tk })).env.code).not.toBe(401);
    emu.control.clock.advance(10_000);
    const expired = await call('GET', path, { token: tk });
    expect(expired.status).toBe(200);
    expect(expired.env).toMatchObject({ code: 401, message: 'access_token无效', data: null });

    emu.control.clock.advance(1_000);
    const fresh = await token();
    expect((await call('GET', path, { token: fresh })).env.code).not.toBe(401);
    expect(emu.expireTokens()).toBe(1);
    expect((await call('GET', path, { token: fresh })).env.code).toBe(401);
    expect((await call('GET', path, { token: 'eyJ.bogus.token' })).env.code).toBe(401);
    expect((await call('GET', path)).env.code).toBe(401);
  });
});

describe('Pan123Emulator copy task creation', () => {
  it('refuses 101 fileIDs and accepts 100', async () => {
    const { copy, token } = await setup();
    const tk = await token();
    const ids = (n: number) => Array.from({ length: n }, (_, i) => String(14900000 + i));
    const refused = await copy(tk, { fileIDs: ids(101) });
    expect(refused.status).toBe(200);
    expect(refused.env).toMatchObject({ code: 1, data: null });
    expect(refused.env.message).toMatch(/100/);
    expect((await copy(tk, { fileIDs: ids(100) })).env.code).toBe(0);
  });

  it('refuses an empty fileIDs, numeric ids, a wrong type or sourceType and a non-JSON body', async () => {
    const { call, copy, token } = await setup();
    const tk = await token();
    const one = [String(PAN123_DEMO.textFileId)];
    expect((await copy(tk, { fileIDs: [] })).env.message).toMatch(/fileIDs/);
    expect((await copy(tk, { fileIDs: [PAN123_DEMO.textFileId] })).env.code).toBe(1);
    expect((await copy(tk, { fileIDs: one, type: 2 })).env.message).toMatch(/type/);
    expect((await copy(tk, { fileIDs: one, sourceType: '2' })).env.message).toMatch(/sourceType/);
    expect((await copy(tk, { fileIDs: one, toParentFileID: 5 })).env.message).toMatch(/toParentFileID/);
    expect((await call('POST', '/api/v1/oss/source/copy', { token: tk, body: 'not json' })).env.code).toBe(1);
  });

  it('accepts sourceType as the string "1" and as the number 1 and returns a 32-char task id', async () => {
    const { copy, token } = await setup();
    const tk = await token();
    for (const sourceType of ['1', 1]) {
      const { env } = await copy(tk, { fileIDs: [String(PAN123_DEMO.imageFileIds[0])], sourceType });
      expect(env).toMatchObject({ code: 0, message: 'ok' });
      expect((env.data as { taskID: string }).taskID).toMatch(/^[0-9a-z]{32}$/);
    }
  });

  it('refuses a 4th unfinished task and accepts one again once the first finishes', async () => {
    const { emu, copy, newTask, token } = await setup({ perTaskMs: 2_000 });
    const tk = await token();
    for (let i = 0; i < 3; i++) await newTask(tk);
    const fourth = await copy(tk, { fileIDs: [String(PAN123_DEMO.driveFolderId)] });
    expect(fourth.env.code).toBe(1);
    expect(fourth.env.message).toMatch(/上限/);
    expect(emu.counts()).toMatchObject({ tasksCreated: 3, openTasks: 3 });
    emu.control.clock.advance(2_000);
    expect((await copy(tk, { fileIDs: [String(PAN123_DEMO.driveFolderId)] })).env.code).toBe(0);
  });
});

describe('Pan123Emulator task progress', () => {
  it('runs tasks one at a time in order: waiting 4, running 1, finished 2', async () => {
    const { emu, newTask, status, process, token } = await setup({ perTaskMs: 2_000 });
    const tk = await token();
    const ids = [await newTask(tk), await newTask(tk), await newTask(tk)];
    const statuses = async () => Promise.all(ids.map((id) => status(tk, id)));
    expect(await statuses()).toEqual([1, 4, 4]);
    // The clock is real time plus an offset, so boundaries are checked with a margin.
    emu.control.clock.advance(1_500);
    expect(await statuses()).toEqual([1, 4, 4]);
    emu.control.clock.advance(500);
    expect(await statuses()).toEqual([2, 1, 4]);
    emu.control.clock.advance(2_000);
    expect(await statuses()).toEqual([2, 2, 1]);
    emu.control.clock.advance(2_000);
    expect(await statuses()).toEqual([2, 2, 2]);
    expect((await process(tk, ids[0] ?? '')).data).toEqual({ status: 2, failMsg: '' });
    // An idle worker starts a new task straight away.
    emu.control.clock.advance(60_000);
    expect(await status(tk, await newTask(tk))).toBe(1);
  });

  it('answers an unknown or missing taskID with an error code', async () => {
    const { call, process, token } = await setup();
    const tk = await token();
    const unknown = await process(tk, 'nosuchtask');
    expect(unknown).toMatchObject({ code: 1, data: null });
    expect((await call('GET', '/api/v1/oss/source/copy/process', { token: tk })).env.code).toBe(1);
  });

  it('fails and finishes tasks on demand through the control routes', async () => {
    const { emu, url, newTask, process, status, token } = await setup({ perTaskMs: 60_000 });
    const tk = await token();
    const a = await newTask(tk);
    const b = await newTask(tk);
    const failed = await fetch(`${url}/_emulator/tasks/${a}/fail`, { method: 'POST', body: JSON.stringify({ failMsg: 'boom' }) });
    expect(await failed.json()).toEqual({ changed: true });
    expect((await process(tk, a)).data).toEqual({ status: 3, failMsg: 'boom' });
    expect(await status(tk, b)).toBe(1);
    expect(emu.ossImages(PAN123_DEMO.ossFolderId)).toHaveLength(0);
    const finished = await fetch(`${url}/_emulator/tasks/${b}/finish`, { method: 'POST' });
    expect(await finished.json()).toEqual({ changed: true });
    expect(await status(tk, b)).toBe(2);
    expect(emu.ossImages(PAN123_DEMO.ossFolderId)).toHaveLength(6);
    expect(emu.finishTask(b)).toBe(false);
  });

  it('lets a waiting task forced to fail leave the queue without delaying the next one', async () => {
    const { emu, newTask, status, token } = await setup({ perTaskMs: 2_000 });
    const tk = await token();
    const [a, b, c] = [await newTask(tk), await newTask(tk), await newTask(tk)];
    emu.failTask(b);
    expect([await status(tk, a), await status(tk, b), await status(tk, c)]).toEqual([1, 3, 4]);
    emu.control.clock.advance(2_000);
    expect([await status(tk, a), await status(tk, c)]).toEqual([2, 1]);
  });
});

describe('Pan123Emulator copy semantics', () => {
  it('copies the images of a folder into the image-host folder and lists the rest as failed', async () => {
    const { emu, url, newTask, fail, token } = await setup({ perTaskMs: 1_000 });
    const tk = await token();
    const taskID = await newTask(tk);
    expect(emu.ossImages(PAN123_DEMO.ossFolderId)).toHaveLength(0);
    emu.control.clock.advance(1_000);
    const images = emu.ossImages(PAN123_DEMO.ossFolderId);
    expect(images.map((i) => i.filename).sort()).toEqual(['beach.jpg', 'harbour.jpeg', 'lantern.gif', 'map.svg', 'market.webp', 'sunset.png']);
    const src = emu.driveEntry(PAN123_DEMO.imageFileIds[0]);
    expect(images.find((i) => i.sourceFileId === src?.fileId)).toMatchObject({ etag: src?.etag, size: src?.size });
    const viaHttp = (await (await fetch(`${url}/_emulator/oss/images?folder=${PAN123_DEMO.ossFolderId}`)).json()) as unknown[];
    expect(viaHttp).toHaveLength(6);

    const all = await fail(tk, `taskID=${taskID}&limit=100&page=1`);
    expect(all.data).toEqual({
      total: 2,
      list: [
        { fileId: PAN123_DEMO.textFileId, filename: 'itinerary.txt' },
        { fileId: PAN123_DEMO.oversizeFileId, filename: 'panorama.png' },
      ],
    });
  });

  it('pages the fail list and returns list null for an empty page', async () => {
    const { emu, newTask, fail, token } = await setup({ perTaskMs: 1_000 });
    const tk = await token();
    const taskID = await newTask(tk);
    emu.control.clock.advance(1_000);
    const page = async (p: number) => (await fail(tk, `taskID=${taskID}&limit=1&page=${p}`)).data;
    expect(await page(1)).toEqual({ total: 2, list: [{ fileId: PAN123_DEMO.textFileId, filename: 'itinerary.txt' }] });
    expect(await page(2)).toEqual({ total: 2, list: [{ fileId: PAN123_DEMO.oversizeFileId, filename: 'panorama.png' }] });
    expect(await page(3)).toEqual({ total: 2, list: null });
  });

  it('returns total 0 and list null for a task with no failed files', async () => {
    const { emu, newTask, fail, token } = await setup({ perTaskMs: 1_000 });
    const tk = await token();
    const taskID = await newTask(tk, PAN123_DEMO.imageFileIds.map(String));
    emu.control.clock.advance(1_000);
    const env = await fail(tk, `taskID=${taskID}&limit=10&page=1`);
    expect(env).toMatchObject({ code: 0, data: { total: 0, list: null } });
  });

  it('refuses a fail-list query with limit over 100, a missing page or an unknown task', async () => {
    const { newTask, fail, token } = await setup();
    const tk = await token();
    const taskID = await newTask(tk);
    expect((await fail(tk, `taskID=${taskID}&limit=101&page=1`)).message).toMatch(/limit/);
    expect((await fail(tk, `taskID=${taskID}&limit=10`)).message).toMatch(/page/);
    expect((await fail(tk, 'limit=10&page=1')).message).toMatch(/taskID/);
    expect((await fail(tk, 'taskID=nosuch&limit=10&page=1')).code).toBe(1);
  });

  it('overwrites an image with the same etag and size instead of duplicating it', async () => {
    const { emu, newTask, token } = await setup({ perTaskMs: 1_000 });
    const tk = await token();
    await newTask(tk);
    emu.control.clock.advance(1_000);
    const first = emu.ossImages(PAN123_DEMO.ossFolderId);
    const src = emu.driveEntry(PAN123_DEMO.imageFileIds[0]);
    const twin = emu.seedDriveFile({ filename: 'beach-copy.jpg', size: src?.size ?? 0, etag: src?.etag ?? '' });
    await newTask(tk, [String(PAN123_DEMO.driveFolderId), String(twin.fileId)]);
    emu.control.clock.advance(1_000);
    const second = emu.ossImages(PAN123_DEMO.ossFolderId);
    expect(second).toHaveLength(6);
    expect(second.map((i) => i.fileId).sort()).toEqual(first.map((i) => i.fileId).sort());
    expect(second.find((i) => i.etag === src?.etag)?.filename).toBe('beach-copy.jpg');
  });

  it('copies into the image-host root and expands nested folders', async () => {
    const { emu, newTask, token } = await setup({ perTaskMs: 1_000 });
    const tk = await token();
    const top = emu.seedDriveFolder({ filename: 'top' });
    const sub = emu.seedDriveFolder({ filename: 'sub', parentFileId: top.fileId });
    emu.seedDriveFile({ filename: 'deep.BMP', size: 10, parentFileId: sub.fileId });
    emu.seedDriveFile({ filename: 'shallow.tif', size: 11, parentFileId: top.fileId });
    await newTask(tk, [String(top.fileId)], '');
    emu.control.clock.advance(1_000);
    expect(
      emu
        .ossImages('')
        .map((i) => i.filename)
        .sort(),
    ).toEqual(['deep.BMP', 'shallow.tif']);
  });

  it('fails the task with a failMsg for an unknown file id or a missing target folder', async () => {
    const { emu, newTask, process, token } = await setup({ perTaskMs: 1_000 });
    const tk = await token();
    const unknown = await newTask(tk, ['99999999']);
    const noFolder = await newTask(tk, [String(PAN123_DEMO.imageFileIds[0])], 'missingfolder');
    emu.control.clock.advance(2_000);
    const a = (await process(tk, unknown)).data as { status: number; failMsg: string };
    const b = (await process(tk, noFolder)).data as { status: number; failMsg: string };
    expect(a.status).toBe(3);
    expect(a.failMsg).toMatch(/99999999/);
    expect(b.status).toBe(3);
    expect(b.failMsg).not.toBe('');
    expect(emu.counts().ossImages).toBe(0);
  });

  it('fails a task with folders nested deeper than 15 levels', async () => {
    const { emu, newTask, status, token } = await setup({ perTaskMs: 1_000 });
    const tk = await token();
    const chain = (levels: number) => {
      const root = emu.seedDriveFolder({ filename: `chain${levels}` });
      let parent = root.fileId;
      for (let i = 1; i < levels; i++) parent = emu.seedDriveFolder({ filename: `l${i}`, parentFileId: parent }).fileId;
      emu.seedDriveFile({ filename: 'x.png', size: 1, parentFileId: parent, etag: `e${levels}` });
      return String(root.fileId);
    };
    const ok = await newTask(tk, [chain(15)]);
    const tooDeep = await newTask(tk, [chain(16)]);
    emu.control.clock.advance(2_000);
    expect(await status(tk, ok)).toBe(2);
    expect(await status(tk, tooDeep)).toBe(3);
  });

  it('fails a task holding more than 1000 images', async () => {
    const { emu, newTask, process, token } = await setup({ perTaskMs: 1_000 });
    const tk = await token();
    const folder = emu.seedDriveFolder({ filename: 'many' });
    for (let i = 0; i < 1001; i++) emu.seedDriveFile({ filename: `p${i}.png`, size: 100 + i, parentFileId: folder.fileId });
    const taskID = await newTask(tk, [String(folder.fileId)]);
    emu.control.clock.advance(1_000);
    expect((await process(tk, taskID)).data).toMatchObject({ status: 3 });
    expect(emu.counts().ossImages).toBe(0);
  });

  it('serves the detail of a copied image', async () => {
    const { emu, call, newTask, token } = await setup({ perTaskMs: 1_000 });
    const tk = await token();
    await newTask(tk, [String(PAN123_DEMO.imageFileIds[1])]);
    emu.control.clock.advance(1_000);
    const [image] = emu.ossImages(PAN123_DEMO.ossFolderId);
    const { env } = await call('GET', `/api/v1/oss/file/detail?fileID=${image?.fileId}`, { token: tk });
    expect(env.data).toMatchObject({ fileId: image?.fileId, filename: 'sunset.png', type: 0, parentFilename: 'copies', extension: 'png' });
  });
});

describe('Pan123Emulator control surface', () => {
  it('seeds over HTTP, counts, and answers unknown paths with 404', async () => {
    const emu = new Pan123Emulator();
    running.push(emu);
    const { url } = await emu.start();
    const post = async (path: string, body?: unknown) =>
      (await fetch(url + path, { method: 'POST', body: body === undefined ? null : JSON.stringify(body) })).json();
    expect(await post('/_emulator/seed-demo')).toMatchObject({ ossFolderId: PAN123_DEMO.ossFolderId });
    const folder = (await post('/_emulator/drive/folders', { filename: 'f' })) as { fileId: number; type: number };
    expect(folder.type).toBe(1);
    const file = (await post('/_emulator/drive/files', { filename: 'a.png', size: 5, parentFileId: folder.fileId })) as { parentFileId: number };
    expect(file.parentFileId).toBe(folder.fileId);
    const oss = (await post('/_emulator/oss/folders', { filename: 'g' })) as { fileId: string };
    expect(oss.fileId).toMatch(/^\w{52}$/);
    expect(await (await fetch(`${url}/_emulator/counts`)).json()).toMatchObject({ tokensIssued: 0, tasksCreated: 0 });
    const missing = await fetch(`${url}/api/v1/nothing`, { headers: { platform: 'open_platform' } });
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as Envelope).code).toBe(404);
  });

  it('expires every token through the control route', async () => {
    const { url, call, token } = await setup();
    const tk = await token();
    expect(await (await fetch(`${url}/_emulator/tokens/expire`, { method: 'POST' })).json()).toEqual({ expired: 1 });
    expect((await call('GET', '/api/v1/oss/source/copy/process?taskID=x', { token: tk })).env.code).toBe(401);
  });
});
