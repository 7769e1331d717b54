/**
 * The copy path's *bare reference*: plain graphql-js `execute` on `node:http` doing the same work as
 * copygraph's `copyObject` — the same zod input schema (resolvers/qiniu.ts), the same QiniuClient
 * signing and upstream call (datasources/qiniu.ts), the same durable task insert into a SQLite store
 * (src/tasks/store/sqlite.ts) before answering — and nothing else (no auth, limits, tracing, metrics,
 * idempotency, logging). copygraph ÷ this isolates what copygraph's framework and code add.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildSchema, execute, parse } from 'graphql';
import { QiniuClient } from '../datasources/qiniu.ts';
import { CopyObjectInput } from '../resolvers/qiniu.ts';
import { Provider } from '../src/core/errors.ts';
import { type CopyTaskRecord, type ResourceRef, TaskStatus } from '../src/tasks/model.ts';
import { createSqliteTaskStore } from '../src/tasks/store/sqlite.ts';

const schema = buildSchema(`
  input Location { bucket: String!, key: String! }
  input CopyObjectInput { source: Location!, destination: Location!, overwrite: Boolean }
  type CopyTask { id: ID!, status: String! }
  type CopyError { code: String! }
  union CopyResult = CopyTask | CopyError
  type Query { ok: Boolean }
  type Mutation { copyObject(input: CopyObjectInput!): CopyResult! }
`);

export interface BareReference {
  readonly url: string;
  close(): Promise<void>;
}

export async function startBareReference(options: { rsUrl: string; dbPath: string; keys: { accessKey: string; secretKey: string } }): Promise<BareReference> {
  const store = createSqliteTaskStore(options.dbPath);
  const qiniu = new QiniuClient({ rsUrl: options.rsUrl, timeoutMs: 10_000, signature: 'Qiniu' });
  const rootValue = {
    copyObject: async ({ input }: { input: unknown }) => {
      const parsed = CopyObjectInput.safeParse(input);
      if (!parsed.success) return { __typename: 'CopyError', code: 'INVALID_INPUT' };
      const { source, destination, overwrite } = parsed.data;
      try {
        await qiniu.copy(options.keys, source, destination, overwrite);
      } catch {
        return { __typename: 'CopyError', code: 'UPSTREAM' };
      }
      const now = new Date().toISOString();
      const result: ResourceRef & { bucket: string; key: string } = { __typename: 'StorageObject', bucket: destination.bucket, key: destination.key };
      const task: CopyTaskRecord = {
        id: randomUUID(),
        owner: 'bench',
        provider: Provider.QINIU,
        status: TaskStatus.SUCCEEDED,
        createdAt: now,
        updatedAt: now,
        finishedAt: now,
        upstreamTaskId: null,
        progress: null,
        result,
        failures: [],
        error: null,
        credentialSource: 'config',
        watch: null,
        version: 1,
        request: { __typename: 'ObjectCopyRequest', source, destination, overwrite },
      };
      await store.insert(task);
      return { __typename: 'CopyTask', id: task.id, status: task.status };
    },
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { query: string; variables?: Record<string, unknown> };
        const result = await execute({ schema, document: parse(body.query), rootValue, variableValues: body.variables ?? null });
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(result));
      })();
    });
  });
  server.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/graphql`, close: () => new Promise((r) => server.close(() => r(undefined))) };
}
