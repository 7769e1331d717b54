/**
 * Upstream credentials: one set per provider from configuration, each overridable per request by
 * headers (HTTP) or `connection_init` fields (WebSocket). Per-request values live in memory only:
 * never in the store, never in a log line (`redactCredentials` is what a log may show).
 */
import { z } from 'zod';
import { CopyErrorCode, type Provider, UpstreamFailure } from './errors.ts';

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

const value = z.string().trim().min(1).max(4096).optional();

/** Reads per-request overrides from a header-like map (lower-case keys). Unknown keys are ignored. */
export function parseCredentialOverrides(source: Readonly<Record<string, unknown>>): UpstreamCredentials {
  const get = (name: string): string | undefined => {
    const raw = source[name];
    const parsed = value.safeParse(Array.isArray(raw) ? raw[0] : raw);
    return parsed.success ? parsed.data : undefined;
  };
  const h = CREDENTIAL_HEADERS;
  const qiniuAk = get(h.qiniuAccessKey);
  const qiniuSk = get(h.qiniuSecretKey);
  const coze = get(h.cozeToken);
  const feishuUser = get(h.feishuUserAccessToken);
  const feishuAppId = get(h.feishuAppId);
  const feishuAppSecret = get(h.feishuAppSecret);
  const panId = get(h.pan123ClientId);
  const panSecret = get(h.pan123ClientSecret);
  const blueId = get(h.blueTokenId);
  const blueSecret = get(h.blueTokenSecret);
  return {
    qiniu: qiniuAk && qiniuSk ? { accessKey: qiniuAk, secretKey: qiniuSk } : undefined,
    coze: coze ? { token: coze } : undefined,
    feishu: feishuUser || (feishuAppId && feishuAppSecret) ? { userAccessToken: feishuUser, appId: feishuAppId, appSecret: feishuAppSecret } : undefined,
    pan123: panId && panSecret ? { clientId: panId, clientSecret: panSecret } : undefined,
    blue: blueId && blueSecret ? { tokenId: blueId, tokenSecret: blueSecret, companyId: get(h.blueCompanyId), projectId: get(h.blueProjectId) } : undefined,
  };
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
    feishu: request.feishu ? { ...config.feishu, ...stripUndefined(request.feishu) } : config.feishu,
    pan123: request.pan123 ?? config.pan123,
    blue: request.blue ? ({ ...config.blue, ...stripUndefined(request.blue) } as BlueCredentials) : config.blue,
  };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
