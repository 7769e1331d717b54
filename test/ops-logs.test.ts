/**
 * Request logs: one structured line per operation (name, type, principal, duration, outcome), a
 * request id (the caller's `x-request-id` when well-formed, else generated; answered in the response)
 * and the trace id on every line logged while serving it, whatever module logged it.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/core/logger.ts';
import { ALICE, type Stack, startStack } from './helpers/stack.ts';

const lines: Record<string, unknown>[] = [];
const sink = new Writable({
  write: (chunk, _enc, cb) => {
    for (const l of String(chunk).split('\n')) if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
    cb();
  },
});

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ logger: createLogger('info', sink) });
});
afterAll(() => stack?.close());

const COPY = `mutation Copy($input: CopyObjectInput!) { copyObject(input: $input) { __typename ... on CopyTask { id } } }`;
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';

async function post(body: unknown, headers: Record<string, string>): Promise<Response> {
  return fetch(stack.app.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
}

const copyInput = () => ({
  source: { bucket: 'demo-photos', key: 'photos/sunflower.jpg' },
  destination: { bucket: 'demo-backup', key: `logs/${Date.now()}-${Math.random()}.jpg` },
});

describe('request logs', () => {
  it('logs one line per operation with the caller’s request id and trace id, on every line made serving it', async () => {
    const res = await post(
      { query: COPY, variables: { input: copyInput() } },
      { authorization: `Bearer ${ALICE}`, 'x-request-id': 'req-42.abc', traceparent: `00-${TRACE_ID}-00f067aa0ba902b7-01` },
    );
    expect(res.headers.get('x-request-id')).toBe('req-42.abc');
    expect(((await res.json()) as { data: { copyObject: { __typename: string } } }).data.copyObject.__typename).toBe('CopyTask');
    const mine = lines.filter((l) => l['requestId'] === 'req-42.abc');
    const op = mine.filter((l) => l['msg'] === 'graphql operation');
    expect(op).toHaveLength(1);
    expect(op[0]).toMatchObject({
      operationName: 'Copy',
      operationType: 'mutation',
      principal: 'alice',
      outcome: 'ok',
      transport: 'http',
      traceId: TRACE_ID,
      results: { copyObject: 'CopyTask' },
    });
    expect(typeof op[0]?.['durationMs']).toBe('number');
    // The resolver's own line (logged through the services' logger, not the context) carries the same ids.
    expect(mine.find((l) => l['msg'] === 'object copied')).toMatchObject({ traceId: TRACE_ID, provider: 'QINIU' });
  });

  it('generates a request id when none or a malformed one is sent, and answers it', async () => {
    for (const sent of [undefined, 'has spaces and ; semicolons', 'x'.repeat(200)]) {
      const res = await post(
        { query: '{ copyTasks(first: 1) { edges { cursor } } }' },
        { authorization: `Bearer ${ALICE}`, ...(sent ? { 'x-request-id': sent } : {}) },
      );
      const id = res.headers.get('x-request-id');
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      expect(lines.filter((l) => l['requestId'] === id && l['msg'] === 'graphql operation')).toEqual([
        expect.objectContaining({ operationType: 'query', operationName: null, outcome: 'ok', principal: 'alice' }),
      ]);
    }
  });

  it('logs a refused request and a failed operation with their codes', async () => {
    const refused = await post({ query: '{ copyTasks(first: 1) { edges { cursor } } }' }, { 'x-request-id': 'refused-1' });
    expect(refused.status).toBe(401);
    expect(lines.find((l) => l['requestId'] === 'refused-1')).toMatchObject({ msg: 'graphql request refused', outcome: 'UNAUTHENTICATED' });
    const invalid = await post({ query: 'query Broken { nope }' }, { authorization: `Bearer ${ALICE}`, 'x-request-id': 'invalid-1' });
    // application/json: a request error answers 200 with the error in the body (GraphQL over HTTP).
    expect(invalid.status).toBe(200);
    expect(lines.find((l) => l['requestId'] === 'invalid-1' && l['msg'] === 'graphql operation')).toMatchObject({
      outcome: 'GRAPHQL_VALIDATION_FAILED',
      errorCodes: ['GRAPHQL_VALIDATION_FAILED'],
      principal: 'alice',
    });
  });

  it('never logs the API key or upstream credentials', () => {
    const text = JSON.stringify(lines);
    expect(text).not.toContain(ALICE);
    expect(text).not.toContain('demo-sk');
  });
});
