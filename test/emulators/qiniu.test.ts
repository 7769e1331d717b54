/**
 * The Qiniu emulator on its own, over real HTTP, with requests signed the way the official SDK signs
 * them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodedEntry, FORM_CONTENT_TYPE, qiniuDate, signQiniu } from '../../datasources/qiniu-auth.ts';
import { QiniuEmulator, qetag } from '../../emulators/qiniu.ts';

const keys = { accessKey: 'ak', secretKey: 'sk' };
const emulator = new QiniuEmulator({ accounts: { ak: 'sk', other: 'other-sk' } });

beforeAll(async () => {
  emulator.createBucket('src', 'ak');
  emulator.createBucket('dst', 'ak');
  emulator.createBucket('foreign', 'other');
  emulator.putObject('src', 'a.txt', 'hello', 'text/plain');
  await emulator.start();
});
afterAll(() => emulator.close());

async function call(method: 'GET' | 'POST', path: string, body?: string) {
  const url = `${emulator.url}${path}`;
  const headers: Record<string, string> = { 'content-type': FORM_CONTENT_TYPE, 'x-qiniu-date': qiniuDate() };
  headers['authorization'] = signQiniu(keys, { method, url, contentType: FORM_CONTENT_TYPE, headers, body });
  const res = await fetch(url, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await res.text();
  return { status: res.status, reqId: res.headers.get('x-reqid'), body: text ? JSON.parse(text) : undefined };
}

const batchBody = (ops: string[]) => new URLSearchParams(ops.map((op): [string, string] => ['op', op])).toString();

describe('Qiniu emulator', () => {
  it('computes the real qetag of small and multi-block content', () => {
    expect(qetag(Buffer.from(''))).toBe('Fto5o-5ea0sNMlW_75VgGJCv2AcJ');
    // Expected values computed independently (Python hashlib) with Qiniu's published algorithm.
    expect(qetag(Buffer.from('hello'))).toBe('Fqr0xh3cxeii2r7eDztILNmuqUNN');
    expect(qetag(Buffer.alloc(5 * 1024 * 1024, 1))).toBe('lpEjMz2r2aug3K9ZELYgH9g5Qwmw');
  });

  it('stats an object with fsize, hash, mimeType, putTime in 100-ns units and type', async () => {
    const r = await call('GET', `/stat/${encodedEntry('src', 'a.txt')}`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ fsize: 5, hash: qetag(Buffer.from('hello')), mimeType: 'text/plain', type: 0 });
    expect(r.body.putTime).toBeGreaterThan(Date.now() * 10_000 - 60_000 * 10_000);
    expect(r.reqId).toBeTruthy();
  });

  it('answers 612 for a missing object, 631 for a missing bucket, 614 for an existing destination', async () => {
    expect((await call('GET', `/stat/${encodedEntry('src', 'missing')}`)).status).toBe(612);
    expect((await call('POST', `/copy/${encodedEntry('nope', 'a')}/${encodedEntry('dst', 'a')}`)).status).toBe(631);
    expect((await call('POST', `/copy/${encodedEntry('src', 'a.txt')}/${encodedEntry('dst', 'exists.txt')}`)).status).toBe(200);
    const again = await call('POST', `/copy/${encodedEntry('src', 'a.txt')}/${encodedEntry('dst', 'exists.txt')}`);
    expect(again).toMatchObject({ status: 614, body: { error: 'file exists' } });
    expect((await call('POST', `/copy/${encodedEntry('src', 'a.txt')}/${encodedEntry('dst', 'exists.txt')}/force/true`)).status).toBe(200);
  });

  it("refuses a copy into another account's bucket", async () => {
    expect((await call('POST', `/copy/${encodedEntry('src', 'a.txt')}/${encodedEntry('foreign', 'x')}`)).status).toBe(403);
  });

  it('runs a batch in order and answers 298 when some operations failed', async () => {
    const ops = [
      `/stat/${encodedEntry('src', 'a.txt')}`,
      `/stat/${encodedEntry('src', 'missing')}`,
      `/copy/${encodedEntry('src', 'a.txt')}/${encodedEntry('dst', 'b.txt')}`,
    ];
    const r = await call('POST', '/batch', batchBody(ops));
    expect(r.status).toBe(298);
    expect(r.body.map((i: { code: number }) => i.code)).toEqual([200, 612, 200]);
    expect(r.body[1].data).toEqual({ error: 'no such file or directory' });
    expect(emulator.getObject('dst', 'b.txt')).toBeDefined();
    const ok = await call('POST', '/batch', batchBody([`/stat/${encodedEntry('src', 'a.txt')}`]));
    expect(ok.status).toBe(200);
  });

  it('refuses a batch of more than 1000 operations', async () => {
    const ops = Array.from({ length: 1001 }, () => `/stat/${encodedEntry('src', 'a.txt')}`);
    expect((await call('POST', '/batch', batchBody(ops))).status).toBe(400);
  });

  it('puts X-Reqid on every answer, errors included, and counts calls per route', async () => {
    emulator.control.resetCalls();
    const r = await fetch(`${emulator.url}/copy/x/y`, { method: 'POST' });
    expect(r.status).toBe(401);
    expect(r.headers.get('x-reqid')).toBeTruthy();
    expect(emulator.control.callsByRoute()).toEqual({ copy: 1 });
  });

  it('can be seeded and inspected through its control surface', async () => {
    const seeded = await fetch(`${emulator.url}/_emulator/objects`, {
      method: 'POST',
      body: JSON.stringify({ bucket: 'src', key: 'seeded.txt', content: 'hello' }),
    });
    expect(seeded.status).toBe(200);
    const got = await (await fetch(`${emulator.url}/_emulator/objects?bucket=src&key=seeded.txt`)).json();
    expect(got).toMatchObject({ fsize: 5, hash: qetag(Buffer.from('hello')) });
    await fetch(`${emulator.url}/_emulator/faults`, {
      method: 'POST',
      body: JSON.stringify({ route: 'stat', status: 599, body: { error: 'boom' }, times: 1 }),
    });
    expect((await call('GET', `/stat/${encodedEntry('src', 'a.txt')}`)).status).toBe(599);
    expect((await call('GET', `/stat/${encodedEntry('src', 'a.txt')}`)).status).toBe(200);
  });
});
