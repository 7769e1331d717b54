/**
 * The README's bulk examples ("Bulk and tree copies"), run as written against the demo data: each
 * answers a task that ends SUCCEEDED or PARTIALLY_SUCCEEDED with every item done.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type Stack, startStack } from './helpers/stack.ts';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const section = readme.slice(readme.indexOf('### Bulk and tree copies'), readme.indexOf('## Concepts'));
const mutations = [...section.matchAll(/```graphql\n(mutation[\s\S]*?)```/g)].map((m) => m[1] as string);

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());

describe('README bulk examples', () => {
  it('has one for each bulk mutation', () => {
    expect(mutations.map((m) => /\{\s*(\w+)\(/.exec(m)?.[1])).toEqual(['copyObjects', 'copyWikiTree', 'copyTodos', 'copyCozeEntities']);
  });

  it.each(mutations.map((m) => [/\{\s*(\w+)\(/.exec(m)?.[1], m]))('%s runs on the demo data', async (_name, mutation) => {
    const data = await stack.data(mutation as string);
    const answer = Object.values(data)[0] as { __typename: string; id: string };
    expect(answer.__typename).toBe('CopyTask');
    const task = await eventually(
      async () => {
        stack.emulators.coze.control.clock.advance(5_000);
        const { copyTask } = await stack.data('query($id: ID!) { copyTask(id: $id) { status isFinal progress { completed total } } }', { id: answer.id });
        return copyTask.isFinal ? copyTask : undefined;
      },
      60_000,
      100,
    );
    expect(['SUCCEEDED', 'PARTIALLY_SUCCEEDED']).toContain(task.status);
    expect(task.progress.completed).toBe(task.progress.total);
    expect(task.progress.total).toBeGreaterThan(1);
  });
});
