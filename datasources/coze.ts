/**
 * Coze (扣子): copy a bot, app or workflow (`POST /v1/entities/copy_tasks`) and read an asynchronous
 * copy's state (`GET /v1/entities/copy_tasks/:task_id`), reference/upstreams.md §1.
 *
 * Auth is a Bearer token (a PAT `pat_…` or an OAuth access token), from configuration or the request.
 * Every answer is the envelope `{ data, code, msg, detail: { logid } }`: a non-zero `code` is a failure
 * even on HTTP 200 (the official SDK reads it the same way), and it is mapped here, in one place.
 */
import { z } from 'zod';
import type { CozeCredentials } from '../src/core/credentials.ts';
import { CopyErrorCode, Provider, UpstreamFailure } from '../src/core/errors.ts';
import { answerFailure, parseJson, type Refusal, refused, sendUpstream, type UpstreamResponse } from './http.ts';

/** copygraph's spelling of an entity type (the GraphQL enum); Coze's wire spelling is lower case. */
export type CozeEntityKind = 'BOT' | 'APP' | 'WORKFLOW';

/** What a resolver holds of a `CozeEntity`: everything the copy told us (Coze has no "get entity" API). */
export interface CozeEntityRef {
  readonly __typename: 'CozeEntity';
  readonly id: string;
  readonly type: CozeEntityKind;
  readonly workspaceId: string | null;
  readonly sourceEntityId: string;
}

export interface CozeCopyRequest {
  readonly entityId: string;
  readonly entityType: CozeEntityKind;
  /** Undefined copies within the entity's own workspace. */
  readonly toWorkspaceId?: string | undefined;
}

/** The copy's answer: a same-workspace bot copy is done at once; anything else is a task to poll. */
export type CozeCopyStarted =
  | { readonly kind: 'copied'; readonly copiedEntityId: string; readonly logId: string | undefined }
  | { readonly kind: 'task'; readonly taskId: string; readonly logId: string | undefined };

export interface CozeFailedReason {
  readonly entityId: string;
  readonly entityName: string;
  readonly entityType: string;
  readonly reason: string;
}

export interface CozeCopyTaskState {
  readonly taskId: string;
  readonly status: 'in_progress' | 'successful' | 'failed';
  readonly entityType: string | undefined;
  readonly sourceEntityId: string | undefined;
  readonly targetEntityId: string | undefined;
  readonly targetWorkspaceId: string | undefined;
  readonly failedReasons: readonly CozeFailedReason[];
  readonly logId: string | undefined;
}

export interface CozeClientOptions {
  /** https://api.coze.cn (default) or https://api.coze.com (international); an emulator in tests. */
  readonly baseUrl: string;
  readonly timeoutMs: number;
}

// ---- wire format ------------------------------------------------------------------------------

const Envelope = z
  .object({
    code: z.number(),
    msg: z.string().optional(),
    data: z.unknown().optional(),
    detail: z.object({ logid: z.string().optional() }).loose().optional(),
  })
  .loose();

/** `OpenDuplicateDraftEntityData`: one of the two ids. */
const CopyData = z.object({ copied_entity_id: z.string().optional(), task_id: z.string().optional() }).loose();

const FailedReason = z
  .object({
    entity_id: z.string().optional(),
    entity_name: z.string().optional(),
    entity_type: z.string().optional(),
    failed_reason: z.string().optional(),
  })
  .loose();

/** `OpenCopyTaskInfoData`. */
const TaskData = z
  .object({
    task_id: z.string(),
    entity_type: z.string().optional(),
    task_status: z.enum(['in_progress', 'successful', 'failed']),
    failed_reasons: z.array(FailedReason).nullish(),
    source_entity_id: z.string().optional(),
    target_entity_id: z.string().optional(),
    target_workspace_id: z.string().optional(),
  })
  .loose();

/**
 * Body codes the official SDK names (error.ts `APIError.generate`) [C S5]: each is a refusal, nothing
 * was copied. Any other non-zero code is undocumented here [U] and, after a copy, OUTCOME_UNKNOWN.
 */
const CODES: Readonly<Record<number, Refusal>> = {
  4000: refused(CopyErrorCode.BAD_USER_INPUT),
  4100: refused(CopyErrorCode.UNAUTHENTICATED),
  4101: refused(CopyErrorCode.FORBIDDEN),
  4200: refused(CopyErrorCode.NOT_FOUND),
  4013: refused(CopyErrorCode.RATE_LIMITED, true),
};

/**
 * The same mapping by HTTP status, for answers without a readable body code. 408 (the SDK's
 * TimeoutError), 502 (GatewayError) and every other 5xx are not refusals: the copy may have run.
 */
const STATUSES: Readonly<Record<number, Refusal>> = {
  400: refused(CopyErrorCode.BAD_USER_INPUT),
  401: refused(CopyErrorCode.UNAUTHENTICATED),
  403: refused(CopyErrorCode.FORBIDDEN),
  404: refused(CopyErrorCode.NOT_FOUND),
  429: refused(CopyErrorCode.RATE_LIMITED, true),
};

function logIdOf(res: UpstreamResponse, body: z.infer<typeof Envelope> | undefined): string | undefined {
  return body?.detail?.logid || res.headers.get('x-tt-logid') || undefined;
}

/** Maps a refused answer (HTTP error or non-zero body code) to a typed failure, by the retry contract (datasources/http.ts). */
export function cozeFailure(
  status: number,
  bodyCode: number | undefined,
  msg: string | undefined,
  logId: string | undefined,
  idempotent: boolean,
): UpstreamFailure {
  const documented = (bodyCode !== undefined ? CODES[bodyCode] : STATUSES[status]) ?? undefined;
  // The SDK's own hint: a 401 often means a coze.com token sent to coze.cn or the other way round.
  const hint =
    documented?.code === CopyErrorCode.UNAUTHENTICATED ? ' Check the token, and that COZE_BASE_URL matches its site (api.coze.cn or api.coze.com).' : '';
  return answerFailure(
    { provider: Provider.COZE, idempotent },
    {
      documented,
      status,
      message: `Coze refused the call${msg ? `: ${msg}` : ` (HTTP ${status})`}.${hint}`,
      upstreamCode: bodyCode !== undefined ? String(bodyCode) : String(status),
      upstreamMessage: msg || undefined,
      logId,
      retryAfterSeconds: 1,
    },
  );
}

export class CozeClient {
  constructor(readonly options: CozeClientOptions) {}

  /** Starts a copy. Not idempotent: a timeout after sending is OUTCOME_UNKNOWN. Throws `UpstreamFailure`. */
  async copyEntity(creds: CozeCredentials, request: CozeCopyRequest): Promise<CozeCopyStarted> {
    const body = {
      entity_id: request.entityId,
      entity_type: request.entityType.toLowerCase(),
      ...(request.toWorkspaceId !== undefined ? { to_workspace_id: request.toWorkspaceId } : {}),
    };
    const { data, logId } = await this.#call(creds, 'POST', '/v1/entities/copy_tasks', JSON.stringify(body), false);
    const parsed = CopyData.safeParse(data);
    const copiedEntityId = parsed.success ? parsed.data.copied_entity_id : undefined;
    const taskId = parsed.success ? parsed.data.task_id : undefined;
    if (copiedEntityId) return { kind: 'copied', copiedEntityId, logId };
    if (taskId) return { kind: 'task', taskId, logId };
    throw malformed('the copy answer has neither copied_entity_id nor task_id', logId, false);
  }

  /** Reads an asynchronous copy's state. Throws `UpstreamFailure` (NOT_FOUND when Coze does not know the task). */
  async getCopyTask(creds: CozeCredentials, taskId: string): Promise<CozeCopyTaskState> {
    const { data, logId } = await this.#call(creds, 'GET', `/v1/entities/copy_tasks/${encodeURIComponent(taskId)}`, undefined, true);
    const parsed = TaskData.safeParse(data);
    if (!parsed.success) throw malformed('the task answer is malformed', logId, true);
    const d = parsed.data;
    return {
      taskId: d.task_id,
      status: d.task_status,
      entityType: d.entity_type,
      sourceEntityId: d.source_entity_id || undefined,
      targetEntityId: d.target_entity_id || undefined,
      targetWorkspaceId: d.target_workspace_id || undefined,
      failedReasons: (d.failed_reasons ?? []).map((r) => ({
        entityId: r.entity_id ?? '',
        entityName: r.entity_name ?? '',
        entityType: r.entity_type ?? '',
        reason: r.failed_reason ?? '',
      })),
      logId,
    };
  }

  /** The one request path: auth header, envelope, error mapping. */
  async #call(
    creds: CozeCredentials,
    method: 'GET' | 'POST',
    path: string,
    body: string | undefined,
    idempotent: boolean,
  ): Promise<{ data: unknown; logId: string | undefined }> {
    const res = await sendUpstream({
      provider: Provider.COZE,
      method,
      url: `${this.options.baseUrl}${path}`,
      headers: {
        authorization: `Bearer ${creds.token}`,
        accept: 'application/json',
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body } : {}),
      timeoutMs: this.options.timeoutMs,
      idempotent,
    });
    const envelope = Envelope.safeParse(parseJson(res.text));
    const parsed = envelope.success ? envelope.data : undefined;
    const logId = logIdOf(res, parsed);
    if (parsed && parsed.code !== 0) throw cozeFailure(res.status, parsed.code, parsed.msg, logId, idempotent);
    if (res.status < 200 || res.status >= 300) throw cozeFailure(res.status, undefined, parsed?.msg, logId, idempotent);
    if (!parsed) throw malformed(`HTTP ${res.status} without a Coze envelope`, logId, idempotent);
    return { data: parsed.data, logId };
  }
}

/**
 * An answer copygraph cannot read. After a copy request that Coze accepted (HTTP 2xx) the copy may
 * exist, so it is OUTCOME_UNKNOWN and never retried; a read may simply be asked again.
 */
function malformed(what: string, logId: string | undefined, idempotent: boolean): UpstreamFailure {
  return new UpstreamFailure({
    code: idempotent ? CopyErrorCode.UPSTREAM_ERROR : CopyErrorCode.OUTCOME_UNKNOWN,
    provider: Provider.COZE,
    message: idempotent
      ? `Coze answered in an unexpected format: ${what}.`
      : `Coze answered in an unexpected format (${what}); the copy may or may not have started. Check the target workspace before trying again.`,
    logId,
    retryable: idempotent,
  });
}
