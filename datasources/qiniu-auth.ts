/**
 * Qiniu management request signing, exactly as the official Node SDK 7.15 does it
 * (reference/upstreams.md §4.3 and §4.4), checked in tests against the SDK's own test vectors.
 */
import { createHmac } from 'node:crypto';

export const FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded';

/** URL-safe base64 with padding kept, as Qiniu's `urlsafe_base64`. */
export function urlsafeBase64(input: string | Buffer): string {
  return Buffer.from(input).toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
}

/** `EncodedEntryURI`: urlsafe_base64("bucket:key"), or of the bucket alone when the key is undefined. */
export function encodedEntry(bucket: string, key?: string): string {
  return urlsafeBase64(key === undefined ? bucket : `${bucket}:${key}`);
}

function hmacSha1(secretKey: string, data: string): string {
  return urlsafeBase64(createHmac('sha1', secretKey).update(data).digest());
}

export interface SignableRequest {
  readonly method: string;
  /** Full URL of the request. */
  readonly url: string;
  readonly contentType?: string | undefined;
  /** All request headers; only `X-Qiniu-*` ones are signed by the Qiniu scheme. */
  readonly headers?: Readonly<Record<string, string>> | undefined;
  readonly body?: string | undefined;
}

export interface QiniuKeys {
  readonly accessKey: string;
  readonly secretKey: string;
}

/** `QBox <ak>:<sign>`: path and query, then the body when it is a form. */
export function signQBox(keys: QiniuKeys, req: SignableRequest): string {
  const u = new URL(req.url);
  let s = `${u.pathname}${u.search}\n`;
  if (req.body && (req.contentType ?? FORM_CONTENT_TYPE) === FORM_CONTENT_TYPE) s += req.body;
  return `QBox ${keys.accessKey}:${hmacSha1(keys.secretKey, s)}`;
}

/** Title-Case per '-' segment, as Go's CanonicalHeaderKey (the SDK does the same). */
function canonicalHeaderName(name: string): string {
  return name
    .toLowerCase()
    .split('-')
    .map((p) => (p ? p[0]?.toUpperCase() + p.slice(1) : p))
    .join('-');
}

/** `Qiniu <ak>:<sign>`: method, path, query, host, content type, sorted X-Qiniu-* headers, body. */
export function signQiniu(keys: QiniuKeys, req: SignableRequest): string {
  const u = new URL(req.url);
  const contentType = req.contentType ?? FORM_CONTENT_TYPE;
  let s = `${req.method.toUpperCase()} ${u.pathname}${u.search}`;
  s += `\nHost: ${u.host}`;
  s += `\nContent-Type: ${contentType}`;
  const qiniuHeaders = Object.entries(req.headers ?? {})
    .map(([k, v]) => [canonicalHeaderName(k), v] as const)
    .filter(([k]) => k.startsWith('X-Qiniu-') && k.length > 'X-Qiniu-'.length)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [k, v] of qiniuHeaders) s += `\n${k}: ${v}`;
  s += '\n\n';
  if (req.body && contentType !== 'application/octet-stream') s += req.body;
  return `Qiniu ${keys.accessKey}:${hmacSha1(keys.secretKey, s)}`;
}

/** `X-Qiniu-Date` for a moment: YYYYMMDDTHHmmssZ in UTC. */
export function qiniuDate(at: Date = new Date()): string {
  return at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}
