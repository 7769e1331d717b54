/**
 * Subscriptions over Apollo's multipart HTTP protocol: Apollo Client 4 with only an HttpLink (no
 * WebSocket) follows a task to its final state; another principal's task ends with NOT_FOUND; a
 * client that leaves releases the task listener at once.
 */
import { ApolloClient, HttpLink, InMemoryCache } from '@apollo/client';
import { gql } from 'graphql-tag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Provider } from '../../src/core/errors.ts';
import { type CopyTaskRecord, TaskStatus } from '../../src/tasks/model.ts';
import { type InstrumentedApp, startInstrumentedApp } from '../fixtures/instrumented-app.ts';
import { ALICE, BOB, eventually } from '../helpers/stack.ts';

let fed: InstrumentedApp;

beforeAll(async () => {
  fed = await startInstrumentedApp();
});

afterAll(async () => {
  await fed?.close();
});

const UPDATES = gql`
  subscription Updates($id: ID!) {
    copyTaskUpdated(id: $id) {
      id
      status
      progress {
        completed
      }
    }
  }
`;

interface Update {
  copyTaskUpdated: { id: string; status: string; progress: { completed: number } | null };
}

const client = (key: string) =>
  new ApolloClient({ link: new HttpLink({ uri: fed.app.url, headers: { authorization: `Bearer ${key}` } }), cache: new InMemoryCache() });

function runningTask(): Promise<CopyTaskRecord> {
  return fed.app.services.tasks.create({
    owner: 'alice',
    provider: Provider.COZE,
    credentialSource: 'config',
    change: { status: TaskStatus.RUNNING, progress: { completed: 0, total: 2 } },
  });
}

describe('multipart HTTP subscriptions (Apollo Client HttpLink)', () => {
  it('streams every change of a task and completes after the final state', async () => {
    let task = await runningTask();
    const values: Update[] = [];
    const errors: unknown[] = [];
    await new Promise<void>((resolve, reject) => {
      client(ALICE)
        .subscribe<Update>({ query: UPDATES, variables: { id: task.id } })
        .subscribe({
          next: (r) => {
            if (r.error) errors.push(r.error);
            if (!r.data) return;
            values.push(r.data as Update);
            const step =
              values.length === 1
                ? { progress: { completed: 1, total: 2 } }
                : values.length === 2
                  ? { status: TaskStatus.SUCCEEDED, progress: { completed: 2, total: 2 } }
                  : undefined;
            if (step)
              void fed.app.services.tasks.change(task, step).then((t) => {
                task = t;
              }, reject);
          },
          error: reject,
          complete: resolve,
        });
    });
    expect(errors).toEqual([]);
    expect(values.map((v) => [v.copyTaskUpdated.status, v.copyTaskUpdated.progress?.completed])).toEqual([
      ['RUNNING', 0],
      ['RUNNING', 1],
      ['SUCCEEDED', 2],
    ]);
    await eventually(() => (fed.listeners.get(task.id) === 0 ? true : undefined));
  });

  it("ends with NOT_FOUND for another principal's task", async () => {
    const task = await runningTask();
    const codes = await new Promise<unknown[]>((resolve, reject) => {
      const seen: unknown[] = [];
      client(BOB)
        .subscribe<Update>({ query: UPDATES, variables: { id: task.id } })
        .subscribe({
          next: (r) => {
            expect(r.data).toBeUndefined();
            const errs = (r.error as { errors?: { extensions?: { code?: string } }[] } | undefined)?.errors ?? [];
            seen.push(...errs.map((e) => e.extensions?.code));
          },
          error: (e: { errors?: { extensions?: { code?: string } }[] }) => resolve([...seen, ...(e.errors ?? []).map((x) => x.extensions?.code)]),
          complete: () => resolve(seen),
        });
      setTimeout(() => reject(new Error('no end')), 10_000).unref();
    });
    expect(codes).toEqual(['NOT_FOUND']);
  });

  it('releases the task listener at once when the client leaves', async () => {
    const task = await runningTask();
    let unsubscribe = () => {};
    await new Promise<void>((resolve) => {
      const sub = client(ALICE)
        .subscribe<Update>({ query: UPDATES, variables: { id: task.id } })
        .subscribe({ next: () => resolve() });
      unsubscribe = () => sub.unsubscribe();
    });
    expect(fed.listeners.get(task.id)).toBe(1);
    unsubscribe();
    await eventually(() => (fed.listeners.get(task.id) === 0 ? true : undefined));
  });
});
