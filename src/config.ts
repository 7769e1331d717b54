/**
 * The one place that reads the environment. Everything is parsed with zod; a bad or missing value
 * stops the process with a message naming each variable and what is wrong.
 */
import { z } from 'zod';
import { readFileSync } from 'node:fs';
import type { UpstreamCredentials } from './core/credentials.ts';
import { type PolicySet, parsePolicies } from './core/policy.ts';
import type { OperationLimits } from './operation-limits.ts';
import type { TracingConfig } from './core/tracing.ts';

const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const url = z.url({ protocol: /^https?$/ }).transform((u) => u.replace(/\/+$/, ''));
/**
 * OTLP over HTTP in either encoding; gRPC is refused by name rather than silently sent as HTTP. An
 * empty value is unset (as sdk-node reads it).
 */
const otlpProtocol = z.preprocess(
  (v) => (typeof v === 'string' && v.trim() === '' ? undefined : typeof v === 'string' ? v.trim() : v),
  z
    .string()
    .refine((v) => v !== 'grpc', { error: 'grpc is not supported: use http/protobuf (the default, port 4318) or http/json' })
    .pipe(z.enum(['http/protobuf', 'http/json'], { error: 'expected http/protobuf or http/json' }))
    .optional(),
);
const secret = z.string().min(1);

const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: int(0, 65535).default(4000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  COPYGRAPH_API_KEYS: z
    .string()
    .optional()
    .transform((s, ctx) => {
      const keys = new Map<string, string>();
      for (const pair of (s ?? '')
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean)) {
        const i = pair.indexOf(':');
        const principal = pair.slice(0, i);
        const key = pair.slice(i + 1);
        if (i <= 0 || key.length < 16 || !/^[\w.@-]+$/.test(principal)) {
          ctx.addIssue({ code: 'custom', message: 'expected a comma-separated list of principal:key pairs, each key at least 16 characters' });
          return z.NEVER;
        }
        keys.set(key, principal);
      }
      return keys;
    }),
  COPYGRAPH_DEMO: z.enum(['auto', 'true', 'false']).default('auto'),
  COPYGRAPH_DATA_DIR: z.string().min(1).default('data'),
  COPYGRAPH_DB_PATH: z.string().min(1).optional(),
  /** A PostgreSQL URL: the shared engine for several replicas (tasks, pub/sub, leases, budgets). Unset: SQLite. */
  COPYGRAPH_DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\/\S+$/, 'expected a postgres:// or postgresql:// URL')
    .optional(),
  COPYGRAPH_INTROSPECTION: bool.optional(),
  COPYGRAPH_CORS_ORIGINS: z
    .string()
    .optional()
    .transform((s) =>
      s === undefined
        ? undefined
        : s
            .split(',')
            .map((o) => o.trim())
            .filter(Boolean),
    ),
  COPYGRAPH_UPSTREAM_TIMEOUT_MS: int(100, 600_000).default(15_000),
  /** The largest request body (1 MiB by default; a `copyObjects` of 100,000 pairs needs about 16 MiB). */
  COPYGRAPH_MAX_BODY_BYTES: int(64 * 1024, 256 * 1024 * 1024).default(1024 * 1024),
  /** The listen backlog: connections the kernel queues before accept (capped by net.core.somaxconn). */
  COPYGRAPH_LISTEN_BACKLOG: int(16, 65_535).default(4_096),
  /** How long a replica's hold on a router callback subscription lasts unless renewed (renewed every third of it). */
  COPYGRAPH_CALLBACK_LEASE_MS: int(1_000, 600_000).default(6_000),
  COPYGRAPH_POLL_INITIAL_MS: int(10, 600_000).default(1_000),
  COPYGRAPH_POLL_MAX_MS: int(10, 3_600_000).default(30_000),
  COPYGRAPH_TASK_MAX_AGE_S: int(1, 30 * 86_400).default(86_400),
  /** Serve `/metrics` on this port instead of the API's (so it need not face the internet). */
  COPYGRAPH_METRICS_PORT: int(0, 65535).optional(),
  /** Final tasks older than this many days are deleted. */
  COPYGRAPH_TASK_RETENTION_DAYS: z.coerce.number().min(0.0001).max(36_500).default(30),
  /** How often the retention sweep runs. */
  COPYGRAPH_RETENTION_INTERVAL_S: int(1, 86_400).default(600),
  OTEL_EXPORTER_OTLP_ENDPOINT: url.optional(),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
  /** `key=value,key=value` (W3C baggage-like, values URL-encoded), e.g. a collector's API token. */
  OTEL_EXPORTER_OTLP_HEADERS: z.string().optional(),
  /** `http/protobuf` (the OTel spec's default) or `http/json`; `grpc` is refused (no gRPC exporter is shipped). */
  OTEL_EXPORTER_OTLP_PROTOCOL: otlpProtocol,
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: otlpProtocol,
  OTEL_SERVICE_NAME: z.string().min(1).default('copygraph'),
  OTEL_SDK_DISABLED: bool.optional(),
  /** How long an idempotency key is remembered (then forgotten: the same key starts a new copy). */
  COPYGRAPH_IDEMPOTENCY_TTL_HOURS: int(1, 8760).default(24),
  QINIU_ACCESS_KEY: secret.optional(),
  QINIU_SECRET_KEY: secret.optional(),
  QINIU_RS_URL: url.default('https://rs-z0.qiniuapi.com'),
  /** The region's RSF host, for listing a bucket (bulk copies by prefix). */
  QINIU_RSF_URL: url.default('https://rsf-z0.qiniuapi.com'),
  QINIU_SIGNATURE: z.enum(['Qiniu', 'QBox']).default('Qiniu'),
  COZE_TOKEN: secret.optional(),
  COZE_BASE_URL: url.default('https://api.coze.cn'),
  /** Task polls a second over all Coze tasks (the query API's limit is undocumented; other Coze APIs allow about 5). */
  COZE_POLLS_PER_SECOND: int(1, 1000).default(5),
  FEISHU_APP_ID: secret.optional(),
  FEISHU_APP_SECRET: secret.optional(),
  /** A base URL, or `feishu` / `lark` for the two public domains (as the official SDK's `Domain`). */
  FEISHU_BASE_URL: z
    .preprocess((v) => (v === 'feishu' ? 'https://open.feishu.cn' : v === 'lark' ? 'https://open.larksuite.com' : v), url)
    .default('https://open.feishu.cn'),
  FEISHU_RATE_LIMIT_PER_MINUTE: int(1, 100_000).default(100),
  /** How long a `get_node` answer is reused across requests (per credential scope); 0 turns the cache off. */
  FEISHU_NODE_CACHE_TTL_MS: int(0, 3_600_000).default(30_000),
  /** The most wiki nodes the cache keeps, all credential scopes together. */
  FEISHU_NODE_CACHE_MAX_ENTRIES: int(0, 1_000_000).default(10_000),
  PAN123_CLIENT_ID: secret.optional(),
  PAN123_CLIENT_SECRET: secret.optional(),
  PAN123_BASE_URL: url.default('https://open-api.123pan.com'),
  /** Task polls a second over all 123pan tasks (one poll reads ≤ 3 task details and may submit parts). */
  PAN123_POLLS_PER_SECOND: int(1, 1000).default(5),
  BLUE_TOKEN_ID: secret.optional(),
  BLUE_TOKEN_SECRET: secret.optional(),
  BLUE_COMPANY_ID: secret.optional(),
  BLUE_PROJECT_ID: secret.optional(),
  BLUE_ENDPOINT: url.default('https://api.blue.cc/graphql'),
  /** Router callback URLs (or URL prefixes ending in `/`) allowed for subscriptions; unset turns the callback protocol off. */
  COPYGRAPH_CALLBACK_URLS: z
    .string()
    .optional()
    .transform((s, ctx) => {
      const out: string[] = [];
      for (const entry of (s ?? '')
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean)) {
        const parsed = z.url({ protocol: /^https?$/ }).safeParse(entry);
        if (!parsed.success || new URL(entry).username !== '' || new URL(entry).password !== '') {
          ctx.addIssue({ code: 'custom', message: `not an http(s) URL without credentials: ${entry}` });
          return z.NEVER;
        }
        out.push(entry);
      }
      return out;
    }),
  /** A JSON file of per-principal policies (see src/core/policy.ts). */
  COPYGRAPH_POLICY_FILE: z.string().min(1).optional(),
  /** The same policies inline, as JSON (the simple case). */
  COPYGRAPH_POLICY: z.string().min(1).optional(),
  COPYGRAPH_MAX_ALIASES: int(1, 10_000).default(30),
  COPYGRAPH_MAX_DEPTH: int(1, 1_000).default(12),
  COPYGRAPH_MAX_TOKENS: int(100, 1_000_000).default(2_000),
  COPYGRAPH_MAX_DIRECTIVES: int(1, 10_000).default(50),
  COPYGRAPH_MAX_COST: int(1, 10_000_000).default(20_000),
  COPYGRAPH_MAX_COPIES_PER_OPERATION: int(1, 10_000).default(10),
  /** Requests a second per API key (HTTP operations, subscriptions). */
  COPYGRAPH_REQUESTS_PER_SECOND: int(1, 1_000_000).default(500),
  /** Copy tasks not yet final per API key. */
  COPYGRAPH_MAX_ACTIVE_TASKS: int(1, 1_000_000).default(1_000),
  COPYGRAPH_WS_MAX_PAYLOAD_BYTES: int(1024, 100 * 1024 * 1024).default(1024 * 1024),
  COPYGRAPH_WS_INIT_TIMEOUT_MS: int(100, 600_000).default(5_000),
  COPYGRAPH_WS_MAX_SUBSCRIPTIONS_PER_SOCKET: int(1, 100_000).default(100),
  COPYGRAPH_WS_MAX_SUBSCRIPTIONS_PER_KEY: int(1, 1_000_000).default(500),
});

export type Env = z.infer<typeof EnvSchema>;

export interface UpstreamUrls {
  readonly qiniuRs: string;
  readonly qiniuRsf: string;
  readonly coze: string;
  readonly feishu: string;
  readonly pan123: string;
  readonly blue: string;
}

export interface Config {
  readonly env: Env['NODE_ENV'];
  readonly host: string;
  readonly port: number;
  readonly logLevel: Env['LOG_LEVEL'];
  /** API key → principal. Empty: open access (allowed only in demo mode on loopback). */
  readonly apiKeys: ReadonlyMap<string, string>;
  /** Whether to start the built-in emulators and point the datasources at them. */
  readonly demo: boolean;
  readonly dbPath: string;
  /** PostgreSQL URL (may hold a password: never logged). Undefined: the SQLite file at `dbPath`. */
  readonly databaseUrl: string | undefined;
  readonly introspection: boolean;
  /** Origins allowed to call cross-origin ('*' allows any). */
  readonly corsOrigins: readonly string[];
  readonly upstreamTimeoutMs: number;
  readonly maxBodyBytes: number;
  /** The listen backlog of the API's socket (Node's default is 511; the kernel caps it at net.core.somaxconn). */
  readonly listenBacklog: number;
  readonly poll: { readonly initialIntervalMs: number; readonly maxIntervalMs: number; readonly maxTaskAgeMs: number };
  /**
   * Idempotency keys: how long one is kept, and how long a claim whose task was never stored counts as
   * still running (after that its copy is taken as never run: the claimer crashed before recording it).
   */
  readonly idempotency: { readonly ttlMs: number; readonly inFlightMs: number };
  readonly qiniuSignature: 'Qiniu' | 'QBox';
  readonly feishuRateLimitPerMinute: number;
  /** The cross-request `get_node` cache (src/wiki-node-cache.ts): `ttlMs` 0 turns it off. */
  readonly feishuNodeCache: { readonly ttlMs: number; readonly maxEntries: number };
  /** Most task polls a second per provider, over all its tasks. */
  readonly pollsPerSecond: { readonly coze: number; readonly pan123: number };
  readonly urls: UpstreamUrls;
  /** Configured upstream credentials (never logged). */
  readonly credentials: UpstreamCredentials;
  /** Router callback URLs or prefixes allowed; empty: the callback protocol is off. */
  readonly callbackUrls: readonly string[];
  /** A replica's lease on a router callback subscription it carries (another replica takes it over once expired). */
  readonly callbackLeaseMs: number;
  /** Per-principal policies; a principal without one is unrestricted. */
  readonly policies: PolicySet;
  readonly limits: OperationLimits;
  readonly quotas: { readonly requestsPerSecond: number; readonly maxActiveTasks: number };
  readonly ws: {
    readonly maxPayloadBytes: number;
    readonly initTimeoutMs: number;
    readonly maxSubscriptionsPerSocket: number;
    readonly maxSubscriptionsPerKey: number;
  };
  /** Where `/metrics` is served: undefined on the API's own port. */
  readonly metricsPort: number | undefined;
  /** OpenTelemetry traces; undefined when off. */
  readonly tracing: TracingConfig | undefined;
  /** Deleting final tasks: those finished more than `maxAgeMs` ago, `batchSize` at a time, every `intervalMs`. */
  readonly retention: { readonly maxAgeMs: number; readonly intervalMs: number; readonly batchSize: number };
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** Sandbox (hosted and embedded) calls the endpoint cross-origin. */
export const SANDBOX_ORIGINS = ['https://studio.apollographql.com', 'https://sandbox.embed.apollographql.com', 'https://explorer.embed.apollographql.com'];

/** Frontend dev servers on this machine, any port (`http://localhost:3000`, Vite's 5173, …): allowed outside production. */
export const DEV_ORIGINS = ['http://localhost:*', 'http://127.0.0.1:*'];

function pairs(env: Env): { problems: string[]; credentials: UpstreamCredentials } {
  const problems: string[] = [];
  const both = (a: keyof Env, b: keyof Env): boolean => {
    const hasA = env[a] !== undefined;
    const hasB = env[b] !== undefined;
    if (hasA !== hasB) problems.push(`${hasA ? b : a}: required when ${hasA ? a : b} is set`);
    return hasA && hasB;
  };
  const credentials: UpstreamCredentials = {
    qiniu: both('QINIU_ACCESS_KEY', 'QINIU_SECRET_KEY') ? { accessKey: env.QINIU_ACCESS_KEY as string, secretKey: env.QINIU_SECRET_KEY as string } : undefined,
    coze: env.COZE_TOKEN ? { token: env.COZE_TOKEN } : undefined,
    feishu: both('FEISHU_APP_ID', 'FEISHU_APP_SECRET') ? { appId: env.FEISHU_APP_ID, appSecret: env.FEISHU_APP_SECRET } : undefined,
    pan123: both('PAN123_CLIENT_ID', 'PAN123_CLIENT_SECRET')
      ? { clientId: env.PAN123_CLIENT_ID as string, clientSecret: env.PAN123_CLIENT_SECRET as string }
      : undefined,
    blue: both('BLUE_TOKEN_ID', 'BLUE_TOKEN_SECRET')
      ? { tokenId: env.BLUE_TOKEN_ID as string, tokenSecret: env.BLUE_TOKEN_SECRET as string, companyId: env.BLUE_COMPANY_ID, projectId: env.BLUE_PROJECT_ID }
      : undefined,
  };
  return { problems, credentials };
}

function otlpHeaders(raw: string | undefined, problems: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of (raw ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const i = pair.indexOf('=');
    if (i <= 0) {
      problems.push('OTEL_EXPORTER_OTLP_HEADERS: expected key=value pairs separated by commas');
      break;
    }
    try {
      out[decodeURIComponent(pair.slice(0, i).trim())] = decodeURIComponent(pair.slice(i + 1).trim());
    } catch {
      problems.push('OTEL_EXPORTER_OTLP_HEADERS: a key or value is not valid URL encoding');
    }
  }
  return out;
}

function tracingOf(env: Env, problems: string[]): TracingConfig | undefined {
  const tracesUrl = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? (env.OTEL_EXPORTER_OTLP_ENDPOINT ? `${env.OTEL_EXPORTER_OTLP_ENDPOINT}/v1/traces` : undefined);
  if (tracesUrl === undefined || env.OTEL_SDK_DISABLED === true) return undefined;
  // The signal-specific variable wins; without either, the spec's default (as sdk-node): http/protobuf.
  const protocol = env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/protobuf';
  return { tracesUrl, protocol, headers: otlpHeaders(env.OTEL_EXPORTER_OTLP_HEADERS, problems), serviceName: env.OTEL_SERVICE_NAME };
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

/** Parses the environment; throws `ConfigError` naming every bad variable. */
export function loadConfig(source: Readonly<Record<string, string | undefined>> = process.env): Config {
  // Empty strings mean "unset", as in most deployment tools.
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = EnvSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || '(environment)'}: ${i.message}`));
  }
  const env = parsed.data;
  const { problems, credentials } = pairs(env);
  const anyProvider = Object.values(credentials).some((c) => c !== undefined);
  const demo = env.COPYGRAPH_DEMO === 'true' || (env.COPYGRAPH_DEMO === 'auto' && !anyProvider);
  if (env.COPYGRAPH_API_KEYS.size === 0 && !(demo && LOOPBACK.has(env.HOST))) {
    problems.push('COPYGRAPH_API_KEYS: required unless copygraph runs in demo mode on a loopback HOST');
  }
  if (env.COPYGRAPH_POLL_MAX_MS < env.COPYGRAPH_POLL_INITIAL_MS) problems.push('COPYGRAPH_POLL_MAX_MS: must not be less than COPYGRAPH_POLL_INITIAL_MS');
  let policies: PolicySet = new Map();
  try {
    const text = env.COPYGRAPH_POLICY_FILE !== undefined ? readFileSync(env.COPYGRAPH_POLICY_FILE, 'utf8') : env.COPYGRAPH_POLICY;
    if (text !== undefined) policies = parsePolicies(text);
  } catch (err) {
    problems.push(
      `${env.COPYGRAPH_POLICY_FILE !== undefined ? 'COPYGRAPH_POLICY_FILE' : 'COPYGRAPH_POLICY'}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  const tracing = tracingOf(env, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  const production = env.NODE_ENV === 'production';
  return {
    env: env.NODE_ENV,
    host: env.HOST,
    port: env.PORT,
    logLevel: env.LOG_LEVEL,
    apiKeys: env.COPYGRAPH_API_KEYS,
    demo,
    dbPath: env.COPYGRAPH_DB_PATH ?? `${env.COPYGRAPH_DATA_DIR}/tasks.sqlite`,
    databaseUrl: env.COPYGRAPH_DATABASE_URL,
    introspection: env.COPYGRAPH_INTROSPECTION ?? !production,
    corsOrigins: env.COPYGRAPH_CORS_ORIGINS ?? (production ? [] : [...SANDBOX_ORIGINS, ...DEV_ORIGINS]),
    upstreamTimeoutMs: env.COPYGRAPH_UPSTREAM_TIMEOUT_MS,
    maxBodyBytes: env.COPYGRAPH_MAX_BODY_BYTES,
    listenBacklog: env.COPYGRAPH_LISTEN_BACKLOG,
    poll: { initialIntervalMs: env.COPYGRAPH_POLL_INITIAL_MS, maxIntervalMs: env.COPYGRAPH_POLL_MAX_MS, maxTaskAgeMs: env.COPYGRAPH_TASK_MAX_AGE_S * 1000 },
    idempotency: {
      ttlMs: env.COPYGRAPH_IDEMPOTENCY_TTL_HOURS * 3_600_000,
      // A copy call is a few upstream calls, each bounded by the timeout.
      inFlightMs: Math.max(30_000, 4 * env.COPYGRAPH_UPSTREAM_TIMEOUT_MS),
    },
    qiniuSignature: env.QINIU_SIGNATURE,
    feishuRateLimitPerMinute: env.FEISHU_RATE_LIMIT_PER_MINUTE,
    feishuNodeCache: { ttlMs: env.FEISHU_NODE_CACHE_TTL_MS, maxEntries: env.FEISHU_NODE_CACHE_MAX_ENTRIES },
    pollsPerSecond: { coze: env.COZE_POLLS_PER_SECOND, pan123: env.PAN123_POLLS_PER_SECOND },
    urls: {
      qiniuRs: env.QINIU_RS_URL,
      qiniuRsf: env.QINIU_RSF_URL,
      coze: env.COZE_BASE_URL,
      feishu: env.FEISHU_BASE_URL,
      pan123: env.PAN123_BASE_URL,
      blue: env.BLUE_ENDPOINT,
    },
    credentials,
    callbackUrls: env.COPYGRAPH_CALLBACK_URLS,
    callbackLeaseMs: env.COPYGRAPH_CALLBACK_LEASE_MS,
    policies,
    limits: {
      maxAliases: env.COPYGRAPH_MAX_ALIASES,
      maxDepth: env.COPYGRAPH_MAX_DEPTH,
      maxTokens: env.COPYGRAPH_MAX_TOKENS,
      maxDirectives: env.COPYGRAPH_MAX_DIRECTIVES,
      maxCost: env.COPYGRAPH_MAX_COST,
      maxCopiesPerOperation: env.COPYGRAPH_MAX_COPIES_PER_OPERATION,
    },
    quotas: { requestsPerSecond: env.COPYGRAPH_REQUESTS_PER_SECOND, maxActiveTasks: env.COPYGRAPH_MAX_ACTIVE_TASKS },
    ws: {
      maxPayloadBytes: env.COPYGRAPH_WS_MAX_PAYLOAD_BYTES,
      initTimeoutMs: env.COPYGRAPH_WS_INIT_TIMEOUT_MS,
      maxSubscriptionsPerSocket: env.COPYGRAPH_WS_MAX_SUBSCRIPTIONS_PER_SOCKET,
      maxSubscriptionsPerKey: env.COPYGRAPH_WS_MAX_SUBSCRIPTIONS_PER_KEY,
    },
    metricsPort: env.COPYGRAPH_METRICS_PORT,
    tracing,
    retention: { maxAgeMs: env.COPYGRAPH_TASK_RETENTION_DAYS * 86_400_000, intervalMs: env.COPYGRAPH_RETENTION_INTERVAL_S * 1000, batchSize: 500 },
  };
}
