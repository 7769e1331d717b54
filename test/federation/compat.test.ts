/**
 * The checks of Apollo's subgraph compatibility suite (it needs Rover and Docker, which do not run
 * here), mirrored against a running copygraph: `_service { sdl }` with `@link` and every directive it
 * uses, `_entities` for every entity and key shape, unknown references as null, references batched
 * per request (50 representations of one type cost one upstream batch or one store query), and
 * inline traces (`ftv1`) when a gateway asks for them.
 */
import { buildSchema, type DirectiveNode, Kind, parse, visit } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BLUE_DEMO } from '../../emulators/blue.ts';
import { FEISHU_DEMO, FEISHU_ROUTES } from '../../emulators/feishu.ts';
import { QINIU_DEMO } from '../../emulators/qiniu.ts';
import { Provider } from '../../src/core/errors.ts';
import { readTypeDefs } from '../../src/schema.ts';
import { TaskStatus } from '../../src/tasks/model.ts';
import { type InstrumentedApp, startInstrumentedApp } from '../fixtures/instrumented-app.ts';
import { ALICE, BOB } from '../helpers/stack.ts';

type Env = InstrumentedApp;
let env: Env;

beforeAll(async () => {
  env = await startInstrumentedApp();
});

afterAll(async () => {
  await env?.close();
});

interface Response {
  data?: Record<string, any> | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
  extensions?: Record<string, unknown>;
}

async function post(query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}, key: string = ALICE): Promise<Response> {
  const res = await fetch(env.app.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as Response;
}

/** `_entities` as a gateway sends it: representations with `__typename` and the key fields. */
function entities(typename: string, selection: string, representations: readonly Record<string, unknown>[], key: string = ALICE): Promise<Response> {
  return post(
    `query($representations: [_Any!]!) { _entities(representations: $representations) { __typename ... on ${typename} { ${selection} } } }`,
    { representations: representations.map((r) => ({ __typename: typename, ...r })) },
    {},
    key,
  );
}

/** Every read of the task store (by id, by ids, by page). */
const storeReadCount = ({ storeReads }: Env): number => storeReads.get + storeReads.getMany + storeReads.list;

/**
 * One row per entity type: adding an entity to the schema is adding a row here (a guard test below
 * fails until every `@key` type has one).
 */
interface EntityCase {
  readonly typename: string;
  /** The fields of its @key. */
  readonly key: string;
  /** Creates `n` entities that exist for ALICE; returns their representations (key fields only). */
  seed(env: Env, n: number): Promise<Record<string, unknown>[]>;
  /** A representation of an entity that does not exist. */
  readonly unknown: Record<string, unknown>;
  /** The key fields and fields that need the upstream (or the store): they load in one batch. */
  readonly selection: string;
  /** What resolving references costs, counted (calls to an upstream route, or store reads). */
  cost(env: Env): number;
  /** The cost of `n` references: 1 (one batch) unless the upstream has no batch read. */
  readonly batchCost?: (n: number) => number;
  /** Asserts entity `i` is the right one, resolved. */
  check(env: Env, entity: Record<string, any>, representation: Record<string, unknown>): void;
}

const ENTITY_CASES: readonly EntityCase[] = [
  {
    typename: 'CopyTask',
    key: 'id',
    seed: async ({ app }, n) => {
      const made = await Promise.all(
        Array.from({ length: n }, () =>
          app.services.tasks.create({ owner: 'alice', provider: Provider.QINIU, credentialSource: 'config', change: { status: TaskStatus.SUCCEEDED } }),
        ),
      );
      return made.map((t) => ({ id: t.id }));
    },
    unknown: { id: '00000000-0000-4000-8000-000000000000' },
    selection: 'id status provider isFinal',
    cost: storeReadCount,
    check: (_env, entity, rep) => expect(entity).toEqual({ __typename: 'CopyTask', id: rep['id'], status: 'SUCCEEDED', provider: 'QINIU', isFinal: true }),
  },
  {
    typename: 'StorageObject',
    key: 'bucket key',
    seed: async ({ emulators }, n) =>
      Array.from({ length: n }, (_, i) => {
        const key = `compat/${Date.now()}-${i}.txt`;
        emulators.qiniu.putObject(QINIU_DEMO.backupBucket, key, `object ${i}`, 'text/plain');
        return { bucket: QINIU_DEMO.backupBucket, key };
      }),
    unknown: { bucket: QINIU_DEMO.backupBucket, key: 'compat/never-written.txt' },
    selection: 'bucket key fsize hash mimeType',
    cost: ({ emulators }) => emulators.qiniu.control.calls('batch') + emulators.qiniu.control.calls('stat'),
    check: ({ emulators }, entity, rep) => {
      const obj = emulators.qiniu.getObject(rep['bucket'] as string, rep['key'] as string);
      expect(entity).toEqual({ __typename: 'StorageObject', ...rep, fsize: obj?.fsize, hash: obj?.hash, mimeType: 'text/plain' });
    },
  },
  {
    typename: 'WikiNode',
    key: 'nodeToken',
    seed: async ({ emulators }, n) =>
      Array.from({ length: n }, (_, i) => ({ nodeToken: emulators.feishu.addNode({ spaceId: FEISHU_DEMO.spaceId, title: `Compat ${i}` }).node_token })),
    unknown: { nodeToken: 'wikcnNeverCreated00000001' },
    selection: 'nodeToken title spaceId',
    cost: ({ emulators }) => emulators.feishu.control.calls(FEISHU_ROUTES.getNode),
    // Feishu has no batch read: one loader batch sends one get_node per distinct token (bounded concurrency).
    batchCost: (n) => n,
    check: ({ emulators }, entity, rep) =>
      expect(entity).toEqual({ __typename: 'WikiNode', ...rep, title: emulators.feishu.node(rep['nodeToken'] as string)?.title, spaceId: FEISHU_DEMO.spaceId }),
  },
  {
    typename: 'BlueTodo',
    key: 'id',
    seed: async ({ emulators }, n) =>
      Array.from({ length: n }, (_, i) => ({ id: emulators.blue.seedTodo({ todoListId: BLUE_DEMO.lists.roadmap.backlog, title: `Compat ${i}` }).id })),
    unknown: { id: 'cnever0created0todo' },
    selection: 'id title done',
    cost: ({ emulators }) => emulators.blue.control.calls('graphql'),
    check: ({ emulators }, entity, rep) =>
      expect(entity).toEqual({ __typename: 'BlueTodo', ...rep, title: emulators.blue.getTodo(rep['id'] as string)?.title, done: false }),
  },
  {
    typename: 'CozeEntity',
    key: 'id',
    seed: async ({ app }, n) =>
      Promise.all(
        Array.from({ length: n }, async (_, i) => {
          const id = `74${Date.now()}${String(i).padStart(3, '0')}`;
          const result = { __typename: 'CozeEntity', id, type: 'BOT', workspaceId: 'ws-compat', sourceEntityId: `src-${i}` };
          await app.services.tasks.create({
            owner: 'alice',
            provider: Provider.COZE,
            credentialSource: 'config',
            change: { status: TaskStatus.SUCCEEDED, result },
          });
          return { id };
        }),
      ),
    unknown: { id: '7400000000000000000' },
    selection: 'id type workspaceId',
    cost: storeReadCount,
    check: (_env, entity, rep) => expect(entity).toEqual({ __typename: 'CozeEntity', ...rep, type: 'BOT', workspaceId: 'ws-compat' }),
  },
  {
    typename: 'PanImageCopy',
    key: 'taskId',
    seed: async ({ app }, n) =>
      Promise.all(
        Array.from({ length: n }, async () => {
          let task = await app.services.tasks.create({
            owner: 'alice',
            provider: Provider.PAN123,
            credentialSource: 'config',
            change: { status: TaskStatus.SUCCEEDED },
          });
          const result = { __typename: 'PanImageCopy', taskId: task.id, toParentFileId: '0', requestedFileCount: 2, failedFileCount: 0, parts: [] };
          task = await app.services.tasks.change(task, { result });
          return { taskId: task.id };
        }),
      ),
    unknown: { taskId: '00000000-0000-4000-8000-000000000000' },
    selection: 'taskId requestedFileCount failedFileCount',
    cost: storeReadCount,
    check: (_env, entity, rep) => expect(entity).toEqual({ __typename: 'PanImageCopy', ...rep, requestedFileCount: 2, failedFileCount: 0 }),
  },
];

/** `[typename, case]`: test names show the type name plainly. */
const ROWS = ENTITY_CASES.map((c) => [c.typename, c] as const);

describe('_service { sdl }', () => {
  it('carries @link to Federation 2 and imports every federation directive it uses', async () => {
    const { data } = await post('{ _service { sdl } }');
    const sdl = data?.['_service'].sdl as string;
    const doc = parse(sdl);
    let imports: string[] = [];
    let linkUrl = '';
    const used = new Set<string>();
    visit(doc, {
      Directive(node: DirectiveNode) {
        used.add(node.name.value);
        if (node.name.value !== 'link') return;
        for (const arg of node.arguments ?? []) {
          if (arg.name.value === 'url' && arg.value.kind === Kind.STRING) linkUrl = arg.value.value;
          if (arg.name.value === 'import' && arg.value.kind === Kind.LIST) {
            imports = arg.value.values.flatMap((v) => (v.kind === Kind.STRING ? [v.value.replace(/^@/, '')] : []));
          }
        }
      },
    });
    expect(linkUrl).toMatch(/^https:\/\/specs\.apollo\.dev\/federation\/v2\.\d+$/);
    const builtIn = new Set(['link', 'deprecated', 'specifiedBy', 'oneOf']);
    expect([...used].filter((d) => !builtIn.has(d) && !imports.includes(d))).toEqual([]);
    expect(used).toContain('key');
  });

  it('is the SDL of the schema files, so a gateway composes what the repository describes', async () => {
    const { data } = await post('{ _service { sdl } }');
    // Federation's own definitions (`_Service`, `_Any`, `link__Import`, `directive @key`…) aside.
    const names = (sdl: string) =>
      parse(sdl)
        .definitions.flatMap((d) =>
          'name' in d && d.name && d.kind !== Kind.DIRECTIVE_DEFINITION && !/^_|__/.test(d.name.value) ? [`${d.kind}:${d.name.value}`] : [],
        )
        .sort();
    expect(names(data?.['_service'].sdl as string)).toEqual(names(readTypeDefs()));
  });
  it('is valid GraphQL on its own: graphql-js buildSchema accepts it, each root type declared once', async () => {
    const { data } = await post('{ _service { sdl } }');
    const sdl = data?.['_service'].sdl as string;
    // Grafbase's composer and any tool that reads the SDL without federation's rules need this.
    const schema = buildSchema(sdl);
    expect(Object.keys(schema.getMutationType()?.getFields() ?? {}).sort()).toEqual(['copyCozeEntity', 'copyImages', 'copyObject', 'copyTodo', 'copyWikiNode']);
    expect(schema.getSubscriptionType()?.getFields()).toHaveProperty('copyTaskUpdated');
    const roots = parse(sdl).definitions.flatMap((d) =>
      (d.kind === Kind.OBJECT_TYPE_DEFINITION || d.kind === Kind.OBJECT_TYPE_EXTENSION) && ['Query', 'Mutation', 'Subscription'].includes(d.name.value)
        ? [`${d.kind}:${d.name.value}`]
        : [],
    );
    for (const root of ['Query', 'Mutation', 'Subscription']) expect(roots.filter((r) => r === `${Kind.OBJECT_TYPE_DEFINITION}:${root}`)).toHaveLength(1);
  });
});

describe('_entities', () => {
  it('has a row for every @key type of the schema', () => {
    const keyed = parse(readTypeDefs()).definitions.flatMap((d) =>
      d.kind === Kind.OBJECT_TYPE_DEFINITION && d.directives?.some((x) => x.name.value === 'key') ? [d.name.value] : [],
    );
    expect(ENTITY_CASES.map((c) => c.typename).sort()).toEqual([...keyed].sort());
  });

  it.each(ROWS)('declares %s with its @key', (typename, { key }) => {
    const type = parse(readTypeDefs()).definitions.find((d) => d.kind === Kind.OBJECT_TYPE_DEFINITION && d.name.value === typename);
    const keys = (type && 'directives' in type ? (type.directives ?? []) : [])
      .filter((d) => d.name.value === 'key')
      .flatMap((d) => d.arguments?.flatMap((a) => (a.value.kind === Kind.STRING ? [a.value.value] : [])) ?? []);
    expect(keys).toContain(key);
  });

  it.each(ROWS)('resolves 50 %s references in one batch, each to its own entity', async (_typename, c) => {
    const reps = await c.seed(env, 50);
    const before = c.cost(env);
    const { data, errors } = await entities(c.typename, c.selection, reps);
    expect(errors).toBeUndefined();
    expect(c.cost(env) - before).toBe(c.batchCost?.(50) ?? 1);
    const resolved = data?.['_entities'] as Record<string, any>[];
    expect(resolved).toHaveLength(50);
    for (const [i, entity] of resolved.entries()) c.check(env, entity, reps[i] as Record<string, unknown>);
  });

  it.each(ROWS)('resolves an unknown %s reference to null next to a known one (a CopyTask with NOT_FOUND)', async (_typename, c) => {
    const [known] = await c.seed(env, 1);
    const { data, errors } = await entities(c.typename, c.selection, [c.unknown, known as Record<string, unknown>]);
    // A task reference may be someone else's task: the caller learns NOT_FOUND, as on every read of a
    // task, and a gateway that joins it reports that instead of a non-null violation of its own.
    if (c.typename === 'CopyTask')
      expect(errors?.map((e) => [e.extensions?.['code'], (e as { path?: unknown }).path])).toEqual([['NOT_FOUND', ['_entities', 0]]]);
    else expect(errors).toBeUndefined();
    const [unknown, found] = (data?.['_entities'] ?? []) as (Record<string, any> | null)[];
    expect(unknown).toBeNull();
    c.check(env, found as Record<string, any>, known as Record<string, unknown>);
  });

  it("resolves another principal's CopyTask reference to null with NOT_FOUND, as every read of a task does", async () => {
    const [mine] = await (ENTITY_CASES.find((c) => c.typename === 'CopyTask') as EntityCase).seed(env, 1);
    const { data, errors } = await entities('CopyTask', 'id status', [mine as Record<string, unknown>], BOB);
    expect(errors?.map((e) => e.extensions?.['code'])).toEqual(['NOT_FOUND']);
    expect(data?.['_entities']).toEqual([null]);
  });
});

describe('inline tracing', () => {
  it('returns an ftv1 trace when the gateway sends apollo-federation-include-trace: ftv1', async () => {
    const body = await post('{ copyTasks(first: 1) { pageInfo { hasNextPage } } }', {}, { 'apollo-federation-include-trace': 'ftv1' });
    expect(body.errors).toBeUndefined();
    const ftv1 = body.extensions?.['ftv1'];
    expect(ftv1).toEqual(expect.stringMatching(/^[A-Za-z0-9+/]+=*$/));
    // A protobuf `Trace`: non-empty, and it names the root field it timed.
    expect(Buffer.from(ftv1 as string, 'base64').toString('latin1')).toContain('copyTasks');
  });

  it('returns no trace when the header is absent', async () => {
    const body = await post('{ copyTasks(first: 1) { pageInfo { hasNextPage } } }');
    expect(body.extensions?.['ftv1']).toBeUndefined();
  });
});
