/**
 * Subscriptions whose events are executed once per audience instead of once per subscriber.
 *
 * graphql-js `subscribe` maps every source event through `execute` for each subscriber on its own: with
 * 10,000 sockets watching one task, one change is executed (and its result built) 10,000 times, and the
 * last subscriber hears of it half a second late. The in-process pub/sub hands every stream of a task
 * the same record object, so subscribers that would get the same answer can share it: same event
 * object, same document, same variables and operation, same principal, and no per-request provider
 * credentials (a subscriber with its own credentials may resolve entity fields differently, so it is
 * executed on its own, as before). The first of an audience executes the event with its own context;
 * the others take its result. Results are kept per event object (a WeakMap), so they live exactly as
 * long as the event does.
 *
 * Nothing crosses principals: the principal's id is part of the audience. A subscriber's first event
 * (the current state, read by each stream itself) is never shared.
 */
import type { DocumentNode, ExecutionArgs, ExecutionResult } from 'graphql';
import { createRequire } from 'node:module';
import type { RequestContext } from '../context.ts';

const graphql = createRequire(import.meta.url)('graphql') as typeof import('graphql');

type Result = ExecutionResult | Promise<ExecutionResult>;

/** Per event object: per audience, the result of executing it. */
const results = new WeakMap<object, Map<string, Result>>();
/** A stable number per document object (prepared documents are shared per query text). */
const documentIds = new WeakMap<DocumentNode, number>();
let nextDocumentId = 1;

function documentId(document: DocumentNode): number {
  let id = documentIds.get(document);
  if (id === undefined) documentIds.set(document, (id = nextDocumentId++));
  return id;
}

/** Who may share results, or undefined when this subscriber must be executed on its own. */
export function audienceOf(args: ExecutionArgs): string | undefined {
  const ctx = args.contextValue as Partial<RequestContext> | undefined;
  const principal = ctx?.principal?.id;
  if (principal === undefined) return undefined;
  if (ctx?.requestCredentials && Object.keys(ctx.requestCredentials).length > 0) return undefined;
  let variables: string;
  try {
    variables = JSON.stringify(args.variableValues ?? {});
  } catch {
    return undefined;
  }
  return `${principal}\u0000${documentId(args.document)}\u0000${args.operationName ?? ''}\u0000${variables}`;
}

function executeShared(args: ExecutionArgs, audience: string | undefined, payload: unknown): Result {
  const run = () => graphql.execute({ ...args, rootValue: payload });
  if (audience === undefined || payload === null || typeof payload !== 'object') return run();
  let byAudience = results.get(payload);
  if (!byAudience) results.set(payload, (byAudience = new Map()));
  let result = byAudience.get(audience);
  if (result === undefined) byAudience.set(audience, (result = run()));
  return result;
}

/**
 * graphql-js `subscribe`, with each source event executed once per audience (see above). Same
 * contract: a result with errors when the subscription cannot start, else an async iterator of results
 * whose `return()` ends the source stream.
 */
export async function subscribeShared(args: ExecutionArgs): Promise<AsyncGenerator<ExecutionResult, void, void> | ExecutionResult> {
  const source = await graphql.createSourceEventStream(args);
  if (!(Symbol.asyncIterator in source)) return source as ExecutionResult;
  const events = (source as AsyncIterable<unknown>)[Symbol.asyncIterator]();
  const audience = audienceOf(args);
  let first = true;
  const iterator: AsyncGenerator<ExecutionResult, void, void> = {
    async next() {
      const step = await events.next();
      if (step.done) return { done: true, value: undefined };
      // The first event is each stream's own read of the current state: never shared.
      const shared = first ? undefined : audience;
      first = false;
      return { done: false, value: await executeShared(args, shared, step.value) };
    },
    async return() {
      await events.return?.();
      return { done: true, value: undefined };
    },
    async throw(error: unknown) {
      await events.return?.();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  return iterator;
}
