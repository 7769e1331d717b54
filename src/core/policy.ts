/**
 * Per-principal policies: which providers and resources a key may use, for copy sources, copy
 * destinations and entity reads alike. A principal without a policy is unrestricted (single tenant,
 * today's behaviour); a principal with one may use only the providers it names, and within each only
 * the resources listed. Checks are small pure functions the resolvers call before anything goes
 * upstream. A leaf module (zod and errors.ts only).
 */
import { z } from 'zod';
import { CopyErrorCode, type Provider, UpstreamFailure } from './errors.ts';

const Id = z.string().min(1).max(999);
const ProviderPolicySchema = {
  qiniu: z
    .object({
      buckets: z.array(
        z
          .object({
            name: Id,
            /** Key prefixes allowed in the bucket; absent: the whole bucket. */
            keyPrefixes: z.array(z.string().min(1).max(750)).min(1).optional(),
          })
          .strict(),
      ),
    })
    .strict(),
  feishu: z.object({ spaces: z.array(Id) }).strict(),
  blue: z.object({ companies: z.array(Id), projects: z.array(Id).optional() }).strict(),
  coze: z
    .object({
      workspaces: z.array(Id),
      /**
       * Entities (bot, app, workflow ids) this key may copy from. Coze has no documented read that says
       * which workspace an entity is in, so the operator lists the tenant's own; copies this key made
       * through copygraph (into one of its workspaces) are allowed as sources too.
       */
      entities: z.array(Id).optional(),
    })
    .strict(),
  pan123: z
    .object({
      /** Image-host folders a copy may write into ("" is the root). */
      folders: z.array(z.string().max(128)),
      /**
       * Drive (云盘) file or folder ids this key may copy from, exactly (the copy API takes either;
       * copygraph cannot tell without a drive call which folder a file lies in, so it does not guess).
       */
      sourceFileIds: z.array(z.string().regex(/^[1-9]\d{0,19}$/)).optional(),
    })
    .strict(),
};

const PrincipalPolicySchema = z
  .object({
    qiniu: ProviderPolicySchema.qiniu.optional(),
    feishu: ProviderPolicySchema.feishu.optional(),
    blue: ProviderPolicySchema.blue.optional(),
    coze: ProviderPolicySchema.coze.optional(),
    pan123: ProviderPolicySchema.pan123.optional(),
  })
  .strict();

const PolicyFileSchema = z.object({ principals: z.record(z.string().regex(/^[\w.@-]+$/), PrincipalPolicySchema) }).strict();

export type PrincipalPolicy = z.infer<typeof PrincipalPolicySchema>;
/** Principal id → policy. */
export type PolicySet = ReadonlyMap<string, PrincipalPolicy>;

/** Parses a policy document (JSON text); throws an Error naming each problem. */
export function parsePolicies(text: string): PolicySet {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error('not valid JSON');
  }
  const parsed = PolicyFileSchema.safeParse(json);
  if (!parsed.success) throw new Error(parsed.error.issues.map((i) => `${i.path.join('.') || '(document)'}: ${i.message}`).join('; '));
  return new Map(Object.entries(parsed.data.principals));
}

/** A principal's policy; undefined means unrestricted. */
export function policyFor(policies: PolicySet, principal: string): PrincipalPolicy | undefined {
  return policies.get(principal);
}

export function allowsQiniu(policy: PrincipalPolicy | undefined, bucket: string, key: string): boolean {
  if (!policy) return true;
  const bucketPolicy = policy.qiniu?.buckets.find((b) => b.name === bucket);
  if (!bucketPolicy) return false;
  return bucketPolicy.keyPrefixes === undefined || bucketPolicy.keyPrefixes.some((p) => key.startsWith(p));
}

export function allowsFeishuSpace(policy: PrincipalPolicy | undefined, spaceId: string | undefined): boolean {
  if (!policy) return true;
  return spaceId !== undefined && (policy.feishu?.spaces.includes(spaceId) ?? false);
}

export function allowsBlue(policy: PrincipalPolicy | undefined, companyId: string | undefined, projectId: string | undefined): boolean {
  if (!policy) return true;
  const blue = policy.blue;
  if (!blue || companyId === undefined || !blue.companies.includes(companyId)) return false;
  return blue.projects === undefined || (projectId !== undefined && blue.projects.includes(projectId));
}

export function allowsCozeWorkspace(policy: PrincipalPolicy | undefined, workspaceId: string | undefined): boolean {
  if (!policy) return true;
  return workspaceId !== undefined && (policy.coze?.workspaces.includes(workspaceId) ?? false);
}

/**
 * A Coze copy source: allowed when the policy lists the entity, or when `ownCopyWorkspace` (the
 * workspace of this principal's own earlier copy with that id, read from its tasks) is allowed.
 */
export function allowsCozeSource(policy: PrincipalPolicy | undefined, entityId: string, ownCopyWorkspace: string | null | undefined): boolean {
  if (!policy) return true;
  if (!policy.coze) return false;
  if (policy.coze.entities?.includes(entityId)) return true;
  return ownCopyWorkspace !== undefined && ownCopyWorkspace !== null && policy.coze.workspaces.includes(ownCopyWorkspace);
}

/** 123pan copy sources: every drive id must be listed in the policy. */
export function allowsPan123Sources(policy: PrincipalPolicy | undefined, fileIds: readonly string[]): boolean {
  if (!policy) return true;
  const allowed = new Set(policy.pan123?.sourceFileIds ?? []);
  return fileIds.every((id) => allowed.has(id));
}

export function allowsPan123Folder(policy: PrincipalPolicy | undefined, folderId: string): boolean {
  if (!policy) return true;
  return policy.pan123?.folders.includes(folderId) ?? false;
}

/** The refusal for a resource outside the caller's policy: nothing was sent upstream. */
export function forbidden(provider: Provider, what: string): UpstreamFailure {
  return new UpstreamFailure({
    code: CopyErrorCode.FORBIDDEN,
    provider,
    message: `This API key may not use ${what}.`,
    retryable: false,
  });
}
