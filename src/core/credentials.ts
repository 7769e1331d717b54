/**
 * Upstream credentials: one set per provider from configuration, each overridable per request by
 * headers (HTTP) or `connection_init` fields (WebSocket). Per-request values live in memory only:
 * never in the store, never in a log line (`redactCredentials` is what a log may show).
 */
import { CopyErrorCode, type Provider, UpstreamFailure } from './errors.ts';
import { registerSecret } from './secrets.ts';

export interface QiniuCredentials {
  readonly accessKey: string;
  readonly secretKey: string;
}
export interface CozeCredentials {
  readonly token: string;
}
export interface FeishuCredentials {
  readonly appId?: string | undefined;
  readonly appSecret?: string | undefined;
  /** Copy as the signed-in user instead of the app. */
  readonly userAccessToken?: string | undefined;
}
export interface Pan123Credentials {
  readonly clientId: string;
  readonly clientSecret: string;
}
export interface BlueCredentials {
  readonly tokenId: string;
  readonly tokenSecret: string;
  readonly companyId?: string | undefined;
  readonly projectId?: string | undefined;
}

export interface UpstreamCredentials {
  readonly qiniu?: QiniuCredentials | undefined;
  readonly coze?: CozeCredentials | undefined;
  readonly feishu?: FeishuCredentials | undefined;
  readonly pan123?: Pan123Credentials | undefined;
  readonly blue?: BlueCredentials | undefined;
}

/**
 * The override names. HTTP headers use them as is (case-insensitive); `connection_init` payloads use
 * the same names as keys.
 */
export const CREDENTIAL_HEADERS = {
  qiniuAccessKey: 'x-qiniu-access-key',
  qiniuSecretKey: 'x-qiniu-secret-key',
  cozeToken: 'x-coze-token',
  feishuUserAccessToken: 'x-feishu-user-access-token',
  feishuAppId: 'x-feishu-app-id',
  feishuAppSecret: 'x-feishu-app-secret',
  pan123ClientId: 'x-pan123-client-id',
  pan123ClientSecret: 'x-pan123-client-secret',
  blueTokenId: 'x-blue-token-id',
  blueTokenSecret: 'x-blue-token-secret',
  blueCompanyId: 'x-blue-company-id',
  blueProjectId: 'x-blue-project-id',
} as const;

/** A header value that is present but unusable, or a set that is incomplete: refused, never a fallback. */
export class InvalidCredentialHeader extends Error {
  override readonly name = 'InvalidCredentialHeader';
  readonly code = CopyErrorCode.BAD_USER_INPUT;
  constructor(
    readonly header: string,
    reason: string,
  ) {
    super(`${header}: ${reason}`);
  }
}

/** Visible characters only: a control character (CR, LF, NUL…) could change the upstream request. */
const CONTROL = /\p{Cc}/u;

/**
 * Reads per-request overrides from a header-like map (lower-case keys). Unknown keys are ignored.
 * All or nothing: a credential header that is present must be a usable value (not blank, no control
 * characters, at most 4096 characters), and a provider's set must be complete; otherwise this throws
 * `InvalidCredentialHeader` naming the header, before anything is sent, and nothing falls back to the
 * configured credentials.
 */
export function parseCredentialOverrides(source: Readonly<Record<string, unknown>>): UpstreamCredentials {
  const get = (name: string): string | undefined => {
    if (!Object.hasOwn(source, name)) return undefined;
    const raw = source[name];
    const v = Array.isArray(raw) ? (raw.length === 1 ? raw[0] : undefined) : raw;
    if (raw === undefined) return undefined;
    if (typeof v !== 'string') throw new InvalidCredentialHeader(name, 'must be one string value');
    if (CONTROL.test(v)) throw new InvalidCredentialHeader(name, 'must not contain control characters');
    const trimmed = v.trim();
    if (trimmed === '') throw new InvalidCredentialHeader(name, 'must not be empty');
    if (trimmed.length > 4096) throw new InvalidCredentialHeader(name, 'must be at most 4096 characters');
    return trimmed;
  };
  const pair = (a: string, b: string): [string, string] | undefined => {
    const va = get(a);
    const vb = get(b);
    if (va === undefined && vb === undefined) return undefined;
    if (va === undefined) throw new InvalidCredentialHeader(a, `required with ${b}`);
    if (vb === undefined) throw new InvalidCredentialHeader(b, `required with ${a}`);
    return [va, vb];
  };
  const h = CREDENTIAL_HEADERS;
  const qiniu = pair(h.qiniuAccessKey, h.qiniuSecretKey);
  const coze = get(h.cozeToken);
  const feishuUser = get(h.feishuUserAccessToken);
  const feishuApp = pair(h.feishuAppId, h.feishuAppSecret);
  const pan = pair(h.pan123ClientId, h.pan123ClientSecret);
  const blue = pair(h.blueTokenId, h.blueTokenSecret);
  const blueCompany = get(h.blueCompanyId);
  const blueProject = get(h.blueProjectId);
  if (!blue && (blueCompany !== undefined || blueProject !== undefined)) {
    throw new InvalidCredentialHeader(blueCompany !== undefined ? h.blueCompanyId : h.blueProjectId, `goes with ${h.blueTokenId} and ${h.blueTokenSecret}`);
  }
  const credentials: UpstreamCredentials = {
    qiniu: qiniu ? { accessKey: qiniu[0], secretKey: qiniu[1] } : undefined,
    coze: coze ? { token: coze } : undefined,
    feishu: feishuUser || feishuApp ? { userAccessToken: feishuUser, appId: feishuApp?.[0], appSecret: feishuApp?.[1] } : undefined,
    pan123: pan ? { clientId: pan[0], clientSecret: pan[1] } : undefined,
    blue: blue ? { tokenId: blue[0], tokenSecret: blue[1], companyId: blueCompany, projectId: blueProject } : undefined,
  };
  registerCredentialSecrets(credentials);
  return credentials;
}

/** Makes every secret of a credential set known to the scrubber (see secrets.ts). */
export function registerCredentialSecrets(creds: UpstreamCredentials): void {
  registerSecret(creds.qiniu?.accessKey);
  registerSecret(creds.qiniu?.secretKey);
  registerSecret(creds.coze?.token);
  registerSecret(creds.feishu?.appSecret);
  registerSecret(creds.feishu?.userAccessToken);
  registerSecret(creds.pan123?.clientSecret);
  registerSecret(creds.blue?.tokenId);
  registerSecret(creds.blue?.tokenSecret);
}

export type CredentialKey = keyof UpstreamCredentials;

/** The credential slot of a provider (`QINIU` → `qiniu`). */
export function credentialKey(provider: Provider): CredentialKey {
  return provider.toLowerCase() as CredentialKey;
}

/** How an operator or a caller supplies each provider's credentials: what the refusal says. */
const HOW_TO_SUPPLY: Readonly<Record<CredentialKey, string>> = {
  qiniu: 'configure QINIU_ACCESS_KEY and QINIU_SECRET_KEY, or send x-qiniu-access-key and x-qiniu-secret-key',
  coze: 'configure COZE_TOKEN, or send x-coze-token',
  feishu: 'configure FEISHU_APP_ID and FEISHU_APP_SECRET, or send x-feishu-user-access-token',
  pan123: 'configure PAN123_CLIENT_ID and PAN123_CLIENT_SECRET, or send x-pan123-client-id and x-pan123-client-secret',
  blue: 'configure BLUE_TOKEN_ID and BLUE_TOKEN_SECRET, or send x-blue-token-id and x-blue-token-secret',
};

/** The refusal for a call that has no credentials for its provider: nothing is sent upstream. */
export function missingCredentials(key: CredentialKey): UpstreamFailure {
  return new UpstreamFailure({
    code: CopyErrorCode.UNAUTHENTICATED,
    provider: key.toUpperCase() as Provider,
    message: `No ${key} credentials: ${HOW_TO_SUPPLY[key]}.`,
    retryable: false,
  });
}

/** One provider's credentials, or the `UNAUTHENTICATED` refusal saying how to supply them. */
export function requireCredentials<K extends CredentialKey>(credentials: UpstreamCredentials, key: K): NonNullable<UpstreamCredentials[K]> {
  const creds = credentials[key];
  if (!creds) throw missingCredentials(key);
  return creds as NonNullable<UpstreamCredentials[K]>;
}

/** Which providers a request overrides: what a log line may say about credentials, and nothing more. */
export function redactCredentials(creds: UpstreamCredentials): string[] {
  return Object.entries(creds)
    .filter(([, v]) => v !== undefined)
    .map(([k]) => k);
}

/** Request overrides win over configuration, provider by provider. */
export function mergeCredentials(config: UpstreamCredentials, request: UpstreamCredentials): UpstreamCredentials {
  return {
    qiniu: request.qiniu ?? config.qiniu,
    coze: request.coze ?? config.coze,
    // A user token is used alone; app keys from a request replace the configured ones as a pair.
    feishu: request.feishu ? { ...config.feishu, ...stripUndefined(request.feishu) } : config.feishu,
    pan123: request.pan123 ?? config.pan123,
    // The token pair is the request's own; company and project (scope, not secrets) default to configuration.
    blue: request.blue ? ({ ...config.blue, ...stripUndefined(request.blue) } as BlueCredentials) : config.blue,
  };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
