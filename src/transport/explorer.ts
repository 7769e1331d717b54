/**
 * Transport: an explorer that works with no internet at all. `GET /graphiql` serves GraphiQL 3 from
 * npm, and every asset it needs (React 18, ReactDOM 18, GraphiQL's bundle and stylesheet, and the small
 * start script below) from `/graphiql/assets/…`, read from node_modules once and kept in memory. Apollo
 * Sandbox stays on `GET /graphql` (it loads from Apollo's CDN: fine online, blank offline).
 *
 * Subscriptions run over graphql-ws on the same `/graphql` path: GraphiQL's UMD bundle carries its own
 * graphql-ws client (`createGraphiQLFetcher({ subscriptionUrl })`), so no other file is needed. The API
 * key goes in a small field above the editor (kept in the tab's sessionStorage only): it is sent as
 * `Authorization: Bearer …` on HTTP and in the `connection_init` payload on WebSocket. The header editor
 * adds or overrides headers (for example `x-feishu-user-access-token`) on both.
 *
 * Served where the landing page is: outside production, or in production only when introspection
 * is on (the explorer needs it). The page sends a Content-Security-Policy that allows this origin only.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { GRAPHQL_PATH, type ServeOptions, sendPlain } from './request.ts';

export const EXPLORER_PATH = '/graphiql';
const ASSETS_PATH = `${EXPLORER_PATH}/assets/`;

const require = createRequire(import.meta.url);

interface Asset {
  readonly type: string;
  /** A file of an installed package (found through its package.json: `exports` may hide it), or the text itself. */
  readonly source: { readonly pkg: string; readonly file: string } | { readonly text: string };
}

/** What the page asks the explorer to start with. */
const DEFAULT_QUERY = `# copygraph explorer (GraphiQL, served offline by copygraph itself).
# Put your API key in the field above; subscriptions run over graphql-ws.
#
# Your latest tasks:
query MyTasks {
  copyTasks(first: 10) {
    totalCount
    edges { node { id provider status isFinal upstreamTaskIds } }
  }
}
`;

/**
 * Starts GraphiQL: the fetcher sends the key field's value on HTTP and WebSocket, and is rebuilt (with
 * the schema reloaded) when the key changes.
 */
const START_SCRIPT = `(function () {
  'use strict';
  var config = JSON.parse(document.getElementById('explorer-config').textContent);
  var url = new URL(config.graphqlPath, location.href).href;
  var wsUrl = url.replace(/^http/, 'ws');
  var STORAGE = 'copygraph:apiKey';
  var input = document.getElementById('api-key');
  input.value = sessionStorage.getItem(STORAGE) || '';
  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  function render() {
    var key = input.value.trim();
    var auth = key ? { authorization: 'Bearer ' + key } : {};
    var fetcher = GraphiQL.createFetcher({ url: url, subscriptionUrl: wsUrl, headers: auth, wsConnectionParams: auth });
    root.render(React.createElement(GraphiQL, { fetcher: fetcher, defaultQuery: config.defaultQuery, defaultEditorToolsVisibility: true }));
  }
  document.getElementById('api-key-form').addEventListener('submit', function (event) {
    event.preventDefault();
    sessionStorage.setItem(STORAGE, input.value.trim());
    render();
  });
  render();
})();
`;

const ASSETS: ReadonlyMap<string, Asset> = new Map<string, Asset>([
  ['react.production.min.js', { type: 'text/javascript; charset=utf-8', source: { pkg: 'react', file: 'umd/react.production.min.js' } }],
  ['react-dom.production.min.js', { type: 'text/javascript; charset=utf-8', source: { pkg: 'react-dom', file: 'umd/react-dom.production.min.js' } }],
  ['graphiql.min.js', { type: 'text/javascript; charset=utf-8', source: { pkg: 'graphiql', file: 'graphiql.min.js' } }],
  ['graphiql.min.css', { type: 'text/css; charset=utf-8', source: { pkg: 'graphiql', file: 'graphiql.min.css' } }],
  ['explorer.js', { type: 'text/javascript; charset=utf-8', source: { text: START_SCRIPT } }],
]);

/** The page's policy: everything from this origin (WebSocket included), fonts and images inline. */
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "font-src 'self' data:",
  "img-src 'self' data:",
  "connect-src 'self' ws: wss:",
  "frame-ancestors 'self'",
].join('; ');

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function page(): string {
  // JSON inside <script type="application/json">: `<` escaped so no `</script>` can close it.
  const config = JSON.stringify({ graphqlPath: GRAPHQL_PATH, defaultQuery: DEFAULT_QUERY }).replace(/</g, '\\u003c');
  const asset = (name: string) => escapeHtml(ASSETS_PATH + name);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>copygraph explorer</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${asset('graphiql.min.css')}">
<style>
  html, body { height: 100%; margin: 0; }
  body { display: flex; flex-direction: column; font-family: system-ui, sans-serif; }
  #api-key-form { display: flex; gap: 8px; align-items: center; padding: 6px 12px; border-bottom: 1px solid #ddd; font-size: 14px; }
  #api-key { width: 28em; font-family: monospace; }
  #api-key-form small { color: #666; }
  #graphiql { flex: 1; min-height: 0; }
</style>
</head>
<body>
<form id="api-key-form">
  <label for="api-key">API key</label>
  <input id="api-key" name="api-key" type="password" autocomplete="off" spellcheck="false" placeholder="one of COPYGRAPH_API_KEYS (empty in open demo mode)">
  <button type="submit" id="api-key-apply">Use key</button>
  <small>sent as <code>Authorization: Bearer …</code> over HTTP and in <code>connection_init</code> over WebSocket; kept in this tab only</small>
</form>
<div id="graphiql">Loading the explorer…</div>
<script type="application/json" id="explorer-config">${config}</script>
<script src="${asset('react.production.min.js')}"></script>
<script src="${asset('react-dom.production.min.js')}"></script>
<script src="${asset('graphiql.min.js')}"></script>
<script src="${asset('explorer.js')}"></script>
</body>
</html>
`;
}

/**
 * The explorer route: answers `/graphiql` and its assets, and returns false for any other path (and
 * for these paths where the explorer is off), so the caller carries on.
 */
export function createExplorerRoute(options: ServeOptions): (req: IncomingMessage, res: ServerResponse, path: string) => boolean {
  const enabled = !options.production || options.introspection;
  const html = page();
  const cache = new Map<string, Buffer>();
  const load = (name: string, asset: Asset): Buffer => {
    let body = cache.get(name);
    if (!body) {
      body =
        'text' in asset.source
          ? Buffer.from(asset.source.text)
          : readFileSync(join(dirname(require.resolve(`${asset.source.pkg}/package.json`)), asset.source.file));
      cache.set(name, body);
    }
    return body;
  };
  return (req, res, path) => {
    if (!enabled || (path !== EXPLORER_PATH && path !== `${EXPLORER_PATH}/` && !path.startsWith(ASSETS_PATH))) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      sendPlain(res, 405, 'Method not allowed');
      return true;
    }
    if (!path.startsWith(ASSETS_PATH)) {
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'content-length': Buffer.byteLength(html),
        'content-security-policy': CSP,
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
        'cache-control': 'no-cache',
      });
      res.end(req.method === 'HEAD' ? undefined : html);
      return true;
    }
    const name = path.slice(ASSETS_PATH.length);
    const asset = ASSETS.get(name);
    if (!asset) {
      sendPlain(res, 404, 'Not found');
      return true;
    }
    const body = load(name, asset);
    res.writeHead(200, {
      'content-type': asset.type,
      'content-length': body.length,
      'x-content-type-options': 'nosniff',
      // The versions are pinned by the lockfile; an hour keeps reloads fast and upgrades visible soon.
      'cache-control': 'public, max-age=3600',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
    return true;
  };
}
