/**
 * The offline explorer as served (issue 11, finding 9), without a browser: the page and each asset
 * come from copygraph itself (the same bytes as the installed packages), the page loads nothing from
 * elsewhere, production without introspection has no explorer, and CORS lets frontend dev servers on
 * localhost call the API outside production. `npm run test:browser` drives it in chromium.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoBanner } from '../src/demo.ts';
import { ALICE, type Stack, startStack } from './helpers/stack.ts';

const require = createRequire(import.meta.url);
const installed = (pkg: string, file: string) => readFileSync(join(dirname(require.resolve(`${pkg}/package.json`)), file));

let stack: Stack;
let base: string;
beforeAll(async () => {
  stack = await startStack();
  base = stack.app.url.replace(/\/graphql$/, '');
});
afterAll(() => stack.close());

describe('GET /graphiql', () => {
  it('serves a page whose every script and stylesheet is on copygraph itself', async () => {
    const res = await fetch(`${base}/graphiql`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
    const html = await res.text();
    const refs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] as string);
    expect(refs.length).toBeGreaterThanOrEqual(5);
    for (const ref of refs) expect(ref.startsWith('/graphiql/assets/') || ref.startsWith('data:')).toBe(true);
    for (const ref of refs.filter((r) => r.startsWith('/'))) expect((await fetch(base + ref)).status).toBe(200);
  });

  it('serves GraphiQL, React and ReactDOM as installed from npm', async () => {
    const cases: [string, string, string, RegExp][] = [
      ['graphiql.min.js', 'graphiql', 'graphiql.min.js', /javascript/],
      ['graphiql.min.css', 'graphiql', 'graphiql.min.css', /text\/css/],
      ['react.production.min.js', 'react', 'umd/react.production.min.js', /javascript/],
      ['react-dom.production.min.js', 'react-dom', 'umd/react-dom.production.min.js', /javascript/],
    ];
    for (const [name, pkg, file, type] of cases) {
      const res = await fetch(`${base}/graphiql/assets/${name}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(type);
      expect(Buffer.from(await res.arrayBuffer()).equals(installed(pkg, file))).toBe(true);
    }
    expect((await fetch(`${base}/graphiql/assets/../../package.json`)).status).not.toBe(200);
    expect((await fetch(`${base}/graphiql/assets/nope.js`)).status).toBe(404);
    expect((await fetch(`${base}/graphiql`, { method: 'POST' })).status).toBe(405);
  });

  it('is linked from the demo banner', () => {
    expect(demoBanner('http://127.0.0.1:4000/graphql', true)).toContain('http://127.0.0.1:4000/graphiql');
  });
});

describe('production', () => {
  it('has no explorer when introspection is off, and one when it is on', async () => {
    const off = await startStack({ env: { NODE_ENV: 'production' } });
    expect((await fetch(off.app.url.replace(/\/graphql$/, '/graphiql'))).status).toBe(404);
    await off.close();
    const on = await startStack({ env: { NODE_ENV: 'production', COPYGRAPH_INTROSPECTION: 'true' } });
    expect((await fetch(on.app.url.replace(/\/graphql$/, '/graphiql'))).status).toBe(200);
    await on.close();
  });
});

describe('CORS for frontend dev servers', () => {
  const ask = (url: string, origin: string) =>
    fetch(url, {
      method: 'POST',
      headers: { origin, 'content-type': 'application/json', authorization: `Bearer ${ALICE}` },
      body: JSON.stringify({ query: '{ __typename }' }),
    });

  it('allows http://localhost:<any port> and http://127.0.0.1:<any port> outside production', async () => {
    for (const origin of ['http://localhost:3000', 'http://localhost:5173', 'http://127.0.0.1:8080']) {
      const res = await ask(stack.app.url, origin);
      expect(res.status).toBe(200);
      expect(res.headers.get('access-control-allow-origin')).toBe(origin);
    }
    for (const origin of ['http://localhost', 'http://localhost:3000.evil.example', 'https://localhost.evil.example:3000', 'http://evil.example:3000']) {
      expect((await ask(stack.app.url, origin)).status).toBe(403);
    }
  });

  it('refuses them in production', async () => {
    const prod = await startStack({ env: { NODE_ENV: 'production' } });
    expect((await ask(prod.app.url, 'http://localhost:3000')).status).toBe(403);
    await prod.close();
  });
});
