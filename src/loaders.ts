/**
 * Per-request DataLoaders: details a copy response lacks are fetched only when a client selects them,
 * batched into one upstream call per request and provider. Built lazily; one set per request.
 */
import DataLoader from 'dataloader';
import { missingCredentials, type UpstreamCredentials } from './core/credentials.ts';
import { Provider } from './core/errors.ts';
import type { ObjectStat, StorageObjectRef } from '../datasources/qiniu.ts';
import type { WikiNodeModel } from '../datasources/feishu-wiki.ts';
import { type BlueTodoDetail, scopedBlueCredentials } from '../datasources/blue.ts';
import type { Services } from './services.ts';
import { feishuScope } from './wiki-node-cache.ts';
import { type CopyTaskRecord, TaskStatus } from './tasks/model.ts';
import type { CozeEntityRef } from '../datasources/coze.ts';

/** How many of the caller's most recent Coze tasks a `CozeEntity` reference lookup reads before giving up. */
const COZE_REFERENCE_LOOKUP_LIMIT = 1000;

export class Loaders {
  #qiniuStat: DataLoader<StorageObjectRef, ObjectStat, string> | undefined;

  constructor(
    private readonly services: Services,
    private readonly credentials: UpstreamCredentials,
    /** The caller: the task loader answers only with this principal's tasks. */
    private readonly owner: string,
  ) {}

  #tasks: DataLoader<string, CopyTaskRecord | undefined> | undefined;

  /**
   * Tasks by id, one store query per request tick (a gateway's `_entities` call with 50 `CopyTask`
   * references reads them at once). Another principal's task is `undefined`, as if it did not exist.
   */
  get tasks(): DataLoader<string, CopyTaskRecord | undefined> {
    this.#tasks ??= new DataLoader<string, CopyTaskRecord | undefined>(
      async (ids) => {
        const found = new Map((await this.services.store.getMany(ids)).map((t) => [t.id, t]));
        return ids.map((id) => {
          const task = found.get(id);
          return task && task.owner === this.owner ? task : undefined;
        });
      },
      { maxBatchSize: 500 },
    );
    return this.#tasks;
  }

  /** Qiniu `stat` of objects, one `/batch` per request tick. */
  get qiniuStat(): DataLoader<StorageObjectRef, ObjectStat, string> {
    this.#qiniuStat ??= new DataLoader<StorageObjectRef, ObjectStat, string>(
      async (refs) => {
        const keys = this.credentials.qiniu;
        if (!keys) return refs.map(() => missingCredentials('qiniu'));
        try {
          return await this.services.qiniu.statMany(keys, refs);
        } catch (err) {
          return refs.map(() => (err instanceof Error ? err : new Error(String(err))));
        }
      },
      { cacheKeyFn: (r) => `${r.bucket}\u0000${r.key}`, maxBatchSize: 1000 },
    );
    return this.#qiniuStat;
  }

  #feishuNode: DataLoader<string, WikiNodeModel> | undefined;

  /**
   * Feishu wiki nodes by node token. Feishu has no batch read: the distinct tokens of one request
   * tick are read with single `get_node` calls, a few at a time (`GET_NODE_CONCURRENCY`), within the
   * rate limit. Answers are reused across requests for a short while, per credential scope
   * (`services.wikiNodes`, src/wiki-node-cache.ts): only the tokens it does not hold are asked for.
   */
  get feishuNode(): DataLoader<string, WikiNodeModel> {
    this.#feishuNode ??= new DataLoader<string, WikiNodeModel>(
      async (tokens) => {
        const creds = this.credentials.feishu;
        if (!creds) return tokens.map(() => missingCredentials('feishu'));
        try {
          return await this.services.wikiNodes.read(feishuScope(creds), tokens, (missing) => this.services.feishu.getNodes(creds, missing, this.owner));
        } catch (err) {
          return tokens.map(() => (err instanceof Error ? err : new Error(String(err))));
        }
      },
      { maxBatchSize: 100 },
    );
    return this.#feishuNode;
  }

  /**
   * A wiki node this request just made by copying: later references in the request need no
   * `get_node`, later requests with the same credentials neither, and the target parent (whose
   * `hasChild` changed) is read afresh by everyone.
   */
  wikiNodeCopied(node: WikiNodeModel): void {
    this.feishuNode.prime(node.nodeToken, node);
    const creds = this.credentials.feishu;
    if (creds) this.services.wikiNodes.noteCopy(feishuScope(creds), node);
    else if (node.parentNodeToken) this.services.wikiNodes.invalidate(node.parentNodeToken);
  }

  #blueTodo: DataLoader<string, BlueTodoDetail> | undefined;

  /** Blue records by id: one `todoQueries.todos` query (filter `todoIds`) per request tick. */
  get blueTodo(): DataLoader<string, BlueTodoDetail> {
    this.#blueTodo ??= new DataLoader<string, BlueTodoDetail>(
      async (ids) => {
        try {
          return await this.services.blue.todosByIds(scopedBlueCredentials(this.credentials.blue), ids);
        } catch (err) {
          return ids.map(() => (err instanceof Error ? err : new Error(String(err))));
        }
      },
      { maxBatchSize: 500 },
    );
    return this.#blueTodo;
  }

  #cozeEntities: DataLoader<string, CozeEntityRef | undefined> | undefined;

  /**
   * Coze entities this principal copied through copygraph, by id. Coze has no "get entity" API, so
   * the caller's succeeded Coze tasks are paged (newest first) once per request tick for all the
   * references together, never once per reference.
   */
  get cozeEntities(): DataLoader<string, CozeEntityRef | undefined> {
    this.#cozeEntities ??= new DataLoader<string, CozeEntityRef | undefined>(async (ids) => {
      const wanted = new Set(ids);
      const found = new Map<string, CozeEntityRef>();
      let after: string | undefined;
      for (let read = 0; read < COZE_REFERENCE_LOOKUP_LIMIT && found.size < wanted.size; read += 100) {
        const page = await this.services.tasks.list(this.owner, { provider: Provider.COZE, status: [TaskStatus.SUCCEEDED] }, 100, after);
        for (const { task } of page.items) {
          const result = task.result as CozeEntityRef | null;
          if (result?.__typename === 'CozeEntity' && wanted.has(result.id) && !found.has(result.id)) found.set(result.id, result);
        }
        if (!page.hasNextPage) break;
        after = page.items.at(-1)?.cursor;
      }
      return ids.map((id) => found.get(id));
    });
    return this.#cozeEntities;
  }
}
