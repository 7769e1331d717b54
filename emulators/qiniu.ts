/**
 * Qiniu Kodo RS emulator: buckets of objects in memory, `/copy`, `/stat`, `/batch`, both signature
 * schemes verified (reference/upstreams.md §4), the 612/614/631 semantics, `X-Reqid` on every answer.
 * As strict as Qiniu where the docs say so (§4.2): no cross-region copy (buckets have a region; [I] the
 * refusal is 400 with an error text, the docs give no code), and an archive / deep-archive source that
 * is not restored is refused with 403; the copy of an archive object is itself archived (frozen).
 *
 * The signature check is written from the server's side (from the request as received) and shares
 * no code with copygraph's signer: two independent implementations checked against the same vectors.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { type EmulatorReply, type EmulatorRequest, EmulatorControl, jsonBody, type RunningServer, route, startEmulatorServer } from './http.ts';

export interface QiniuObject {
  readonly fsize: number;
  readonly hash: string;
  readonly mimeType: string;
  /** 100-ns units since the epoch, as Qiniu reports it. */
  readonly putTime: number;
  /** 0 standard, 1 IA, 2 archive, 3 deep archive, 4 archive direct read, 5 intelligent tiering [C Q3]. */
  readonly type: number;
  readonly md5: string;
  /** 1 restoring, 2 restored (archive types only); absent otherwise [C Q3]. */
  readonly restoreStatus?: 1 | 2 | undefined;
}

/** Storage types whose objects must be restored before they can be copied [C Q1: "unrestored → 403"]. */
const NEEDS_RESTORE = new Set([2, 3]);

export interface QiniuEmulatorOptions {
  /** accessKey → secretKey. */
  readonly accounts?: Readonly<Record<string, string>>;
  /** Allowed clock skew for X-Qiniu-Date (Qiniu: 15 minutes). */
  readonly maxSkewMs?: number;
}

export const QINIU_DEMO = {
  accessKey: 'demo-ak',
  secretKey: 'demo-sk',
  sourceBucket: 'demo-photos',
  backupBucket: 'demo-backup',
  keys: ['photos/sunflower.jpg', 'photos/harbor.png', 'docs/readme.txt'],
  /** A bucket of 10,000 small objects under one prefix, for bulk copies by prefix. */
  bulkBucket: 'demo-bulk',
  bulkPrefix: 'bulk/',
  bulkCount: 10_000,
} as const;

const BLOCK = 4 * 1024 * 1024;

/** Qiniu's etag ("qetag") of some content. */
export function qetag(data: Buffer): string {
  const sha1 = (b: Buffer) => createHash('sha1').update(b).digest();
  const b64 = (b: Buffer) => b.toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
  if (data.length <= BLOCK) return b64(Buffer.concat([Buffer.from([0x16]), sha1(data)]));
  const blocks: Buffer[] = [];
  for (let i = 0; i < data.length; i += BLOCK) blocks.push(sha1(data.subarray(i, i + BLOCK)));
  return b64(Buffer.concat([Buffer.from([0x96]), sha1(Buffer.concat(blocks))]));
}

function decodeEntry(encoded: string): { bucket: string; key: string | undefined } | undefined {
  if (!/^[A-Za-z0-9_=-]+$/.test(encoded)) return undefined;
  const text = Buffer.from(encoded.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8');
  const i = text.indexOf(':');
  return i < 0 ? { bucket: text, key: undefined } : { bucket: text.slice(0, i), key: text.slice(i + 1) };
}

function hmac(secret: string, data: string): Buffer {
  return createHmac('sha1', secret).update(data).digest();
}

function safeEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

function err(status: number, error: string): EmulatorReply {
  return { status, body: { error } };
}

export class QiniuEmulator {
  readonly control = new EmulatorControl();
  readonly #accounts: Map<string, string>;
  /** bucket → owner access key */
  readonly #bucketOwners = new Map<string, string>();
  /** bucket → region id (z0, z1, z2, na0, as0, cn-east-2, …). */
  readonly #bucketRegions = new Map<string, string>();
  readonly #buckets = new Map<string, Map<string, QiniuObject>>();
  readonly #maxSkewMs: number;
  #server: RunningServer | undefined;

  constructor(options: QiniuEmulatorOptions = {}) {
    this.#accounts = new Map(Object.entries(options.accounts ?? { [QINIU_DEMO.accessKey]: QINIU_DEMO.secretKey }));
    this.#maxSkewMs = options.maxSkewMs ?? 15 * 60_000;
  }

  get url(): string {
    if (!this.#server) throw new Error('the Qiniu emulator is not started');
    return this.#server.url;
  }

  addAccount(accessKey: string, secretKey: string): void {
    this.#accounts.set(accessKey, secretKey);
  }

  createBucket(name: string, owner = this.#accounts.keys().next().value as string, region = 'z0'): void {
    if (!this.#buckets.has(name)) this.#buckets.set(name, new Map());
    this.#bucketOwners.set(name, owner);
    this.#bucketRegions.set(name, region);
  }

  /** Stores an object; its hash is the real qetag of the content. */
  putObject(
    bucket: string,
    key: string,
    content: Buffer | string,
    mimeType = 'application/octet-stream',
    storage: { readonly type?: number; readonly restoreStatus?: 1 | 2 } = {},
  ): QiniuObject {
    if (!this.#buckets.has(bucket)) this.createBucket(bucket);
    const data = Buffer.from(content);
    const obj: QiniuObject = {
      fsize: data.length,
      hash: qetag(data),
      mimeType,
      putTime: this.control.clock.now() * 10_000,
      type: storage.type ?? 0,
      md5: createHash('md5').update(data).digest('hex'),
      ...(storage.restoreStatus !== undefined ? { restoreStatus: storage.restoreStatus } : {}),
    };
    this.#buckets.get(bucket)?.set(key, obj);
    return obj;
  }

  getObject(bucket: string, key: string): QiniuObject | undefined {
    return this.#buckets.get(bucket)?.get(key);
  }

  listKeys(bucket: string): string[] {
    return [...(this.#buckets.get(bucket)?.keys() ?? [])];
  }

  seedDemo(): void {
    this.createBucket(QINIU_DEMO.sourceBucket, QINIU_DEMO.accessKey);
    this.createBucket(QINIU_DEMO.backupBucket, QINIU_DEMO.accessKey);
    this.putObject(QINIU_DEMO.sourceBucket, 'photos/sunflower.jpg', Buffer.alloc(48_213, 7), 'image/jpeg');
    this.putObject(QINIU_DEMO.sourceBucket, 'photos/harbor.png', Buffer.alloc(120_004, 3), 'image/png');
    this.putObject(QINIU_DEMO.sourceBucket, 'docs/readme.txt', 'copygraph demo object\n', 'text/plain');
    this.seedBulk();
  }

  async start(listen?: { port?: number; host?: string }): Promise<RunningServer> {
    this.#server = await startEmulatorServer(
      {
        name: 'qiniu-emulator',
        control: this.control,
        replyHeaders: () => ({ 'x-reqid': randomBytes(12).toString('base64url'), 'cache-control': 'no-store' }),
        routes: [
          route('POST', /^\/copy\/([^/]+)\/([^/]+)(?:\/force\/(true|false))?$/, 'copy', (req) => this.#authed(req, (ak) => this.#copy(ak, req))),
          route('GET', /^\/stat\/([^/]+)$/, 'stat', (req) => this.#authed(req, (ak) => this.#statReply(ak, req.params[0] ?? ''))),
          route('POST', /^\/stat\/([^/]+)$/, 'stat', (req) => this.#authed(req, (ak) => this.#statReply(ak, req.params[0] ?? ''))),
          route('POST', /^\/batch$/, 'batch', (req) => this.#authed(req, (ak) => this.#batch(ak, req))),
          ...this.#bulkRoutes(),
        ],
        controlRoutes: [
          route('POST', /^\/_emulator\/objects$/, 'seed-object', (req) => {
            const b = jsonBody(req) as { bucket?: string; key?: string; content?: string; mimeType?: string } | undefined;
            if (!b?.bucket || b.key === undefined) return err(400, 'bucket and key required');
            return { status: 200, body: this.putObject(b.bucket, b.key, b.content ?? '', b.mimeType) };
          }),
          route('GET', /^\/_emulator\/objects$/, 'get-object', (req) => {
            const obj = this.getObject(req.query.get('bucket') ?? '', req.query.get('key') ?? '');
            return obj ? { status: 200, body: obj } : err(404, 'no such object');
          }),
        ],
        notFound: () => err(404, 'not found'),
      },
      listen,
    );
    return this.#server;
  }

  async close(): Promise<void> {
    await this.#server?.close();
    this.#server = undefined;
  }

  /** Verifies the Authorization header, then runs `next` with the caller's access key. */
  #authed(req: EmulatorRequest, next: (accessKey: string) => EmulatorReply): EmulatorReply {
    const auth = req.headers.authorization ?? '';
    const m = /^(Qiniu|QBox) ([^:\s]+):([A-Za-z0-9_=-]+)$/.exec(auth);
    if (!m) return err(401, 'bad token');
    const [, scheme, accessKey, sign] = m as unknown as [string, 'Qiniu' | 'QBox', string, string];
    const secret = this.#accounts.get(accessKey);
    if (!secret) return err(401, 'bad token');
    const contentType = (req.headers['content-type'] ?? '').split(',')[0]?.trim() || 'application/x-www-form-urlencoded';
    const pathAndQuery = req.rawQuery ? `${req.path}?${req.rawQuery}` : req.path;
    const body = req.body.toString('utf8');
    let signed: string;
    if (scheme === 'QBox') {
      signed = `${pathAndQuery}\n${body && contentType === 'application/x-www-form-urlencoded' ? body : ''}`;
    } else {
      const date = req.headers['x-qiniu-date'];
      if (typeof date === 'string') {
        const m2 = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(date);
        const at = m2 ? Date.UTC(+m2[1]!, +m2[2]! - 1, +m2[3]!, +m2[4]!, +m2[5]!, +m2[6]!) : Number.NaN;
        if (Number.isNaN(at) || Math.abs(this.control.clock.now() - at) > this.#maxSkewMs) return err(403, 'request time too skewed');
      }
      const xq = Object.entries(req.headers)
        .filter(([k]) => k.toLowerCase().startsWith('x-qiniu-') && k.length > 'x-qiniu-'.length)
        .map(([k, v]) => [k.toLowerCase().replace(/(^|-)([a-z])/g, (_s, d: string, c: string) => d + c.toUpperCase()), String(v)] as const)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      signed = `${req.method} ${pathAndQuery}\nHost: ${req.host}\nContent-Type: ${contentType}`;
      for (const [k, v] of xq) signed += `\n${k}: ${v}`;
      signed += '\n\n';
      if (body && contentType !== 'application/octet-stream') signed += body;
    }
    const given = Buffer.from(sign.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (!safeEqual(given, hmac(secret, signed))) return err(401, 'bad token');
    return next(accessKey);
  }

  #bucketFor(accessKey: string, bucket: string): Map<string, QiniuObject> | EmulatorReply {
    const b = this.#buckets.get(bucket);
    if (!b) return err(631, 'no such bucket');
    if (this.#bucketOwners.get(bucket) !== accessKey) return err(403, 'permission denied');
    return b;
  }

  #copyOp(accessKey: string, srcEncoded: string, dstEncoded: string, force: boolean): EmulatorReply {
    const src = decodeEntry(srcEncoded);
    const dst = decodeEntry(dstEncoded);
    if (!src || !dst || src.key === undefined || dst.key === undefined || src.key === '' || dst.key === '') return err(400, 'invalid argument');
    const from = this.#bucketFor(accessKey, src.bucket);
    if (!(from instanceof Map)) return from;
    const to = this.#bucketFor(accessKey, dst.bucket);
    if (!(to instanceof Map)) return to;
    // [C Q1] same region only; [I] how Qiniu words the refusal.
    if (this.#bucketRegions.get(src.bucket) !== this.#bucketRegions.get(dst.bucket)) return err(400, 'cross-region copy is not supported');
    const obj = from.get(src.key);
    if (!obj) return err(612, 'no such file or directory');
    if (NEEDS_RESTORE.has(obj.type) && obj.restoreStatus !== 2) return err(403, 'the archived source object must be restored before it can be copied');
    if (to.has(dst.key) && !force) return err(614, 'file exists');
    // The copy of an archive object is archived again (frozen): it keeps the type, not the restore.
    const { restoreStatus: _restored, ...copied } = obj;
    to.set(dst.key, { ...copied, putTime: this.control.clock.now() * 10_000 });
    return { status: 200 };
  }

  #copy(accessKey: string, req: EmulatorRequest): EmulatorReply {
    return this.#countedCopy(accessKey, req.params[0] ?? '', req.params[1] ?? '', req.params[2] === 'true');
  }

  #stat(accessKey: string, encoded: string): EmulatorReply {
    const entry = decodeEntry(encoded);
    if (!entry || entry.key === undefined) return err(400, 'invalid argument');
    const bucket = this.#bucketFor(accessKey, entry.bucket);
    if (!(bucket instanceof Map)) return bucket;
    const obj = bucket.get(entry.key);
    if (!obj) return err(612, 'no such file or directory');
    return {
      status: 200,
      body: {
        fsize: obj.fsize,
        hash: obj.hash,
        mimeType: obj.mimeType,
        putTime: obj.putTime,
        type: obj.type,
        md5: obj.md5,
        ...(obj.restoreStatus !== undefined ? { restoreStatus: obj.restoreStatus } : {}),
      },
    };
  }

  #statReply(accessKey: string, encoded: string): EmulatorReply {
    return this.#stat(accessKey, encoded);
  }

  #batch(accessKey: string, req: EmulatorRequest): EmulatorReply {
    const ops = new URLSearchParams(req.body.toString('utf8')).getAll('op');
    if (ops.some((op) => op.startsWith('/copy/'))) this.control.record('batch-copy');
    if (ops.length === 0) return err(400, 'empty op');
    if (ops.length > 1000) return err(400, 'too many ops');
    const results = ops.map((op): { code: number; data?: unknown } => {
      const parts = op.split('/');
      let reply: EmulatorReply;
      if (parts[1] === 'stat' && parts.length === 3) reply = this.#stat(accessKey, parts[2] ?? '');
      else if (parts[1] === 'copy' && (parts.length === 4 || (parts.length === 6 && parts[4] === 'force')))
        reply = this.#countedCopy(accessKey, parts[2] ?? '', parts[3] ?? '', parts[5] === 'true');
      else reply = err(400, 'unknown op');
      return reply.body === undefined ? { code: reply.status, data: {} } : { code: reply.status, data: reply.body };
    });
    return { status: results.every((r) => r.code === 200) ? 200 : 298, body: results };
  }

  // ---- bulk: listing (RSF) and the demo bucket of 10,000 objects ---------------------------------
  //
  // Facts relied on (from Qiniu's SDKs: nodejs-sdk `BucketManager.listPrefix`, the C SDK
  // `Qiniu_RSF_ListFiles`, python-sdk `bucket.list`; and developer.qiniu.com/kodo/api/list):
  // - `/list?bucket=&marker=&limit=&prefix=&delimiter=` on the region's RSF host, signed like other
  //   management calls [S: SDKs sign the URL with no body]. The Node SDK sends it as a POST without a
  //   form, the docs show GET: both are accepted here [S].
  // - The answer is `{ marker, commonPrefixes, items: [{ key, hash, fsize, mimeType, putTime, type, … }] }`;
  //   a missing or empty `marker` means the listing is complete [S: SDK examples say so].
  // - `limit` is 1 to 1000 [S: the C SDK refuses other values]; here a limit outside 1..1000 is a 400
  //   (stricter than clamping) [I]. No limit means 1000 [I].
  // - Keys come in lexicographic (byte) order [I: documented as "sorted" only implicitly by the marker design].
  // - The marker is opaque; here it is urlsafe base64 of `{"c":0,"k":"<last key>"}`, the shape real
  //   markers have [I: observed in the wild, never documented]. A marker that does not decode is a 400 [I].
  // - An unknown bucket is 631; another account's bucket is 403 (as the other management calls).

  /** How many times each destination was written by a copy (`bucket:key`): proof of exactly-once copies. */
  readonly copyCounts = new Map<string, number>();

  /** Seeds the bulk demo bucket (10,000 objects of a few bytes each: about 50 ms). */
  seedBulk(count: number = QINIU_DEMO.bulkCount, bucket: string = QINIU_DEMO.bulkBucket, prefix: string = QINIU_DEMO.bulkPrefix): void {
    this.createBucket(bucket, QINIU_DEMO.accessKey);
    for (let i = 0; i < count; i++) this.putObject(bucket, `${prefix}${String(i).padStart(5, '0')}.txt`, `bulk object ${i}\n`, 'text/plain');
  }

  /** Deletes an object (tests: a source that disappears between listing and copying). */
  deleteObject(bucket: string, key: string): boolean {
    return this.#buckets.get(bucket)?.delete(key) ?? false;
  }

  #countedCopy(accessKey: string, srcEncoded: string, dstEncoded: string, force: boolean): EmulatorReply {
    const reply = this.#copyOp(accessKey, srcEncoded, dstEncoded, force);
    if (reply.status === 200) {
      const dst = decodeEntry(dstEncoded);
      const id = `${dst?.bucket}:${dst?.key}`;
      this.copyCounts.set(id, (this.copyCounts.get(id) ?? 0) + 1);
    }
    return reply;
  }

  #bulkRoutes() {
    const list = (req: EmulatorRequest) => this.#authed(req, (ak) => this.#list(ak, req));
    return [route('GET', /^\/list$/, 'list', list), route('POST', /^\/list$/, 'list', list)];
  }

  #list(accessKey: string, req: EmulatorRequest): EmulatorReply {
    const bucketName = req.query.get('bucket') ?? '';
    const bucket = this.#bucketFor(accessKey, bucketName);
    if (!(bucket instanceof Map)) return bucket;
    const prefix = req.query.get('prefix') ?? '';
    const limitText = req.query.get('limit');
    const limit = limitText === null || limitText === '' ? 1000 : Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) return err(400, 'invalid limit');
    const markerText = req.query.get('marker');
    let after: string | undefined;
    if (markerText) {
      try {
        const decoded = JSON.parse(Buffer.from(markerText.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8')) as { k?: unknown };
        if (typeof decoded.k !== 'string') return err(400, 'invalid marker');
        after = decoded.k;
      } catch {
        return err(400, 'invalid marker');
      }
    }
    const keys = [...bucket.keys()].filter((k) => k.startsWith(prefix) && (after === undefined || k > after)).sort();
    const page = keys.slice(0, limit);
    const more = keys.length > limit;
    const last = page.at(-1);
    const marker =
      more && last !== undefined
        ? Buffer.from(JSON.stringify({ c: 0, k: last }))
            .toString('base64')
            .replace(/\+/g, '-')
            .replace(/\//g, '_')
        : '';
    return {
      status: 200,
      body: {
        marker,
        commonPrefixes: [],
        items: page.map((key) => {
          const o = bucket.get(key) as QiniuObject;
          return { key, hash: o.hash, fsize: o.fsize, mimeType: o.mimeType, putTime: o.putTime, type: o.type, md5: o.md5, status: 0 };
        }),
      },
    };
  }
}
