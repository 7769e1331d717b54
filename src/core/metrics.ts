/**
 * Prometheus metrics: one registry for the process, every metric copygraph exports defined here, and
 * the one-line hooks the rest of the code calls (datasources through `observeUpstream`, the watcher,
 * the task service, the transports, the operation plugin). `GET /metrics` serves `registry.metrics()`.
 *
 * Label values are bounded: providers, operation types, schema field names, error codes and HTTP
 * statuses come from small fixed sets; operation names and upstream endpoints come from clients or
 * URLs, so they pass through `BoundedLabel` (a shape check and a cap on distinct values, then
 * `other`). Never an id, a key or a principal.
 *
 * A leaf of `src/core/`: datasources may import it.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export const registry = new Registry();
collectDefaultMetrics({ register: registry });

/** Keeps a label's values to a fixed shape and at most `max` distinct values; the rest are `other`. */
export class BoundedLabel {
  readonly #seen = new Set<string>();
  constructor(
    readonly max: number,
    readonly shape: RegExp,
  ) {}
  value(raw: string | undefined | null, empty = 'none'): string {
    if (raw === undefined || raw === null || raw === '') return empty;
    if (!this.shape.test(raw)) return 'other';
    if (this.#seen.has(raw)) return raw;
    if (this.#seen.size >= this.max) return 'other';
    this.#seen.add(raw);
    return raw;
  }
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const operationNames = new BoundedLabel(200, NAME);
const codes = new BoundedLabel(100, /^[A-Z0-9_]{1,64}$/);
const typenames = new BoundedLabel(100, NAME);
const fields = new BoundedLabel(200, NAME);
const endpoints = new Map<string, BoundedLabel>();

const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

// ---- GraphQL operations --------------------------------------------------------------------------

/** The transports an operation arrives by: a fixed set, so a bounded label. */
export type OperationTransport = 'http' | 'ws' | 'sse' | 'multipart' | 'callback';

export const operationsTotal = new Counter({
  name: 'copygraph_graphql_operations_total',
  help: 'GraphQL operations served, by operation type and name, outcome (ok or the first error code) and transport (http, ws, sse, multipart, callback).',
  labelNames: ['type', 'name', 'outcome', 'transport'] as const,
  registers: [registry],
});
export const operationDuration = new Histogram({
  name: 'copygraph_graphql_operation_duration_seconds',
  help: 'Time from receiving a GraphQL operation to sending its response (a subscription: its lifetime), by operation type, name and transport.',
  labelNames: ['type', 'name', 'transport'] as const,
  buckets: SECONDS,
  registers: [registry],
});
export const resultsTotal = new Counter({
  name: 'copygraph_graphql_results_total',
  help: 'Root field results by field, __typename of the result (CopyTask, UpstreamError…, or Error when the field threw) and error code.',
  labelNames: ['field', 'typename', 'code'] as const,
  registers: [registry],
});

export interface OperationObservation {
  readonly type: string | undefined;
  readonly name: string | undefined | null;
  readonly outcome: string;
  readonly seconds: number;
  /** Default `http`. */
  readonly transport?: OperationTransport;
}

const OPERATION_TYPES = new Set(['query', 'mutation', 'subscription']);

export function observeOperation(o: OperationObservation): void {
  const type = o.type !== undefined && OPERATION_TYPES.has(o.type) ? o.type : 'unknown';
  const name = operationNames.value(o.name, 'anonymous');
  const transport = o.transport ?? 'http';
  operationsTotal.inc({ type, name, outcome: o.outcome === 'ok' ? 'ok' : codes.value(o.outcome, 'error'), transport });
  operationDuration.observe({ type, name, transport }, o.seconds);
}

/** How a subscription ended (see the README: Operating copygraph). */
export type SubscriptionEnd = 'completed' | 'client_closed' | 'error' | 'drain';

export const subscriptionsEnded = new Counter({
  name: 'copygraph_subscriptions_ended_total',
  help: 'Subscriptions that ended, by transport and how: completed (the server ended it: the task is final), client_closed, error, drain (the server shut down).',
  labelNames: ['transport', 'reason'] as const,
  registers: [registry],
});

export function countSubscriptionEnded(transport: OperationTransport, reason: SubscriptionEnd): void {
  subscriptionsEnded.inc({ transport, reason });
}

/** One root field's result: its value's `__typename` and `code` (CopyError members), or the error it threw. */
export function observeRootResult(field: string, result: unknown, error: unknown): void {
  if (error) {
    const code = (error as { extensions?: { code?: unknown } }).extensions?.code;
    resultsTotal.inc({ field: fields.value(field), typename: 'Error', code: codes.value(typeof code === 'string' ? code : 'INTERNAL_SERVER_ERROR') });
    return;
  }
  const value = result as { __typename?: unknown; code?: unknown } | null | undefined;
  const typename = value && typeof value === 'object' && typeof value.__typename === 'string' ? value.__typename : value == null ? 'null' : 'value';
  const code = value && typeof value === 'object' && typeof value.code === 'string' ? value.code : undefined;
  resultsTotal.inc({ field: fields.value(field), typename: typenames.value(typename), code: codes.value(code) });
}

// ---- upstream calls ------------------------------------------------------------------------------

export const upstreamRequests = new Counter({
  name: 'copygraph_upstream_requests_total',
  help: 'HTTP calls to the providers, by provider, endpoint (path with ids replaced by :id) and outcome (HTTP status, or the failure code when no answer came).',
  labelNames: ['provider', 'endpoint', 'outcome'] as const,
  registers: [registry],
});
export const upstreamDuration = new Histogram({
  name: 'copygraph_upstream_request_duration_seconds',
  help: 'Duration of HTTP calls to the providers, by provider and endpoint.',
  labelNames: ['provider', 'endpoint'] as const,
  buckets: SECONDS,
  registers: [registry],
});
export const upstreamRetries = new Counter({
  name: 'copygraph_upstream_retries_total',
  help: 'Calls a datasource sent again, by provider and reason (token_refresh, throttled…).',
  labelNames: ['provider', 'reason'] as const,
  registers: [registry],
});
export const rateLimiterWait = new Histogram({
  name: 'copygraph_rate_limiter_wait_seconds',
  help: "Time calls waited for copygraph's own client-side rate limiter, by limiter.",
  labelNames: ['limiter'] as const,
  buckets: [0.001, 0.01, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60],
  registers: [registry],
});
export const rateLimiterRefusals = new Counter({
  name: 'copygraph_rate_limiter_refusals_total',
  help: 'Calls the client-side rate limiter refused instead of queueing (queue-full, wait-too-long), by limiter.',
  labelNames: ['limiter', 'reason'] as const,
  registers: [registry],
});

const ID_LIKE = /^(v\d{1,2}|[a-z][a-z_-]{0,39})$/;

/** A URL's path with every segment that is not a plain lowercase word (or `v2`) replaced by `:id`. */
export function endpointOf(url: string): string {
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    return 'invalid';
  }
  const segments = path.split('/').filter(Boolean);
  return `/${segments.map((s) => (ID_LIKE.test(s) ? s : ':id')).join('/')}`;
}

function endpointLabel(provider: string, url: string): string {
  let bounded = endpoints.get(provider);
  if (!bounded) endpoints.set(provider, (bounded = new BoundedLabel(40, /^[/:a-z0-9_-]{1,200}$/)));
  return bounded.value(endpointOf(url));
}

/** Times one upstream call (`send`), counting it by its HTTP status or the failure code it threw. */
export async function observeUpstream<T extends { readonly status: number }>(
  req: { readonly provider: string; readonly url: string },
  send: () => Promise<T>,
): Promise<T> {
  const endpoint = endpointLabel(req.provider, req.url);
  const end = upstreamDuration.startTimer({ provider: req.provider, endpoint });
  try {
    const res = await send();
    upstreamRequests.inc({ provider: req.provider, endpoint, outcome: String(res.status) });
    return res;
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    upstreamRequests.inc({ provider: req.provider, endpoint, outcome: codes.value(typeof code === 'string' ? code : undefined, 'ERROR') });
    throw err;
  } finally {
    end();
  }
}

/** Measures how long `acquired` took to grant a slot, or counts its refusal. */
export function observeLimiterWait<T>(limiter: string, acquired: Promise<T>): Promise<T> {
  const end = rateLimiterWait.startTimer({ limiter });
  return acquired.then(
    (release) => {
      end();
      return release;
    },
    (err: unknown) => {
      const reason = (err as { reason?: unknown }).reason;
      rateLimiterRefusals.inc({ limiter, reason: reason === 'queue-full' || reason === 'wait-too-long' ? reason : 'other' });
      throw err;
    },
  );
}

export function countUpstreamRetry(provider: string, reason: 'token_refresh' | 'throttled'): void {
  upstreamRetries.inc({ provider, reason });
}

// ---- tasks ---------------------------------------------------------------------------------------

export const tasksCreated = new Counter({
  name: 'copygraph_tasks_created_total',
  help: 'Copy tasks created, by provider.',
  labelNames: ['provider'] as const,
  registers: [registry],
});
export const tasksFinished = new Counter({
  name: 'copygraph_tasks_finished_total',
  help: 'Copy tasks that reached a final status on this replica, by provider and status.',
  labelNames: ['provider', 'status'] as const,
  registers: [registry],
});

/** What the task gauges read at scrape time (the shared store: the same answer on every replica). */
export interface ActiveTaskSource {
  listActive(): Promise<readonly { readonly provider: string; readonly status: string; readonly createdAt: string }[]>;
}
let activeSource: ActiveTaskSource | undefined;

export const tasksActive = new Gauge({
  name: 'copygraph_tasks_active',
  help: 'Tasks not yet final in the task store, by provider and status (QUEUED, RUNNING).',
  labelNames: ['provider', 'status'] as const,
  registers: [registry],
  async collect() {
    await collectActive();
  },
});
export const oldestActiveAge = new Gauge({
  name: 'copygraph_task_oldest_active_age_seconds',
  help: 'Age of the oldest task not yet final in the task store, by provider (0 when there is none).',
  labelNames: ['provider'] as const,
  registers: [registry],
  async collect() {
    await collectActive();
  },
});

const PROVIDERS = ['COZE', 'FEISHU', 'QINIU', 'PAN123', 'BLUE'];

/** One store read per scrape, shared by both gauges (the registry collects them concurrently). */
let collecting: Promise<void> | undefined;
function collectActive(): Promise<void> {
  collecting ??= readActive().finally(() => {
    collecting = undefined;
  });
  return collecting;
}

async function readActive(): Promise<void> {
  tasksActive.reset();
  oldestActiveAge.reset();
  if (!activeSource) return;
  const active = await activeSource.listActive();
  const now = Date.now();
  const oldest = new Map<string, number>(PROVIDERS.map((p) => [p, 0]));
  for (const p of PROVIDERS) for (const status of ['QUEUED', 'RUNNING']) tasksActive.set({ provider: p, status }, 0);
  for (const t of active) {
    tasksActive.inc({ provider: t.provider, status: t.status });
    oldest.set(t.provider, Math.max(oldest.get(t.provider) ?? 0, (now - Date.parse(t.createdAt)) / 1000));
  }
  for (const [provider, age] of oldest) oldestActiveAge.set({ provider }, age);
}

/** The store the task gauges read; returns the function that detaches it. */
export function observeTaskStore(source: ActiveTaskSource): () => void {
  activeSource = source;
  return () => {
    if (activeSource === source) activeSource = undefined;
  };
}

export function countTaskCreated(task: { readonly provider: string; readonly status: string; readonly finishedAt: string | null }): void {
  tasksCreated.inc({ provider: task.provider });
  if (task.finishedAt !== null) tasksFinished.inc({ provider: task.provider, status: task.status });
}

/** Counts a change that made a task final (and only that change). */
export function countTaskChanged(
  before: { readonly finishedAt: string | null },
  after: { readonly provider: string; readonly status: string; readonly finishedAt: string | null },
): void {
  if (before.finishedAt === null && after.finishedAt !== null) tasksFinished.inc({ provider: after.provider, status: after.status });
}

export const tasksDeleted = new Counter({
  name: 'copygraph_tasks_deleted_total',
  help: 'Final tasks deleted by the retention sweep (COPYGRAPH_TASK_RETENTION_DAYS).',
  registers: [registry],
});

// ---- the watcher ---------------------------------------------------------------------------------

export const watcherPolls = new Counter({
  name: 'copygraph_watcher_polls_total',
  help: 'Task polls made by the watcher, by provider and outcome (changed, unchanged, or the failure code).',
  labelNames: ['provider', 'outcome'] as const,
  registers: [registry],
});
export const watcherPollDuration = new Histogram({
  name: 'copygraph_watcher_poll_duration_seconds',
  help: 'Duration of one task poll (one or more upstream calls), by provider.',
  labelNames: ['provider'] as const,
  buckets: SECONDS,
  registers: [registry],
});
export const watcherPollLag = new Histogram({
  name: 'copygraph_watcher_poll_lag_seconds',
  help: "Delay between a poll's due time and its start (the provider's poll rate, a busy event loop), by provider.",
  labelNames: ['provider'] as const,
  buckets: [0.001, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60],
  registers: [registry],
});

/** Times one poll; `dueAt` (epoch ms) is when it was scheduled to start. */
export async function observePoll<T>(provider: string, dueAt: number | undefined, poll: () => Promise<T>): Promise<T> {
  if (dueAt !== undefined) watcherPollLag.observe({ provider }, Math.max(0, Date.now() - dueAt) / 1000);
  const end = watcherPollDuration.startTimer({ provider });
  try {
    const change = await poll();
    watcherPolls.inc({ provider, outcome: change === undefined ? 'unchanged' : 'changed' });
    return change;
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    watcherPolls.inc({ provider, outcome: codes.value(typeof code === 'string' ? code : undefined, 'ERROR') });
    throw err;
  } finally {
    end();
  }
}

// ---- subscriptions -------------------------------------------------------------------------------

export const subscriptionsActive = new Gauge({
  name: 'copygraph_subscriptions_active',
  help: 'Subscriptions open now, by transport (ws, sse, multipart, callback).',
  labelNames: ['transport'] as const,
  registers: [registry],
});
for (const transport of ['ws', 'sse', 'multipart', 'callback']) subscriptionsActive.set({ transport }, 0);

/** A subscription opened on `transport`; call the returned function once when it ends. */
export function subscriptionOpened(transport: 'ws' | 'sse' | 'multipart' | 'callback'): () => void {
  subscriptionsActive.inc({ transport });
  let open = true;
  return () => {
    if (open) subscriptionsActive.dec({ transport });
    open = false;
  };
}
