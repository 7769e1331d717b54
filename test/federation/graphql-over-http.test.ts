/**
 * GraphQL over HTTP: `graphql-http`'s audit of the spec (no MUST fails, and the SHOULDs hold too),
 * and the decisions of src/transport/graphql-over-http.ts: CSRF prevention that lets a request with
 * `Authorization` through (it cannot be a browser's simple request) and still refuses one without,
 * 200 for request errors answered as `application/json` and 4xx as `application/graphql-response+json`,
 * 401 with `WWW-Authenticate` for a missing key, `application/graphql` bodies, and batched arrays
 * (Apollo Client's BatchHttpLink end to end) up to a limit.
 */
import { ApolloClient, InMemoryCache } from '@apollo/client';
import { BatchHttpLink } from '@apollo/client/link/batch-http';
import { gql } from 'graphql-tag';
import { auditServer } from 'graphql-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_BATCH_OPERATIONS } from '../../src/transport/graphql-over-http.ts';
import { ALICE, type Stack, startStack } from '../helpers/stack.ts';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
});

afterAll(async () => {
  await stack?.close();
});

/** A client of an authenticated API sends its key on every request. */
const withKey: typeof fetch = (input, init = {}) => {
  const headers = new Headers(init.headers);
  headers.set('authorization', `Bearer ${ALICE}`);
  return fetch(input, { ...init, headers });
};

const auth = { authorization: `Bearer ${ALICE}` };

describe('graphql-http audit', () => {
  it('passes every MUST and SHOULD of the GraphQL-over-HTTP spec', async () => {
    const results = await auditServer({ url: stack.app.url, fetchFn: withKey });
    const failed = results.filter((r) => r.status !== 'ok').map((r) => `${r.status} ${r.id} ${r.name}: ${'reason' in r ? r.reason : ''}`);
    expect(results.length).toBeGreaterThan(50);
    expect(failed).toEqual([]);
  });
});

describe('CSRF prevention', () => {
  const get = (headers: Record<string, string>) => fetch(`${stack.app.url}?query=${encodeURIComponent('{ copyTasks { edges { cursor } } }')}`, { headers });

  it('takes a GET query that carries Authorization without a preflight header (gateways, GET clients)', async () => {
    const res = await get(auth);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { data: unknown }).data).toEqual({ copyTasks: { edges: [] } });
  });

  it('still refuses a GET without Authorization and without a preflight header (what a cross-site page can send)', async () => {
    const res = await get({});
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('Cross-Site Request Forgery');
  });

  it('refuses a text/plain POST (a simple cross-site form body) without Authorization', async () => {
    const res = await fetch(stack.app.url, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"query":"{ __typename }"}' });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('Cross-Site Request Forgery');
  });
});

describe('status codes', () => {
  const post = (accept: string, query: string, headers: Record<string, string> = auth) =>
    fetch(stack.app.url, { method: 'POST', headers: { 'content-type': 'application/json', accept, ...headers }, body: JSON.stringify({ query }) });

  it.each([
    ['a parse error', '{ copyTask(', 'GRAPHQL_PARSE_FAILED'],
    ['a validation error', '{ copyTask(id: "x") { nope } }', 'GRAPHQL_VALIDATION_FAILED'],
  ])('answers %s with 200 as application/json and 400 as application/graphql-response+json', async (_name, query, code) => {
    const json = await post('application/json', query);
    expect(json.status).toBe(200);
    expect(((await json.json()) as { errors: { extensions: { code: string } }[] }).errors[0]?.extensions.code).toBe(code);
    const modern = await post('application/graphql-response+json', query);
    expect(modern.status).toBe(400);
    expect(modern.headers.get('content-type')).toContain('application/graphql-response+json');
  });

  it('answers a missing API key with 401 and WWW-Authenticate: Bearer', async () => {
    const res = await post('application/json', '{ __typename }', {});
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(((await res.json()) as { errors: { extensions: { code: string } }[] }).errors[0]?.extensions.code).toBe('UNAUTHENTICATED');
  });
});

describe('request bodies', () => {
  it('takes an application/graphql body as the query text', async () => {
    const res = await fetch(stack.app.url, {
      method: 'POST',
      headers: { 'content-type': 'application/graphql', ...auth },
      body: '{ copyTasks { edges { cursor } } }',
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ data: { copyTasks: { edges: [] } } });
  });

  it('answers a batched array with one result per operation, in order', async () => {
    const task = await stack.app.services.tasks.create({ owner: 'alice', provider: 'QINIU', credentialSource: 'config', change: { status: 'SUCCEEDED' } });
    const res = await fetch(stack.app.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...auth },
      body: JSON.stringify([
        { query: 'query($id: ID!) { copyTask(id: $id) { id status } }', variables: { id: task.id } },
        { query: '{ copyTask(id: "missing") { id } }' },
        { query: '{ nope }' },
      ]),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { data?: unknown; errors?: { extensions: { code: string } }[] }[];
    expect(body).toHaveLength(3);
    expect(body[0]).toEqual({ data: { copyTask: { id: task.id, status: 'SUCCEEDED' } } });
    expect(body[1]).toEqual({ data: { copyTask: null } });
    expect(body[2]?.errors?.[0]?.extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it(`refuses a batch of more than ${MAX_BATCH_OPERATIONS} operations before running any`, async () => {
    const res = await fetch(stack.app.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...auth },
      body: JSON.stringify(Array.from({ length: MAX_BATCH_OPERATIONS + 1 }, () => ({ query: '{ __typename }' }))),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { errors: { extensions: { code: string } }[] }).errors[0]?.extensions.code).toBe('BAD_REQUEST');
  });

  it("sends Apollo Client's BatchHttpLink queries as one request and reads every answer", async () => {
    let requests = 0;
    const counting: typeof fetch = (input, init) => {
      requests++;
      return fetch(input, init);
    };
    const client = new ApolloClient({
      link: new BatchHttpLink({ uri: stack.app.url, headers: auth, fetch: counting, batchInterval: 20 }),
      cache: new InMemoryCache(),
    });
    const q = gql`
      query Task($id: ID!) {
        copyTask(id: $id) {
          id
        }
      }
    `;
    const results = await Promise.all(['a', 'b', 'c'].map((id) => client.query<{ copyTask: null }>({ query: q, variables: { id } })));
    expect(results.map((r) => r.data)).toEqual([{ copyTask: null }, { copyTask: null }, { copyTask: null }]);
    expect(requests).toBe(1);
  });
});
