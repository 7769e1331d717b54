/**
 * Feishu wiki: whether a node copy whose answer was lost ran. Lists the target parent's children (the
 * space's top level when only `targetSpaceId` was given) through 获取知识空间子节点列表 and looks for a
 * node with the copy's title (the given `title`, else the source's, read with get_node) created no
 * earlier than just before the call (`node_create_time`, unix seconds on Feishu's clock, with
 * `CLOCK_SKEW_MS` of slack). Exactly one → the copy ran, and that node is its result; none (the whole
 * list read) → it did not run; several, or a list too long to read → cannot be told.
 *
 * Facts relied on: the copy creates a node under the target with `node_create_time` set at creation
 * [C, reference/upstreams.md §3.1 answer fields]; the list API, its `parent_node_token`, `page_size` ≤ 50
 * and `page_token`/`has_more` paging [C: open.feishu.cn 获取知识空间子节点列表, not in the shared
 * reference]; the list sees a new node at once [I]. If the source was renamed between the call and the
 * lookup, a copy without a `title` is not found and is reported as not run only after settling [I].
 */
import { z } from 'zod';
import type { FeishuWikiClient, WikiNodeModel } from '../../datasources/feishu-wiki.ts';
import { requireCredentials, type UpstreamCredentials } from '../core/credentials.ts';
import { Provider } from '../core/errors.ts';
import type { Finding, OutcomeLookup } from './outcome-resolution.ts';

const Detail = z.object({
  spaceId: z.string(),
  nodeToken: z.string(),
  targetParentToken: z.string().optional(),
  targetSpaceId: z.string().optional(),
  title: z.string().optional(),
});
export type FeishuOutcomeDetail = z.infer<typeof Detail>;

/**
 * Slack between copygraph's clock and Feishu's when comparing creation times (whole seconds) [I: clocks
 * kept by NTP]. The residual risk: a node with the same title made by someone else under the same
 * parent within about a second before the call is taken for the copy. Give the copy a distinct
 * `title` to rule that out.
 */
const CLOCK_SKEW_MS = 1_000;

/** The detail a `copyWikiNode` keeps for the lookup (its validated input). */
export function feishuOutcomeDetail(request: FeishuOutcomeDetail): FeishuOutcomeDetail {
  const { spaceId, nodeToken, targetParentToken, targetSpaceId, title } = request;
  return Detail.parse({ spaceId, nodeToken, targetParentToken, targetSpaceId, title });
}

export class FeishuOutcomeLookup implements OutcomeLookup<FeishuOutcomeDetail> {
  readonly provider = Provider.FEISHU;
  constructor(private readonly client: FeishuWikiClient) {}

  parse(detail: unknown): FeishuOutcomeDetail | undefined {
    const parsed = Detail.safeParse(detail);
    return parsed.success ? parsed.data : undefined;
  }

  async look(detail: FeishuOutcomeDetail, credentials: UpstreamCredentials, since: Date, principal?: string): Promise<Finding> {
    const creds = requireCredentials(credentials, 'feishu');
    const title = detail.title ?? (await this.client.getNode(creds, detail.nodeToken, principal)).title;
    const spaceId = detail.targetParentToken
      ? (await this.client.getNode(creds, detail.targetParentToken, principal)).spaceId
      : (detail.targetSpaceId ?? detail.spaceId);
    const { nodes, complete } = await this.client.listChildren(creds, spaceId, detail.targetParentToken, principal);
    const under = detail.targetParentToken ? `node ${detail.targetParentToken}` : `the top of space ${spaceId}`;
    const after = Math.floor((since.getTime() - CLOCK_SKEW_MS) / 1000) * 1000;
    const created = (n: WikiNodeModel) => (n.nodeCreateTime ? Date.parse(n.nodeCreateTime) : Number.NEGATIVE_INFINITY);
    const matches = nodes.filter((n) => n.title === title && n.nodeToken !== detail.nodeToken && created(n) >= after);
    const what = `the children of ${under} for a node titled "${title}" created after the copy was sent`;
    if (matches.length === 1) {
      const node = matches[0] as WikiNodeModel;
      return { kind: 'ran', result: { __typename: 'WikiNode', ...node }, checked: what };
    }
    if (matches.length > 1) return { kind: 'undecidable', checked: `${what}, and found ${matches.length}` };
    if (!complete) return { kind: 'undecidable', checked: `${what}, but the list is longer than copygraph reads` };
    return { kind: 'absent', checked: `${what}, and found none` };
  }
}
