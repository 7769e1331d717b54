/**
 * The cross-request cache of Feishu `get_node` answers (issue 11, finding 8), proven by the Feishu
 * emulator's call counts: 50 references read twice within the TTL cost 50 calls, not 100; other
 * credentials never reuse them; copygraph's own copy drops the target parent's answer; TTL 0 turns
 * the cache off; the size bound holds.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FEISHU_DEMO, FEISHU_ROUTES } from '../emulators/feishu.ts';
import type { WikiNodeModel } from '../datasources/feishu-wiki.ts';
import { feishuScope, WikiNodeCache } from '../src/wiki-node-cache.ts';
import { BOB, type Stack, startStack } from './helpers/stack.ts';

const ENTITIES = `query($r: [_Any!]!) { _entities(representations: $r) { ... on WikiNode { nodeToken title hasChild } } }`;
const USER = { 'x-feishu-user-access-token': FEISHU_DEMO.userToken };

function seedNodes(stack: Stack, n: number, prefix: string): string[] {
  const emu = stack.emulators.feishu;
  return Array.from(
    { length: n },
    (_, i) => emu.addNode({ spaceId: FEISHU_DEMO.spaceId, parentNodeToken: FEISHU_DEMO.nodes.templates, title: `${prefix} ${i}` }).node_token,
  );
}

async function read(stack: Stack, tokens: readonly string[], options: { key?: string; headers?: Record<string, string> } = {}) {
  const data = await stack.data<{ _entities: ({ nodeToken: string; title: string; hasChild: boolean } | null)[] }>(
    ENTITIES,
    { r: tokens.map((nodeToken) => ({ __typename: 'WikiNode', nodeToken })) },
    options,
  );
  return data._entities;
}

describe('with the cache on (the default 30 s)', () => {
  let stack: Stack;
  const getNodeCalls = () => stack.emulators.feishu.control.calls(FEISHU_ROUTES.getNode);
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());

  it('reads 50 references twice with 50 get_node calls, not 100; other credentials do not reuse them', async () => {
    const tokens = seedNodes(stack, 50, 'Cached page');
    const before = getNodeCalls();
    const first = await read(stack, tokens);
    expect(first.map((n) => n?.title)).toEqual(tokens.map((_t, i) => `Cached page ${i}`));
    expect(getNodeCalls() - before).toBe(50);
    const second = await read(stack, tokens);
    expect(second).toEqual(first);
    expect(getNodeCalls() - before).toBe(50);
    // Another principal with the same configured app credentials reads what Feishu would answer it anyway.
    expect(await read(stack, tokens, { key: BOB })).toEqual(first);
    expect(getNodeCalls() - before).toBe(50);
    // A signed-in user's token is another scope: nothing the app read is reused for it.
    expect(await read(stack, tokens, { headers: USER })).toEqual(first);
    expect(getNodeCalls() - before).toBe(100);
    // …and its own reads are reused for it.
    await read(stack, tokens, { headers: USER });
    expect(getNodeCalls() - before).toBe(100);
  });

  it('drops the target parent after a copy made through copygraph, and knows the new node', async () => {
    const [parent] = seedNodes(stack, 1, 'Empty parent') as [string];
    expect((await read(stack, [parent]))[0]?.hasChild).toBe(false);
    const before = getNodeCalls();
    expect((await read(stack, [parent]))[0]?.hasChild).toBe(false);
    expect(getNodeCalls() - before).toBe(0);
    const copy = await stack.data(
      `mutation($input: CopyWikiNodeInput!) { copyWikiNode(input: $input) { __typename ... on CopyTask { result { ... on WikiNode { nodeToken } } } ... on CopyError { code message } } }`,
      { input: { spaceId: FEISHU_DEMO.spaceId, nodeToken: FEISHU_DEMO.nodes.firstWeek, targetParentToken: parent } },
    );
    expect(copy.copyWikiNode.__typename).toBe('CopyTask');
    const copied = copy.copyWikiNode.result.nodeToken as string;
    const afterCopy = getNodeCalls();
    const [p, c] = await read(stack, [parent, copied]);
    expect(p?.hasChild).toBe(true);
    expect(c?.nodeToken).toBe(copied);
    // The parent was read afresh; the copy came from the copy's own answer.
    expect(getNodeCalls() - afterCopy).toBe(1);
  });

  it('shares reads in flight: two requests at once for the same 20 nodes cost 20 get_node calls', async () => {
    const tokens = seedNodes(stack, 20, 'Busy page');
    const before = getNodeCalls();
    const [a, b] = await Promise.all([read(stack, tokens, { key: BOB }), read(stack, tokens)]);
    expect(a).toEqual(b);
    expect(a.map((n) => n?.title)).toEqual(tokens.map((_t, i) => `Busy page ${i}`));
    expect(getNodeCalls() - before).toBe(20);
  });

  it('does not keep failures: a node that was missing is asked again', async () => {
    const before = getNodeCalls();
    expect(await read(stack, ['wikcnNotThereYet'])).toEqual([null]);
    expect(await read(stack, ['wikcnNotThereYet'])).toEqual([null]);
    expect(getNodeCalls() - before).toBe(2);
  });
});

describe('with FEISHU_NODE_CACHE_TTL_MS=0', () => {
  it('reads every reference from Feishu each time', async () => {
    const stack = await startStack({ env: { FEISHU_NODE_CACHE_TTL_MS: '0' } });
    try {
      const tokens = seedNodes(stack, 30, 'Uncached page');
      const before = stack.emulators.feishu.control.calls(FEISHU_ROUTES.getNode);
      await read(stack, tokens);
      await read(stack, tokens);
      expect(stack.emulators.feishu.control.calls(FEISHU_ROUTES.getNode) - before).toBe(60);
    } finally {
      await stack.close();
    }
  });
});

describe('WikiNodeCache', () => {
  const node = (nodeToken: string, title = nodeToken): WikiNodeModel => ({ nodeToken, title }) as WikiNodeModel;

  it('expires entries after the TTL and keeps at most maxEntries, least recently used out first', () => {
    let now = 1_000;
    const cache = new WikiNodeCache({ ttlMs: 100, maxEntries: 2, now: () => now });
    cache.set('s', node('a'));
    cache.set('s', node('b'));
    expect(cache.get('s', 'a')?.title).toBe('a');
    cache.set('s', node('c'));
    // `b` was the least recently used.
    expect(cache.get('s', 'b')).toBeUndefined();
    expect(cache.size).toBe(2);
    now += 100;
    expect(cache.get('s', 'a')).toBeUndefined();
    expect(cache.get('s', 'c')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('does not keep a read that a copy invalidated while it was in flight', async () => {
    const cache = new WikiNodeCache({ ttlMs: 60_000, maxEntries: 100 });
    let answer: (nodes: WikiNodeModel[]) => void = () => {};
    const fetches: string[][] = [];
    const fetch = (tokens: readonly string[]) => {
      fetches.push([...tokens]);
      return new Promise<WikiNodeModel[]>((resolve) => (answer = resolve));
    };
    const first = cache.read('s', ['p'], fetch);
    // A second reader of the same node shares the read in flight.
    const second = cache.read('s', ['p'], fetch);
    expect(fetches).toEqual([['p']]);
    cache.invalidate('p');
    answer([node('p', 'before the copy')]);
    expect((await first)[0]).toMatchObject({ title: 'before the copy' });
    expect((await second)[0]).toMatchObject({ title: 'before the copy' });
    expect(cache.get('s', 'p')).toBeUndefined();
  });

  it('keeps scopes apart, and invalidates a node in every scope', () => {
    const cache = new WikiNodeCache({ ttlMs: 60_000, maxEntries: 100 });
    cache.set('app', node('n', 'as the app'));
    expect(cache.get('user', 'n')).toBeUndefined();
    cache.set('user', node('n', 'as the user'));
    expect(cache.get('app', 'n')?.title).toBe('as the app');
    cache.invalidate('n');
    expect(cache.get('app', 'n')).toBeUndefined();
    expect(cache.get('user', 'n')).toBeUndefined();
  });

  it('scopes differ whenever the credentials differ, and hold no credential', () => {
    const a = feishuScope({ appId: 'cli_a', appSecret: 'secret-1' });
    expect(feishuScope({ appId: 'cli_a', appSecret: 'secret-1' })).toBe(a);
    expect(feishuScope({ appId: 'cli_a', appSecret: 'secret-2' })).not.toBe(a);
    expect(feishuScope({ appId: 'cli_b', appSecret: 'secret-1' })).not.toBe(a);
    const user = feishuScope({ appId: 'cli_a', appSecret: 'secret-1', userAccessToken: 'u-token' });
    expect(user).not.toBe(a);
    expect(feishuScope({ userAccessToken: 'u-other' })).not.toBe(user);
    expect(`${a}${user}`).not.toMatch(/secret|u-token|cli_a/);
  });
});
