/**
 * copyWikiTree end to end over real HTTP: copygraph lists children on the Feishu emulator's "list space
 * nodes" route (paged, 50 a page) and copies each node under the copy of its parent. The emulator's
 * tree is the proof: the copy has the source's shape.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FEISHU_DEMO, FEISHU_ROUTES } from '../emulators/feishu.ts';
import type { FeishuEmulator } from '../emulators/feishu.ts';
import { eventually, type Stack, startStack } from './helpers/stack.ts';

const COPY = `mutation Copy($input: CopyWikiTreeInput!) {
  copyWikiTree(input: $input) {
    __typename
    ... on CopyTask { id provider status }
    ... on InvalidInputError { code fields { path message } }
    ... on UpstreamError { code upstreamCode }
  }
}`;

const TASK = `query Task($id: ID!, $status: CopyTaskItemStatus) {
  copyTask(id: $id) {
    status isFinal progress { completed total }
    result { __typename ... on WikiNode { nodeToken title parentNodeToken } }
    failures { itemId reason }
    items(first: 1000, status: $status) { edges { node { itemId status result error { code message } } } pageInfo { hasNextPage } }
  }
}`;

let stack: Stack;
let feishu: FeishuEmulator;
beforeAll(async () => {
  stack = await startStack();
  feishu = stack.emulators.feishu;
});
afterAll(() => stack.close());

async function finished(id: string, status?: string) {
  return eventually(
    async () => {
      const { copyTask } = await stack.data(TASK, { id, status });
      return copyTask.isFinal ? copyTask : undefined;
    },
    60_000,
    100,
  );
}

interface Shape {
  title: string;
  type: string;
  children: Shape[];
}

function shapeOf(token: string): Shape {
  const node = feishu.node(token);
  if (!node) throw new Error(`no node ${token}`);
  return { title: node.title, type: node.obj_type, children: feishu.children(FEISHU_DEMO.spaceId, token).map((c) => shapeOf(c.node_token)) };
}

const space = FEISHU_DEMO.spaceId;
let archiveToken: string | undefined;
/** A parent to copy trees under, made once in the Handbook space. */
const archiveOf = () => (archiveToken ??= add('Test archive', FEISHU_DEMO.nodes.root));
const add = (title: string, parentNodeToken: string, objType: 'docx' | 'sheet' = 'docx') =>
  feishu.addNode({ spaceId: space, title, parentNodeToken, objType }).node_token;

describe('copyWikiTree', () => {
  it('copies a 3-level tree (one parent with 60 children: two list pages) with its shape intact, each child under its parent’s copy', async () => {
    const top = add('Runbooks', FEISHU_DEMO.nodes.root);
    const a = add('Databases', top);
    const b = add('Queues', top, 'sheet');
    const c = add('Services', top);
    add('Failover', a);
    add('Backups', a, 'sheet');
    add('Kafka', b);
    add('Dead letters', b);
    for (let i = 0; i < 60; i++) add(`Service ${i}`, c);
    const target = add('Restored', archiveOf());
    feishu.control.resetCalls();

    const { copyWikiTree } = await stack.data(COPY, { input: { spaceId: space, nodeToken: top, targetParentToken: target, title: 'Runbooks (copy)' } });
    expect(copyWikiTree).toMatchObject({ __typename: 'CopyTask', provider: 'FEISHU' });
    const task = await finished(copyWikiTree.id);
    expect(task.status).toBe('SUCCEEDED');
    expect(task.progress).toEqual({ completed: 68, total: 68 });

    const copies = feishu.children(space, target);
    expect(copies).toHaveLength(1);
    const copyTop = copies[0]?.node_token as string;
    expect(task.result).toEqual({ __typename: 'WikiNode', nodeToken: copyTop, title: 'Runbooks (copy)', parentNodeToken: target });
    expect(shapeOf(copyTop)).toEqual({ ...shapeOf(top), title: 'Runbooks (copy)' });

    // Each item maps a source node to its copy, and every copy is a new node.
    const items = task.items.edges.map((e: any) => e.node);
    expect(items).toHaveLength(68);
    expect(items[0]).toEqual({ itemId: top, status: 'SUCCEEDED', result: copyTop, error: null });
    expect(new Set(items.map((i: any) => i.result)).size).toBe(68);
    for (const i of items) expect(feishu.node(i.result)?.title).toBe(i.itemId === top ? 'Runbooks (copy)' : feishu.node(i.itemId)?.title);

    expect(feishu.control.calls(FEISHU_ROUTES.copy)).toBe(68);
    // The top, its three children (the third in two pages of 50); leaves have no children to list.
    expect(feishu.control.calls(FEISHU_ROUTES.listNodes)).toBe(5);
  });

  it('copies only down to maxDepth', async () => {
    const top = add('Shallow', FEISHU_DEMO.nodes.root);
    const mid = add('Level 1', top);
    add('Level 2', mid);
    const target = add('Shallow target', archiveOf());
    const { copyWikiTree } = await stack.data(COPY, { input: { spaceId: space, nodeToken: top, targetParentToken: target, maxDepth: 1 } });
    const task = await finished(copyWikiTree.id);
    expect(task.status).toBe('SUCCEEDED');
    const copyTop = feishu.children(space, target)[0]?.node_token as string;
    expect(shapeOf(copyTop)).toEqual({ title: 'Shallow', type: 'docx', children: [{ title: 'Level 1', type: 'docx', children: [] }] });
  });

  it('turns Feishu’s depth limit (131003) into LIMIT_EXCEEDED items, and copies nothing below a node it refused', async () => {
    // A target 49 levels down: the top copy lands at level 50, its child would be level 51.
    let parent: string = archiveOf();
    for (let depth = 3; depth <= 49; depth++) parent = add(`Deep ${depth}`, parent);
    const top = add('Deep tree', FEISHU_DEMO.nodes.root);
    const child = add('Too deep', top);
    const grandchild = add('Even deeper', child);
    const { copyWikiTree } = await stack.data(COPY, { input: { spaceId: space, nodeToken: top, targetParentToken: parent } });
    const task = await finished(copyWikiTree.id);
    expect(task.status).toBe('PARTIALLY_SUCCEEDED');
    const items = task.items.edges.map((e: any) => e.node);
    expect(items.map((i: any) => [i.itemId, i.status, i.error?.code ?? null])).toEqual([
      [top, 'SUCCEEDED', null],
      [child, 'FAILED', 'LIMIT_EXCEEDED'],
    ]);
    expect(items[1].error.message).toMatch(/at most 50 levels deep/);
    expect(feishu.children(space, items[0].result)).toEqual([]);
    expect(grandchild).toBeTruthy();
  });

  it('settles a copy whose answer was lost (timeout after Feishu made it) by finding it under its target: no node copied twice', async () => {
    const slow = await startStack({ env: { COPYGRAPH_UPSTREAM_TIMEOUT_MS: '300' } });
    try {
      const emu = slow.emulators.feishu;
      const mk = (title: string, parentNodeToken: string) => emu.addNode({ spaceId: space, title, parentNodeToken }).node_token;
      const top = mk('Lost answers', FEISHU_DEMO.nodes.root);
      const child = mk('Child', top);
      mk('Grandchild', child);
      mk('Sibling', top);
      const target = mk('Lost target', FEISHU_DEMO.nodes.root);
      emu.control.resetCalls();
      // The copies of the top and of its first child are made, but answered after copygraph gave up.
      emu.answerCopiesLate(2, 1_000);
      const { copyWikiTree } = await slow.data(COPY, { input: { spaceId: space, nodeToken: top, targetParentToken: target } });
      const task = await eventually(
        async () => {
          const { copyTask } = await slow.data(TASK, { id: copyWikiTree.id });
          return copyTask.isFinal ? copyTask : undefined;
        },
        60_000,
        100,
      );
      expect(task.status).toBe('SUCCEEDED');
      expect(emu.control.calls(FEISHU_ROUTES.copy)).toBe(4);
      // Children of the top and of Child (2), plus one look under each lost copy's target to settle it (2).
      expect(emu.control.calls(FEISHU_ROUTES.listNodes)).toBe(4);
      const copies = emu.children(space, target);
      expect(copies).toHaveLength(1);
      const shape = (token: string): Shape => {
        const n = emu.node(token) as { title: string; obj_type: string };
        return { title: n.title, type: n.obj_type, children: emu.children(space, token).map((c) => shape(c.node_token)) };
      };
      expect(shape(copies[0]?.node_token as string)).toEqual(shape(top));
    } finally {
      await slow.close();
    }
  });

  it('refuses a tree copied under itself and a missing source before copying anything', async () => {
    const top = add('Loop', FEISHU_DEMO.nodes.root);
    const inside = add('Inside', top);
    feishu.control.resetCalls();
    const loop = await stack.data(COPY, { input: { spaceId: space, nodeToken: top, targetParentToken: inside } });
    expect(loop.copyWikiTree).toMatchObject({
      __typename: 'InvalidInputError',
      fields: [{ path: 'targetParentToken', message: 'the target lies inside the tree to copy' }],
    });
    const missing = await stack.data(COPY, { input: { spaceId: space, nodeToken: 'wikcnNoSuchNode', targetSpaceId: space } });
    expect(missing.copyWikiTree).toMatchObject({ __typename: 'UpstreamError', code: 'NOT_FOUND' });
    expect(feishu.control.calls(FEISHU_ROUTES.copy)).toBe(0);
  });
});
