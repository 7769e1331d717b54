/**
 * Qiniu signing against the official SDK's test vectors (reference/upstreams.md §4.1, §4.4) and the
 * project's derived vectors, and the emulator's independent verifier against the same requests.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodedEntry, qiniuDate, signQBox, signQiniu } from '../datasources/qiniu-auth.ts';
import { QiniuEmulator } from '../emulators/qiniu.ts';

describe('EncodedEntryURI', () => {
  it.each([
    ['qiniuphotos', 'gogopher.jpg', 'cWluaXVwaG90b3M6Z29nb3BoZXIuanBn'],
    ['qiniuphotos', '', 'cWluaXVwaG90b3M6'],
    ['qiniuphotos', undefined, 'cWluaXVwaG90b3M='],
    ['qiniuphotos', '012ts>a', 'cWluaXVwaG90b3M6MDEydHM-YQ=='],
    ['qiniuphotos', '012ts?a', 'cWluaXVwaG90b3M6MDEydHM_YQ=='],
    ['srcbucket', 'a.jpg', 'c3JjYnVja2V0OmEuanBn'],
    ['dstbucket', 'b.jpg', 'ZHN0YnVja2V0OmIuanBn'],
    ['src-bucket', 'photos/a b.jpg', 'c3JjLWJ1Y2tldDpwaG90b3MvYSBiLmpwZw=='],
  ])('encodes %s:%s as %s (URL-safe, padding kept)', (bucket, key, expected) => {
    expect(encodedEntry(bucket, key)).toBe(expected);
  });
});

describe('QBox signing', () => {
  it('matches the SDK vector for a form body', () => {
    const sign = signQBox(
      { accessKey: 'abcdefghklmnopq', secretKey: '1234567890' },
      {
        method: 'POST',
        url: 'https://test.qiniu.com/callback',
        contentType: 'application/x-www-form-urlencoded',
        body: 'name=sunflower.jpg&hash=Fn6qeQi4VDLQ347NiRm-RlQx_4O2&location=Shanghai&price=1500.00&uid=123',
      },
    );
    expect(sign).toBe('QBox abcdefghklmnopq:T7F-SjxX7X2zI4Fc1vANiNt1AUE=');
  });

  it('matches the derived vector for a copy without a body', () => {
    const url = 'http://rs.qiniuapi.com/copy/c3JjYnVja2V0OmEuanBn/ZHN0YnVja2V0OmIuanBn/force/true';
    expect(signQBox({ accessKey: 'ak', secretKey: 'sk' }, { method: 'POST', url })).toBe('QBox ak:_AdC8q9aAk4qD6F2z-j7LhPzlts=');
  });

  it('matches the derived vector for a batch body', () => {
    const body = 'op=%2Fcopy%2Fc3JjYnVja2V0OmEuanBn%2FZHN0YnVja2V0OmIuanBn';
    expect(signQBox({ accessKey: 'ak', secretKey: 'sk' }, { method: 'POST', url: 'http://rs.qiniuapi.com/batch', body })).toBe(
      'QBox ak:akULchtR0t_3ub3tOY4F-i3feFs=',
    );
  });
});

describe('Qiniu (v2) signing', () => {
  it('matches the SDK vector with a form body and one X-Qiniu header', () => {
    const sign = signQiniu(
      { accessKey: 'abcdefghklmnopq', secretKey: '1234567890' },
      {
        method: 'GET',
        url: 'https://test.qiniu.com/callback',
        contentType: 'application/x-www-form-urlencoded',
        headers: { 'X-Qiniu-Bbb': 'BBB' },
        body: 'name=sunflower.jpg&hash=Fn6qeQi4VDLQ347NiRm-RlQx_4O2&location=Shanghai&price=1500.00&uid=123',
      },
    );
    expect(sign).toBe('Qiniu abcdefghklmnopq:ZqS7EZuAKrhZaEIxqNGxDJi41IQ=');
  });

  it('matches the SDK vector for JSON and ignores a bare X-Qiniu header', () => {
    const sign = signQiniu(
      { accessKey: 'ak', secretKey: 'sk' },
      { method: 'POST', url: 'http://rs.qbox.me', contentType: 'application/json', headers: { 'X-Qiniu': 'b' }, body: '{"name": "test"}' },
    );
    expect(sign).toBe('Qiniu ak:IlW01tHjGQ0pGPXV_3jjR1AdD34=');
  });

  it('matches the SDK vector with a query, no content type and headers sorted by name', () => {
    const sign = signQiniu(
      { accessKey: 'ak', secretKey: 'sk' },
      {
        method: 'GET',
        url: 'http://upload.qiniup.com/mkfile/sdf.jpg?s=er3&df',
        headers: { 'X-Qiniu-Bbb': 'BBB', 'X-Qiniu-Aaa': 'DDD' },
        body: 'name=test&language=go',
      },
    );
    expect(sign).toBe('Qiniu ak:PUFPWsEUIpk_dzUvvxTTmwhp3p4=');
  });

  it('matches the derived vector for a copy signed with X-Qiniu-Date', () => {
    const url = 'http://rs.qiniuapi.com/copy/c3JjYnVja2V0OmEuanBn/ZHN0YnVja2V0OmIuanBn/force/true';
    const sign = signQiniu(
      { accessKey: 'ak', secretKey: 'sk' },
      { method: 'POST', url, contentType: 'application/x-www-form-urlencoded', headers: { 'x-qiniu-date': '20240101T000000Z' }, body: '' },
    );
    expect(sign).toBe('Qiniu ak:Qo-tlLhSaigtbqmuz55Y9bjj5So=');
  });

  it('formats X-Qiniu-Date as YYYYMMDDTHHmmssZ in UTC', () => {
    expect(qiniuDate(new Date('2026-11-24T03:11:35.123Z'))).toBe('20261124T031135Z');
  });
});

describe('the emulator verifies what the official SDK sends', () => {
  const emulator = new QiniuEmulator({ accounts: { 'demo-ak': 'demo-sk' } });
  beforeAll(async () => {
    emulator.putObject('src-bucket', 'photos/a b.jpg', 'hello', 'image/jpeg');
    emulator.createBucket('dst-bucket', 'demo-ak');
    await emulator.start();
  });
  afterAll(() => emulator.close());

  /** Sends the exact request shape captured from qiniu SDK 7.15 (sdk-requests.md), signed for this port. */
  async function sdkCopy(auth: (url: string, date: string) => string, date = qiniuDate()) {
    const path = '/copy/c3JjLWJ1Y2tldDpwaG90b3MvYSBiLmpwZw==/ZHN0LWJ1Y2tldDpjb3BpZXMvYSBiLmpwZw==/force/true';
    const url = `${emulator.url}${path}`;
    return fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-qiniu-date': date, authorization: auth(url, date), accept: 'application/json' },
    });
  }
  const keys = { accessKey: 'demo-ak', secretKey: 'demo-sk' };

  it('accepts the SDK copy request signed with the Qiniu scheme and copies the object', async () => {
    const res = await sdkCopy((url, date) => signQiniu(keys, { method: 'POST', url, headers: { 'X-Qiniu-Date': date } }));
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
    expect(res.headers.get('x-reqid')).toBeTruthy();
    expect(emulator.getObject('dst-bucket', 'copies/a b.jpg')?.hash).toBe(emulator.getObject('src-bucket', 'photos/a b.jpg')?.hash);
  });

  it('accepts the QBox scheme', async () => {
    const res = await sdkCopy((url) => signQBox(keys, { method: 'POST', url }));
    expect(res.status).toBe(200);
  });

  it('refuses a signature made with the wrong secret with 401', async () => {
    const res = await sdkCopy((url, date) =>
      signQiniu({ accessKey: 'demo-ak', secretKey: 'wrong' }, { method: 'POST', url, headers: { 'X-Qiniu-Date': date } }),
    );
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: 'bad token' });
  });

  it('refuses a request whose X-Qiniu-Date is more than 15 minutes off with 403', async () => {
    const stale = qiniuDate(new Date(Date.now() - 16 * 60_000));
    const res = await sdkCopy((url, date) => signQiniu(keys, { method: 'POST', url, headers: { 'X-Qiniu-Date': date } }), stale);
    expect(res.status).toBe(403);
  });

  it('refuses a signature over a different path (the signature covers the path)', async () => {
    const res = await sdkCopy((_url, date) => signQiniu(keys, { method: 'POST', url: `${emulator.url}/copy/other/path`, headers: { 'X-Qiniu-Date': date } }));
    expect(res.status).toBe(401);
  });
});
