/**
 * copyTodos (Blue) and copyCozeEntities (Coze) end to end over real HTTP against the emulators: one task
 * of many items, each item's copy proven by the emulator's state.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BLUE_DEMO, COZE_DEMO } from '../emulators/index.ts';
import { eventually, type Stack, startStack } from './helpers/stack.ts';

const TASK = `query Task($id: ID!) {
  copyTask(id: $id) {
    provider status isFinal progress { completed total }
    failures { itemId reason }
    items(first: 1000) { edges { node { itemId status result note error { code message } } } }
  }
}`;

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());

async function finished(id: string, tick?: () => void) {
  return eventually(
    async () => {
      tick?.();
      const { copyTask } = await stack.data(TASK, { id });
      return copyTask.isFinal ? copyTask : undefined;
    },
    60_000,
    100,
  );
}

describe('copyTodos', () => {
  it('copies several records into one list, in order, each identified by its new id; a missing record fails alone', async () => {
    const todos = [BLUE_DEMO.todos.launchPlan, 'cdemo0todo-missing', BLUE_DEMO.todos.pricingPage];
    const { copyTodos } = await stack.data(
      `mutation($input: CopyTodosInput!) { copyTodos(input: $input) { __typename ... on CopyTask { id } ... on CopyError { code message } } }`,
      { input: { todoIds: todos, todoListId: BLUE_DEMO.lists.archive.backlog, options: ['DESCRIPTION', 'TAGS'] } },
    );
    expect(copyTodos.__typename).toBe('CopyTask');
    const task = await finished(copyTodos.id);
    expect(task).toMatchObject({ provider: 'BLUE', status: 'PARTIALLY_SUCCEEDED', progress: { completed: 3, total: 3 } });
    const items = task.items.edges.map((e: any) => e.node);
    expect(items.map((i: any) => [i.itemId, i.status, i.error?.code ?? null])).toEqual([
      [BLUE_DEMO.todos.launchPlan, 'SUCCEEDED', null],
      ['cdemo0todo-missing', 'FAILED', 'NOT_FOUND'],
      [BLUE_DEMO.todos.pricingPage, 'SUCCEEDED', null],
    ]);
    // Each result is a new record in the target list with its source's title.
    for (const i of [items[0], items[2]]) {
      expect(i.result).toBeTruthy();
      expect(i.result).not.toBe(i.itemId);
      const { copy, source } = await stack.data(
        `query($a: ID!, $b: ID!) { copy: _entities(representations: [{ __typename: "BlueTodo", id: $a }]) { ... on BlueTodo { title todoList { id } } } source: _entities(representations: [{ __typename: "BlueTodo", id: $b }]) { ... on BlueTodo { title } } }`,
        {
          a: i.result,
          b: i.itemId,
        },
      );
      expect(copy[0]).toEqual({ title: source[0].title, todoList: { id: BLUE_DEMO.lists.archive.backlog } });
    }
  });
});

describe('copyCozeEntities', () => {
  const MUTATION = `mutation($input: CopyCozeEntitiesInput!) { copyCozeEntities(input: $input) { __typename ... on CopyTask { id } ... on CopyError { code message } } }`;
  const tick = () => stack.emulators.coze.control.clock.advance(5_000);

  it('copies a bot synchronously within its workspace', async () => {
    const { copyCozeEntities } = await stack.data(MUTATION, { input: { entities: [{ entityId: COZE_DEMO.botId, entityType: 'BOT' }] } });
    const task = await finished(copyCozeEntities.id, tick);
    expect(task.status).toBe('SUCCEEDED');
    const [item] = task.items.edges.map((e: any) => e.node);
    expect(item).toMatchObject({ itemId: COZE_DEMO.botId, status: 'SUCCEEDED' });
    expect(item.result).toMatch(/^\d+$/);
    expect(item.result).not.toBe(COZE_DEMO.botId);
  });

  it('follows each cross-workspace copy as its Coze task; failed_reasons become the failed item’s error', async () => {
    const { copyCozeEntities } = await stack.data(MUTATION, {
      input: {
        toWorkspaceId: COZE_DEMO.otherTeamWorkspaceId,
        entities: [
          { entityId: COZE_DEMO.workflowId, entityType: 'WORKFLOW' },
          { entityId: COZE_DEMO.failingBotId, entityType: 'BOT' },
          { entityId: COZE_DEMO.botId, entityType: 'BOT' },
        ],
      },
    });
    const task = await finished(copyCozeEntities.id, tick);
    expect(task).toMatchObject({ provider: 'COZE', status: 'PARTIALLY_SUCCEEDED', progress: { completed: 3, total: 3 } });
    const items = task.items.edges.map((e: any) => e.node);
    expect(items.map((i: any) => [i.itemId, i.status])).toEqual([
      [COZE_DEMO.workflowId, 'SUCCEEDED'],
      [COZE_DEMO.failingBotId, 'FAILED'],
      [COZE_DEMO.botId, 'SUCCEEDED'],
    ]);
    expect(items[0].result).toMatch(/^\d+$/);
    expect(items[1].error.message).toMatch(/Coze could not copy it \(.+\)/);
    expect(task.failures.map((f: any) => f.itemId)).toEqual([COZE_DEMO.failingBotId]);
  });
});
