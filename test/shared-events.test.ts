/**
 * Subscription events executed once per audience (src/transport/shared-events.ts): subscribers with the
 * same event object, document, variables and principal, and no credentials of their own, share one
 * execution; a different principal, its own credentials, other variables or the first event (each
 * stream's own read) are executed on their own. Real graphql-js execution of a small schema whose
 * field resolver counts its calls.
 */
import { EventEmitter, on } from 'node:events';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { subscribeShared } from '../src/transport/shared-events.ts';

const graphql = createRequire(import.meta.url)('graphql') as typeof import('graphql');

function fixture() {
  const bus = new EventEmitter();
  bus.setMaxListeners(0);
  let calls = 0;
  const Task = new graphql.GraphQLObjectType({
    name: 'Task',
    fields: {
      id: { type: graphql.GraphQLString },
      status: {
        type: graphql.GraphQLString,
        resolve: (t: { status: string }) => {
          calls++;
          return t.status;
        },
      },
    },
  });
  const schema = new graphql.GraphQLSchema({
    query: new graphql.GraphQLObjectType({ name: 'Query', fields: { ok: { type: graphql.GraphQLBoolean } } }),
    subscription: new graphql.GraphQLObjectType({
      name: 'Subscription',
      fields: {
        task: {
          type: Task,
          args: { id: { type: graphql.GraphQLString } },
          // The current state (a fresh object per stream), then the bus's events (one object for all).
          subscribe: async function* (_p: unknown, { id }: { id: string }) {
            yield { id, status: 'RUNNING' };
            for await (const [event] of on(bus, id)) yield event;
          },
          resolve: (t: unknown) => t,
        },
      },
    }),
  });
  const document = graphql.parse('subscription ($id: String) { task(id: $id) { id status } }');
  const open = async (principal: string, id = 't1', requestCredentials: Record<string, unknown> = {}) => {
    const stream = await subscribeShared({ schema, document, variableValues: { id }, contextValue: { principal: { id: principal }, requestCredentials } });
    if (!(Symbol.asyncIterator in stream)) throw new Error('no stream');
    return stream;
  };
  return { bus, open, calls: () => calls };
}

describe('subscription events executed once per audience', () => {
  it('shares one execution of an event among subscribers of the same audience, never the first event', async () => {
    const f = fixture();
    const streams = await Promise.all([f.open('alice'), f.open('alice'), f.open('alice')]);
    const firsts = await Promise.all(streams.map((s) => s.next()));
    expect(firsts.map((r) => r.value)).toEqual(Array(3).fill({ data: { task: { id: 't1', status: 'RUNNING' } } }));
    expect(f.calls()).toBe(3);
    const next = Promise.all(streams.map((s) => s.next()));
    f.bus.emit('t1', { id: 't1', status: 'SUCCEEDED' });
    const seconds = await next;
    expect(seconds.map((r) => r.value)).toEqual(Array(3).fill({ data: { task: { id: 't1', status: 'SUCCEEDED' } } }));
    // One execution for the three.
    expect(f.calls()).toBe(4);
    for (const s of streams) await s.return();
  });

  it('executes separately for another principal, own credentials or other variables', async () => {
    const f = fixture();
    const streams = await Promise.all([f.open('alice'), f.open('bob'), f.open('alice', 't1', { qiniu: { accessKey: 'a', secretKey: 'b' } }), f.open('alice')]);
    await Promise.all(streams.map((s) => s.next()));
    const before = f.calls();
    const next = Promise.all(streams.map((s) => s.next()));
    f.bus.emit('t1', { id: 't1', status: 'FAILED' });
    await next;
    // alice ×2 share one; bob one; alice with her own credentials one.
    expect(f.calls() - before).toBe(3);
    for (const s of streams) await s.return();
  });

  it('ends the source stream when the subscriber leaves', async () => {
    const f = fixture();
    const s = await f.open('alice', 't2');
    await s.next();
    const pending = s.next();
    f.bus.emit('t2', { id: 't2', status: 'RUNNING' });
    await pending;
    expect(f.bus.listenerCount('t2')).toBe(1);
    await s.return();
    expect(f.bus.listenerCount('t2')).toBe(0);
    expect(await s.next()).toEqual({ done: true, value: undefined });
  });
});
