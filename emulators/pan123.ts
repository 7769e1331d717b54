/**
 * 123pan open platform (123云盘开放平台) emulator: access_token plus the 图床 (image host) copy task
 * that copies images from the 云盘 (drive) into an image-host folder.
 *
 * Reference: /work/shared/reference/upstreams.md §2 and §6. Facts marked [U]/[I] there are decided
 * below in comments starting with "Decision:".
 *
 * Wire conventions [C3]: every reply is `{code, message, data, "x-traceID"}`; code 0 = ok, body code
 * 401 = access_token无效, 429 = 请求太频繁.
 * Decision: business errors (401/429 included) are sent with HTTP 200 — the docs list them as "code in
 * the body" and the envelope is always present. Only a path no route matches gets HTTP 404.
 * Decision: every other business error uses body code 1 with a specific message (the docs list no
 * further codes).
 *
 * Model: the emulator is ONE 123pan account; every registered clientID is an app of that account, so
 * the drive, the image host and the 3-task queue are shared by all its tokens.
 *
 * Task progress is lazy: a task's start/end follow from the clock, `perTaskMs` and the tasks before it
 * (one at a time, in creation order); a task's copy is applied to the image host the first time
 * anything looks at the state after its end.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { EmulatorControl, type EmulatorReply, type EmulatorRequest, jsonBody, type Route, type RunningServer, route, startEmulatorServer } from './http.js';

export interface Pan123EmulatorOptions {
  /** clientID → clientSecret accepted by /api/v1/access_token. */
  readonly clients?: Readonly<Record<string, string>>;
  /** Decision: token lifetime is not documented [U]; 30 days, like the developer console shows. */
  readonly tokenTtlMs?: number;
  /** How long one copy task runs once it leaves the queue. */
  readonly perTaskMs?: number;
  /**
   * Calls a second per clientID and route on the image-host (oss) endpoints (default
   * `PAN123_DEFAULT_OSS_QPS`; 0 = off), answered with body code 429 请求太频繁 [C3 P3]. The oss
   * endpoints are not in the documented QPS table [U]; the default is the table's highest figure (10)
   * [I]. The access_token endpoint keeps its documented QPS 1.
   */
  readonly ossQps?: number;
}

export const PAN123_DEFAULT_OSS_QPS = 10;

/** A 云盘 entry. type 0 = file, 1 = folder; parentFileId 0 = the drive root. */
export interface DriveEntry {
  readonly fileId: number;
  readonly filename: string;
  readonly type: 0 | 1;
  readonly size: number;
  readonly etag: string;
  readonly parentFileId: number;
}

/** A 图床 folder; ids are opaque strings, "" is the root. */
export interface OssFolder {
  readonly fileId: string;
  readonly filename: string;
  readonly parentFileId: string;
}

/** A 图床 image, as a copy task leaves it. */
export interface OssImage {
  readonly fileId: string;
  filename: string;
  readonly parentFileId: string;
  readonly etag: string;
  readonly size: number;
  /** The drive file it was (last) copied from. */
  sourceFileId: number;
  readonly createAt: number;
  updateAt: number;
}

export type TaskStatus = 1 | 2 | 3 | 4;
export const TASK_STATUS = { RUNNING: 1, FINISHED: 2, FAILED: 3, WAITING: 4 } as const;

export interface FailedFile {
  readonly fileId: number;
  readonly filename: string;
}

export interface CopyTaskView {
  readonly taskID: string;
  readonly fileIDs: readonly string[];
  readonly toParentFileID: string;
  readonly status: TaskStatus;
  readonly failMsg: string;
  readonly failList: readonly FailedFile[];
  readonly createdAt: number;
  readonly startsAt: number;
  readonly endsAt: number;
}

interface CopyTask {
  readonly taskID: string;
  readonly fileIDs: readonly string[];
  readonly toParentFileID: string;
  readonly createdAt: number;
  /** Set by the control surface: the task ends at `at` with this outcome. */
  forced?: { readonly at: number; readonly fail: boolean; readonly failMsg: string };
  /** Set once the task's end has passed and its copy was applied. */
  result?: { readonly status: 2 | 3; readonly failMsg: string; readonly failList: readonly FailedFile[] };
}

interface Token {
  readonly clientID: string;
  expiresAt: number;
}

// Limits from the copy-task page [C3 P2].
export const PAN123_LIMITS = {
  maxFileIds: 100,
  maxOpenTasks: 3,
  maxImagesPerTask: 1000,
  maxImageBytes: 100 * 1024 * 1024,
  maxFolderDepth: 15,
  imageExtensions: ['png', 'gif', 'jpeg', 'tiff', 'webp', 'jpg', 'tif', 'svg', 'bmp'],
  failListMaxLimit: 100,
} as const;

const CODE_ERROR = 1;
const CODE_TOKEN_INVALID = 401;
const CODE_THROTTLED = 429;
const TOKEN_MIN_INTERVAL_MS = 1000; // QPS 1 per clientID on /api/v1/access_token [C3 P3]
const DAY_MS = 24 * 60 * 60 * 1000;

export const PAN123_DEMO = {
  clientID: 'demo-client',
  clientSecret: 'demo-secret',
  driveFolderId: 14802100,
  driveFolderName: 'Holiday 2025',
  /** The six images in the drive folder, in order. */
  imageFileIds: [14802101, 14802102, 14802103, 14802104, 14802105, 14802106],
  /** A .txt in the same folder: not an image, lands on the fail list. */
  textFileId: 14802107,
  /** A 150 MB .png in the same folder: over the 100 MB limit, lands on the fail list. */
  oversizeFileId: 14802108,
  ossFolderId: 'yk6baz03t0l000d7w33fbyq51l4izkneDEMOCOPIES0DcxvDwFO',
  ossFolderName: 'copies',
} as const;

const LOWER_ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';
const MIXED_ALNUM = `${LOWER_ALNUM}ABCDEFGHIJKLMNOPQRSTUVWXYZ`;

function randomString(alphabet: string, length: number): string {
  return [...randomBytes(length)].map((b) => alphabet[b % alphabet.length]).join('');
}

/** Task ids look like "1ketmmu1000d86isuyq33su100w1bnp6": 32 lowercase alnum. */
const newTaskId = (): string => randomString(LOWER_ALNUM, 32);
/** Image-host ids look like "yk6baz03t0l000d7w33fbyq51l4izkneDIYPAIDOBIY0DcxvDwFO". */
const newOssId = (): string => randomString(LOWER_ALNUM, 32) + randomString(MIXED_ALNUM, 20);
const newTraceId = (): string => `${randomUUID()}_kong-db-5898fdd8c6-${randomString(LOWER_ALNUM, 5)}`;

/** Beijing time, as the API writes it: ISO-8601 with a +08:00 offset ("2025-03-23T15:48:37+08:00"). */
function beijingIso(ms: number): string {
  return `${new Date(ms + 8 * 60 * 60 * 1000).toISOString().slice(0, 19)}+08:00`;
}
/** "YYYY-MM-DD HH:mm:ss" in Beijing time (图片详情 createAt/updateAt). */
function beijingDateTime(ms: number): string {
  return beijingIso(ms).slice(0, 19).replace('T', ' ');
}

function extensionOf(filename: string): string {
  const dot = filename.lastIndexOf('.');
  return dot < 0 ? '' : filename.slice(dot + 1).toLowerCase();
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Reads a required positive integer query parameter; undefined when missing or malformed. */
function positiveInt(raw: string | null): number | undefined {
  if (raw === null || !/^\d+$/.test(raw)) return undefined;
  const n = Number(raw);
  return n >= 1 && Number.isSafeInteger(n) ? n : undefined;
}

export class Pan123Emulator {
  readonly control = new EmulatorControl();
  readonly #clients = new Map<string, string>();
  readonly #tokenTtlMs: number;
  readonly #perTaskMs: number;
  readonly #tokens = new Map<string, Token>();
  /** clientID → time of the last token call that was let through. */
  readonly #lastTokenCall = new Map<string, number>();
  #tokensIssued = 0;
  readonly #drive = new Map<number, DriveEntry>();
  #nextDriveId = 14802100;
  readonly #ossFolders = new Map<string, OssFolder>();
  readonly #ossImages = new Map<string, OssImage>();
  /** In creation order: the order the account's single worker runs them. */
  readonly #tasks: CopyTask[] = [];
  #server: RunningServer | undefined;

  constructor(options: Pan123EmulatorOptions = {}) {
    for (const [id, secret] of Object.entries(options.clients ?? {})) this.#clients.set(id, secret);
    this.#tokenTtlMs = options.tokenTtlMs ?? 30 * DAY_MS;
    this.#perTaskMs = options.perTaskMs ?? 2000;
    this.#ossQps = options.ossQps === 0 ? undefined : (options.ossQps ?? PAN123_DEFAULT_OSS_QPS);
  }

  readonly #ossQps: number | undefined;
  readonly #ossWindows = new Map<string, { start: number; count: number }>();

  /** One more call of a client on an oss route; true when it is over the QPS. */
  #overQps(req: EmulatorRequest, routeName: string): boolean {
    if (this.#ossQps === undefined) return false;
    const token = this.#tokens.get(/^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '');
    const key = `${token?.clientID ?? '?'} ${routeName}`;
    const start = Math.floor(this.control.clock.now() / 1000) * 1000;
    const w = this.#ossWindows.get(key);
    if (!w || w.start !== start) {
      this.#ossWindows.set(key, { start, count: 1 });
      return false;
    }
    w.count += 1;
    return w.count > this.#ossQps;
  }

  // ---- seeding ---------------------------------------------------------------------------------

  addClient(clientID: string, clientSecret: string): void {
    this.#clients.set(clientID, clientSecret);
  }

  seedDriveFolder(input: { filename: string; parentFileId?: number; fileId?: number }): DriveEntry {
    return this.#addDrive({ ...input, type: 1, size: 0, etag: '' });
  }

  /** A drive file; the etag defaults to an md5 derived from name and size (pass one to model equal content). */
  seedDriveFile(input: { filename: string; size: number; etag?: string; parentFileId?: number; fileId?: number }): DriveEntry {
    const etag = input.etag ?? createHash('md5').update(`${input.filename}:${input.size}`).digest('hex');
    return this.#addDrive({ ...input, type: 0, etag });
  }

  seedOssFolder(input: { filename: string; parentFileId?: string; fileId?: string }): OssFolder {
    const parentFileId = input.parentFileId ?? '';
    if (parentFileId !== '' && !this.#ossFolders.has(parentFileId)) throw new Error(`no image-host folder ${parentFileId}`);
    const folder: OssFolder = { fileId: input.fileId ?? newOssId(), filename: input.filename, parentFileId };
    this.#ossFolders.set(folder.fileId, folder);
    return folder;
  }

  seedDemo(): typeof PAN123_DEMO {
    const d = PAN123_DEMO;
    this.addClient(d.clientID, d.clientSecret);
    this.seedDriveFolder({ fileId: d.driveFolderId, filename: d.driveFolderName });
    const names = ['beach.jpg', 'sunset.png', 'harbour.jpeg', 'map.svg', 'market.webp', 'lantern.gif'];
    d.imageFileIds.forEach((fileId, i) => {
      this.seedDriveFile({ fileId, parentFileId: d.driveFolderId, filename: names[i] ?? `img${i}.png`, size: 180_000 + i * 37_311 });
    });
    this.seedDriveFile({ fileId: d.textFileId, parentFileId: d.driveFolderId, filename: 'itinerary.txt', size: 2_048 });
    this.seedDriveFile({ fileId: d.oversizeFileId, parentFileId: d.driveFolderId, filename: 'panorama.png', size: 150 * 1024 * 1024 });
    this.seedOssFolder({ fileId: d.ossFolderId, filename: d.ossFolderName });
    return d;
  }

  // ---- inspection and control ------------------------------------------------------------------

  driveEntry(fileId: number): DriveEntry | undefined {
    return this.#drive.get(fileId);
  }

  ossFolders(): OssFolder[] {
    return [...this.#ossFolders.values()];
  }

  /** Images directly in an image-host folder ("" = root), in creation order. */
  ossImages(folderId = ''): OssImage[] {
    this.#settle();
    return [...this.#ossImages.values()].filter((i) => i.parentFileId === folderId).map((i) => ({ ...i }));
  }

  task(taskID: string): CopyTaskView | undefined {
    this.#settle();
    return this.#views().find((v) => v.taskID === taskID);
  }

  tasks(): CopyTaskView[] {
    this.#settle();
    return this.#views();
  }

  /** Ends a waiting or running task now, copying as a normal finish would. False when it is already final. */
  finishTask(taskID: string): boolean {
    return this.#force(taskID, false, '');
  }

  /** Fails a waiting or running task now (status 3, nothing copied). False when it is already final. */
  failTask(taskID: string, failMsg = '复制任务失败'): boolean {
    return this.#force(taskID, true, failMsg);
  }

  /** Test inspection: every access token issued (to search answers, logs and stores for them). */
  issuedTokens(): string[] {
    return [...this.#tokens.keys()];
  }

  /** Makes every issued access token expire now (the next call with one gets body code 401). */
  expireTokens(): number {
    const now = this.control.clock.now();
    let n = 0;
    for (const t of this.#tokens.values()) {
      if (t.expiresAt > now) {
        t.expiresAt = now;
        n += 1;
      }
    }
    return n;
  }

  counts(): { tokensIssued: number; tasksCreated: number; openTasks: number; ossImages: number; driveEntries: number } {
    this.#settle();
    return {
      tokensIssued: this.#tokensIssued,
      tasksCreated: this.#tasks.length,
      openTasks: this.#tasks.filter((t) => !t.result).length,
      ossImages: this.#ossImages.size,
      driveEntries: this.#drive.size,
    };
  }

  async start(listen: { port?: number; host?: string } = {}): Promise<RunningServer> {
    this.#server = await startEmulatorServer(
      {
        name: '123pan-open-api',
        control: this.control,
        routes: this.#routes(),
        controlRoutes: this.#controlRoutes(),
        notFound: () => ({ status: 404, body: envelope(404, 'not found', null) }),
      },
      listen,
    );
    return this.#server;
  }

  async close(): Promise<void> {
    await this.#server?.close();
    this.#server = undefined;
  }

  // ---- state internals -------------------------------------------------------------------------

  #addDrive(e: { filename: string; type: 0 | 1; size: number; etag: string; parentFileId?: number; fileId?: number }): DriveEntry {
    const parentFileId = e.parentFileId ?? 0;
    const parent = this.#drive.get(parentFileId);
    if (parentFileId !== 0 && parent?.type !== 1) throw new Error(`no drive folder ${parentFileId}`);
    const fileId = e.fileId ?? this.#nextDriveId;
    if (this.#drive.has(fileId)) throw new Error(`drive id ${fileId} already used`);
    this.#nextDriveId = Math.max(this.#nextDriveId, fileId + 1);
    const entry: DriveEntry = { fileId, filename: e.filename, type: e.type, size: e.size, etag: e.etag, parentFileId };
    this.#drive.set(fileId, entry);
    return entry;
  }

  /**
   * When each task runs: one worker per account, tasks in creation order. A task forced to end while
   * still waiting never occupies the worker.
   */
  #schedule(): Map<CopyTask, { startsAt: number; endsAt: number }> {
    const out = new Map<CopyTask, { startsAt: number; endsAt: number }>();
    let free = Number.NEGATIVE_INFINITY;
    for (const t of this.#tasks) {
      const startsAt = Math.max(t.createdAt, free);
      if (t.forced && t.forced.at <= startsAt) {
        out.set(t, { startsAt: t.forced.at, endsAt: t.forced.at });
        continue;
      }
      const endsAt = Math.min(startsAt + this.#perTaskMs, t.forced?.at ?? Number.POSITIVE_INFINITY);
      out.set(t, { startsAt, endsAt });
      free = endsAt;
    }
    return out;
  }

  /** Applies every task whose end has passed, in the order they ended. */
  #settle(): void {
    const now = this.control.clock.now();
    const due = [...this.#schedule()].filter(([t, s]) => !t.result && s.endsAt <= now).sort((a, b) => a[1].endsAt - b[1].endsAt);
    for (const [t, s] of due) {
      t.result = t.forced?.fail ? { status: 3, failMsg: t.forced.failMsg, failList: [] } : this.#runCopy(t, s.endsAt);
    }
  }

  #views(): CopyTaskView[] {
    const now = this.control.clock.now();
    const schedule = this.#schedule();
    return this.#tasks.map((t) => {
      const s = schedule.get(t) ?? { startsAt: t.createdAt, endsAt: t.createdAt };
      const status: TaskStatus = t.result?.status ?? (now >= s.startsAt ? TASK_STATUS.RUNNING : TASK_STATUS.WAITING);
      return {
        taskID: t.taskID,
        fileIDs: t.fileIDs,
        toParentFileID: t.toParentFileID,
        status,
        failMsg: t.result?.failMsg ?? '',
        failList: t.result?.failList ?? [],
        createdAt: t.createdAt,
        startsAt: s.startsAt,
        endsAt: s.endsAt,
      };
    });
  }

  #force(taskID: string, fail: boolean, failMsg: string): boolean {
    this.#settle();
    const t = this.#tasks.find((x) => x.taskID === taskID);
    if (!t || t.result) return false;
    t.forced = { at: this.control.clock.now(), fail, failMsg };
    this.#settle();
    return true;
  }

  /**
   * The copy itself, done when the task ends.
   * Decision: unknown file ids, a missing target folder, folders nested deeper than 15 levels and
   * more than 1000 images fail the whole task (status 3, failMsg) — the limits are stated, what
   * happens past them is not.
   * Decision: a file that is not an image of an allowed format, or an image over 100 MB, is skipped
   * and recorded in the fail list (the docs' "only valid images are copied" reading); the task still
   * finishes with status 2. Images with the same etag+size already in the target folder are
   * overwritten in place (same image id, new name), not duplicated.
   */
  #runCopy(t: CopyTask, at: number): NonNullable<CopyTask['result']> {
    const fail = (failMsg: string) => ({ status: 3 as const, failMsg, failList: [] });
    if (t.toParentFileID !== '' && !this.#ossFolders.has(t.toParentFileID)) return fail('图床目标文件夹不存在');
    const files: DriveEntry[] = [];
    for (const raw of t.fileIDs) {
      const entry = /^\d+$/.test(raw) ? this.#drive.get(Number(raw)) : undefined;
      if (!entry) return fail(`文件不存在: ${raw}`);
      if (!this.#collect(entry, 1, files)) return fail(`文件夹层级超过${PAN123_LIMITS.maxFolderDepth}层`);
    }
    const isImage = (f: DriveEntry) => (PAN123_LIMITS.imageExtensions as readonly string[]).includes(extensionOf(f.filename));
    const images = files.filter((f) => isImage(f) && f.size <= PAN123_LIMITS.maxImageBytes);
    if (files.filter(isImage).length > PAN123_LIMITS.maxImagesPerTask) return fail(`单次任务图片数量不能超过${PAN123_LIMITS.maxImagesPerTask}张`);
    const failList = files.filter((f) => !images.includes(f)).map((f) => ({ fileId: f.fileId, filename: f.filename }));
    for (const f of images) {
      const same = [...this.#ossImages.values()].find((i) => i.parentFileId === t.toParentFileID && i.etag === f.etag && i.size === f.size);
      if (same) {
        same.filename = f.filename;
        same.sourceFileId = f.fileId;
        same.updateAt = at;
        continue;
      }
      const image: OssImage = {
        fileId: newOssId(),
        filename: f.filename,
        parentFileId: t.toParentFileID,
        etag: f.etag,
        size: f.size,
        sourceFileId: f.fileId,
        createAt: at,
        updateAt: at,
      };
      this.#ossImages.set(image.fileId, image);
    }
    return { status: 2, failMsg: '', failList };
  }

  /** Adds `entry` (or, for a folder, every file under it) to `out`; false when deeper than allowed. */
  #collect(entry: DriveEntry, depth: number, out: DriveEntry[]): boolean {
    if (entry.type === 0) {
      out.push(entry);
      return true;
    }
    if (depth > PAN123_LIMITS.maxFolderDepth) return false;
    for (const child of this.#drive.values()) {
      if (child.parentFileId === entry.fileId && !this.#collect(child, depth + 1, out)) return false;
    }
    return true;
  }

  // ---- HTTP ------------------------------------------------------------------------------------

  /** Platform header, then (except for the token endpoint) the Bearer token; undefined when both pass. */
  #refuse(req: EmulatorRequest, needsToken: boolean): EmulatorReply | undefined {
    // Decision: the docs only say the header is required; a missing/wrong one is a param error.
    if (req.headers.platform !== 'open_platform') return reply(CODE_ERROR, 'Platform参数错误，固定为open_platform');
    if (!needsToken) return undefined;
    const m = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '');
    const token = m?.[1] === undefined ? undefined : this.#tokens.get(m[1]);
    if (!token || token.expiresAt <= this.control.clock.now()) return reply(CODE_TOKEN_INVALID, 'access_token无效');
    return undefined;
  }

  #routes(): Route[] {
    const guarded = (needsToken: boolean, handler: (req: EmulatorRequest) => EmulatorReply, oss?: string) => (req: EmulatorRequest) => {
      const refused = this.#refuse(req, needsToken);
      if (refused) return refused;
      if (oss !== undefined && this.#overQps(req, oss)) return reply(CODE_THROTTLED, '请求太频繁');
      this.#settle();
      return handler(req);
    };
    return [
      route(
        'POST',
        /^\/api\/v1\/access_token$/,
        'access_token',
        guarded(false, (req) => this.#accessToken(req)),
      ),
      route(
        'POST',
        /^\/api\/v1\/oss\/source\/copy$/,
        'oss_copy',
        guarded(true, (req) => this.#createCopy(req), 'oss_copy'),
      ),
      route(
        'GET',
        /^\/api\/v1\/oss\/source\/copy\/process$/,
        'oss_copy_process',
        guarded(true, (req) => this.#copyProcess(req), 'oss_copy_process'),
      ),
      route(
        'GET',
        /^\/api\/v1\/oss\/source\/copy\/fail$/,
        'oss_copy_fail',
        guarded(true, (req) => this.#copyFail(req), 'oss_copy_fail'),
      ),
      route(
        'GET',
        /^\/api\/v1\/oss\/file\/detail$/,
        'oss_file_detail',
        guarded(true, (req) => this.#fileDetail(req), 'oss_file_detail'),
      ),
    ];
  }

  #accessToken(req: EmulatorRequest): EmulatorReply {
    const body = jsonBody(req);
    if (!isRecord(body) || typeof body.clientID !== 'string' || typeof body.clientSecret !== 'string') {
      return reply(CODE_ERROR, 'clientID和clientSecret不能为空');
    }
    const clientID = body.clientID;
    const now = this.control.clock.now();
    // QPS 1 per clientID; a refused call does not extend the window.
    const last = this.#lastTokenCall.get(clientID);
    if (last !== undefined && now - last < TOKEN_MIN_INTERVAL_MS) return reply(CODE_THROTTLED, '请求太频繁');
    this.#lastTokenCall.set(clientID, now);
    if (this.#clients.get(clientID) !== body.clientSecret) return reply(CODE_ERROR, 'clientID或clientSecret错误');
    const expiresAt = now + this.#tokenTtlMs;
    const payload = Buffer.from(JSON.stringify({ client_id: clientID, exp: Math.floor(expiresAt / 1000), jti: randomUUID() })).toString('base64url');
    const accessToken = `eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.${payload}.${randomBytes(32).toString('base64url')}`;
    this.#tokens.set(accessToken, { clientID, expiresAt });
    this.#tokensIssued += 1;
    return reply(0, 'ok', { accessToken, expiredAt: beijingIso(expiresAt) });
  }

  #createCopy(req: EmulatorRequest): EmulatorReply {
    const body = jsonBody(req);
    if (!isRecord(body)) return reply(CODE_ERROR, '参数错误');
    const { fileIDs, toParentFileID, sourceType, type } = body;
    // Docs: fileIDs is a string array; a JSON number in it is a binding error like any wrong type.
    if (!Array.isArray(fileIDs) || !fileIDs.every((id): id is string => typeof id === 'string')) return reply(CODE_ERROR, 'fileIDs参数错误');
    if (fileIDs.length === 0) return reply(CODE_ERROR, 'fileIDs不能为空');
    if (fileIDs.length > PAN123_LIMITS.maxFileIds) return reply(CODE_ERROR, `fileIDs长度不能超过${PAN123_LIMITS.maxFileIds}`);
    if (typeof toParentFileID !== 'string') return reply(CODE_ERROR, 'toParentFileID参数错误');
    // The docs' table says string "1", their cURL example sends the number 1: both are accepted.
    if (sourceType !== '1' && sourceType !== 1) return reply(CODE_ERROR, 'sourceType参数错误，仅支持1(云盘)');
    if (type !== 1) return reply(CODE_ERROR, 'type参数错误，固定为1');
    const open = this.#tasks.filter((t) => !t.result).length;
    if (open >= PAN123_LIMITS.maxOpenTasks) return reply(CODE_ERROR, `复制任务数量已达上限(${PAN123_LIMITS.maxOpenTasks})，请等待当前任务完成`);
    const task: CopyTask = { taskID: newTaskId(), fileIDs: [...fileIDs], toParentFileID, createdAt: this.control.clock.now() };
    this.#tasks.push(task);
    return reply(0, 'ok', { taskID: task.taskID });
  }

  #copyProcess(req: EmulatorRequest): EmulatorReply {
    const taskID = req.query.get('taskID');
    if (!taskID) return reply(CODE_ERROR, 'taskID不能为空');
    const view = this.#views().find((v) => v.taskID === taskID);
    if (!view) return reply(CODE_ERROR, '复制任务不存在');
    return reply(0, 'ok', { status: view.status, failMsg: view.failMsg });
  }

  /** Paged fail list. Decision: before the task ends the list is simply empty (total 0). */
  #copyFail(req: EmulatorRequest): EmulatorReply {
    const taskID = req.query.get('taskID');
    if (!taskID) return reply(CODE_ERROR, 'taskID不能为空');
    const limit = positiveInt(req.query.get('limit'));
    if (limit === undefined || limit > PAN123_LIMITS.failListMaxLimit) return reply(CODE_ERROR, `limit参数错误，取值1-${PAN123_LIMITS.failListMaxLimit}`);
    const page = positiveInt(req.query.get('page'));
    if (page === undefined) return reply(CODE_ERROR, 'page参数错误');
    const view = this.#views().find((v) => v.taskID === taskID);
    if (!view) return reply(CODE_ERROR, '复制任务不存在');
    const slice = view.failList.slice((page - 1) * limit, page * limit);
    // An empty page is `list: null`, not [] [C3 P2].
    return reply(0, 'ok', { total: view.failList.length, list: slice.length === 0 ? null : slice });
  }

  /** 图片详情 (§2.7), for images and folders of the image host. */
  #fileDetail(req: EmulatorRequest): EmulatorReply {
    const fileID = req.query.get('fileID');
    if (!fileID) return reply(CODE_ERROR, 'fileID不能为空');
    const folder = this.#ossFolders.get(fileID);
    const image = this.#ossImages.get(fileID);
    const item = image ?? folder;
    if (!item) return reply(CODE_ERROR, '文件不存在');
    const parent = this.#ossFolders.get(item.parentFileId);
    const ext = image ? extensionOf(image.filename) : '';
    const url = image ? `https://vip.123pan.cn/1815309870/${image.fileId}.${ext}` : '';
    return reply(0, 'ok', {
      fileId: item.fileId,
      filename: item.filename,
      parentFileId: item.parentFileId,
      type: image ? 0 : 1,
      etag: image?.etag ?? '',
      size: image?.size ?? 0,
      status: 2,
      createAt: beijingDateTime(image?.createAt ?? 0),
      updateAt: beijingDateTime(image?.updateAt ?? 0),
      downloadURL: url,
      userSelfURL: url,
      totalTraffic: 0,
      parentFilename: parent?.filename ?? '',
      extension: ext,
      s3KeyFlag: image ? `1815309870-0-${image.etag}` : '',
      storageNode: 'm0',
      ossIndex: 0,
    });
  }

  /** `/_emulator/...` routes mirroring the seed/inspect/control methods. */
  #controlRoutes(): Route[] {
    const ok = (body: unknown): EmulatorReply => ({ status: 200, body });
    const bad = (err: unknown): EmulatorReply => ({ status: 400, body: { error: err instanceof Error ? err.message : String(err) } });
    const seed = (fn: (b: Record<string, unknown>) => unknown) => (req: EmulatorRequest) => {
      try {
        const b = jsonBody(req);
        return ok(fn(isRecord(b) ? b : {}));
      } catch (err) {
        return bad(err);
      }
    };
    const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
    const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
    const opt = <T>(key: string, v: T | undefined): Record<string, T> => (v === undefined ? {} : { [key]: v });
    const name = (b: Record<string, unknown>): string => {
      const n = str(b.filename);
      if (n === undefined) throw new Error('filename is required');
      return n;
    };
    return [
      route(
        'POST',
        /^\/_emulator\/clients$/,
        'add-client',
        seed((b) => {
          this.addClient(String(b.clientID), String(b.clientSecret));
          return {};
        }),
      ),
      route(
        'POST',
        /^\/_emulator\/drive\/folders$/,
        'seed-drive-folder',
        seed((b) => this.seedDriveFolder({ filename: name(b), ...opt('parentFileId', num(b.parentFileId)), ...opt('fileId', num(b.fileId)) })),
      ),
      route(
        'POST',
        /^\/_emulator\/drive\/files$/,
        'seed-drive-file',
        seed((b) =>
          this.seedDriveFile({
            filename: name(b),
            size: num(b.size) ?? 0,
            ...opt('etag', str(b.etag)),
            ...opt('parentFileId', num(b.parentFileId)),
            ...opt('fileId', num(b.fileId)),
          }),
        ),
      ),
      route(
        'POST',
        /^\/_emulator\/oss\/folders$/,
        'seed-oss-folder',
        seed((b) => this.seedOssFolder({ filename: name(b), ...opt('parentFileId', str(b.parentFileId)), ...opt('fileId', str(b.fileId)) })),
      ),
      route('GET', /^\/_emulator\/oss\/folders$/, 'oss-folders', () => ok(this.ossFolders())),
      route('GET', /^\/_emulator\/oss\/images$/, 'oss-images', (req) => ok(this.ossImages(req.query.get('folder') ?? ''))),
      route('GET', /^\/_emulator\/tasks$/, 'tasks', () => ok(this.tasks())),
      route('GET', /^\/_emulator\/tasks\/([^/]+)$/, 'task', (req) => {
        const view = this.task(req.params[0] ?? '');
        return view ? ok(view) : { status: 404, body: { error: 'no such task' } };
      }),
      route('POST', /^\/_emulator\/tasks\/([^/]+)\/finish$/, 'finish-task', (req) => ok({ changed: this.finishTask(req.params[0] ?? '') })),
      route('POST', /^\/_emulator\/tasks\/([^/]+)\/fail$/, 'fail-task', (req) => {
        const b = jsonBody(req);
        const msg = isRecord(b) ? str(b.failMsg) : undefined;
        return ok({ changed: this.failTask(req.params[0] ?? '', msg) });
      }),
      route('POST', /^\/_emulator\/tokens\/expire$/, 'expire-tokens', () => ok({ expired: this.expireTokens() })),
      route('GET', /^\/_emulator\/counts$/, 'counts', () => ok(this.counts())),
      route(
        'POST',
        /^\/_emulator\/seed-demo$/,
        'seed-demo',
        seed(() => this.seedDemo()),
      ),
    ];
  }
}

function envelope(code: number, message: string, data: unknown): Record<string, unknown> {
  return { code, message, data, 'x-traceID': newTraceId() };
}

/** Every 123pan answer, success or business error, is HTTP 200 with the envelope. */
function reply(code: number, message: string, data: unknown = null): EmulatorReply {
  return { status: 200, body: envelope(code, message, data) };
}
