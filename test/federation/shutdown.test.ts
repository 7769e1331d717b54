/**
 * Shutdown and restart under open subscriptions. A real `node --import tsx src/main.ts` child gets
 * SIGTERM while a graphql-ws, an SSE and a multipart HTTP subscription are open: the WebSocket is closed
 * with 1012 (Service Restart), the event stream and the multipart body end unfinished, and the process exits 0 without waiting for its force-exit
 * timer. Then a client behind Hive Gateway (each hand-written and real Mesh transport) keeps watching a
 * copy across a copygraph restart: its stream breaks, it subscribes again, and it reaches the final
 * state (with mesh-ws the gateway's transport reconnects and subscribes again itself; in the callback
 * modes the restarted copygraph carries the durable subscription on and the client's stream never breaks).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient as createSseClient } from 'graphql-sse';
import { createClient as createWsClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { COZE_DEMO } from '../../emulators/coze.ts';
import { type EmulatorSet, startDemoEmulators } from '../../emulators/index.ts';
import {
  composeSupergraph,
  freeLoopbackPort,
  HIVE_SUBGRAPH_MODES,
  type HiveSubgraphMode,
  MESH_CALLBACK_PATH,
  MESH_SUBGRAPH_MODES,
  type RunningHiveGateway,
  startHiveGateway,
} from '../fixtures/gateways.ts';
import { type ProjectsSubgraph, startProjectsSubgraph } from '../fixtures/projects-subgraph.ts';
import { ALICE, baseEnv, eventually, type Stack, startStack } from '../helpers/stack.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const COZE_COPY = `mutation ($input: CopyCozeEntityInput!) {
  copyCozeEntity(input: $input) { __typename ... on CopyTask { id status upstreamTaskId } ... on CopyError { code message } }
}`;
const COZE_INPUT = { entityId: COZE_DEMO.workflowId, entityType: 'WORKFLOW', toWorkspaceId: COZE_DEMO.otherTeamWorkspaceId };
const UPDATES = 'subscription($id: ID!) { copyTaskUpdated(id: $id) { id status isFinal } }';

async function startCozeCopy(url: string): Promise<{ id: string; upstreamTaskId: string }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ALICE}` },
    body: JSON.stringify({ query: COZE_COPY, variables: { input: COZE_INPUT } }),
  });
  const body = (await res.json()) as { data: { copyCozeEntity: { __typename: string; id: string; status: string; upstreamTaskId: string } } };
  expect(body.data.copyCozeEntity).toMatchObject({ __typename: 'CopyTask', status: 'RUNNING' });
  return body.data.copyCozeEntity;
}

/** A port free right now, so that a restarted copygraph listens where the gateway expects it. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('SIGTERM with open subscriptions (a real process)', () => {
  let emulators: EmulatorSet;
  let child: ChildProcess | undefined;
  let dir: string;

  beforeAll(async () => {
    emulators = await startDemoEmulators();
    dir = mkdtempSync(join(tmpdir(), 'copygraph-shutdown-'));
  });

  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await emulators?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('closes the WebSocket with 1012, ends the event stream and the multipart body unfinished, and exits 0', async () => {
    const env = { ...process.env, ...baseEnv(emulators, join(dir, 'tasks.sqlite')), LOG_LEVEL: 'info' };
    const proc = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    let output = '';
    proc.stdout?.on('data', (c: Buffer) => {
      output += c.toString('utf8');
    });
    proc.stderr?.on('data', (c: Buffer) => {
      output += c.toString('utf8');
    });
    const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
    const url = await eventually(() => /"url":"(http:[^"]+)"/.exec(output)?.[1], 30_000);

    const task = await startCozeCopy(url);
    // graphql-ws: the first state arrives, then the close code is recorded.
    const ws = new WebSocket(url.replace(/^http/, 'ws'), 'graphql-transport-ws');
    const wsMessages: { type: string }[] = [];
    const wsClosed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${ALICE}` } })));
    ws.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString('utf8')) as { type: string };
      wsMessages.push(message);
      if (message.type === 'connection_ack') ws.send(JSON.stringify({ type: 'subscribe', id: '1', payload: { query: UPDATES, variables: { id: task.id } } }));
    });
    // graphql-sse: the stream ends without `complete` (the client reports it as an interrupted stream).
    const sse = createSseClient({ url: `${url}/stream`, headers: { authorization: `Bearer ${ALICE}` }, retryAttempts: 0 });
    const sseValues: unknown[] = [];
    const sseEnded = new Promise<string>((resolve) => {
      sse.subscribe(
        { query: UPDATES, variables: { id: task.id } },
        { next: (v) => sseValues.push(v.data), error: () => resolve('error'), complete: () => resolve('complete') },
      );
    });
    // Multipart HTTP: the body is read to its end; a cut body lacks the closing `--`.
    const multipart = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'multipart/mixed;subscriptionSpec="1.0"', authorization: `Bearer ${ALICE}` },
      body: JSON.stringify({ query: UPDATES, variables: { id: task.id } }),
    });
    let multipartText = '';
    const multipartEnded = (async () => {
      const decoder = new TextDecoder();
      try {
        for await (const chunk of multipart.body as unknown as AsyncIterable<Uint8Array>) multipartText += decoder.decode(chunk, { stream: true });
      } catch {
        // A reset instead of an end also counts as cut.
      }
      return multipartText;
    })();
    await eventually(() => (wsMessages.some((m) => m.type === 'next') && sseValues.length > 0 && multipartText.includes('RUNNING') ? true : undefined));

    proc.kill('SIGTERM');
    expect(await wsClosed).toBe(1012);
    // Not `complete`: the copy is not final, so the client must not think the stream is over.
    expect(await sseEnded).toBe('error');
    expect(await multipartEnded).not.toMatch(/--\r\n$/);
    expect(await exited).toBe(0);
    expect(output).toContain('"msg":"stopped"');
    expect(output).not.toContain('shutdown took too long');
    expect(wsMessages.filter((m) => m.type === 'complete')).toEqual([]);
    sse.dispose();
  });
});

/** The hand-written transports, and the real Mesh transports (with the JS and the Rust planner). */
const RESTART_MODES: readonly HiveSubgraphMode[] = [...HIVE_SUBGRAPH_MODES, ...MESH_SUBGRAPH_MODES];
/** How the client reaches the gateway: graphql-ws, or an SSE stream (graphql-sse, distinct connections mode). */
const CLIENT_TRANSPORTS = ['graphql-ws', 'sse'] as const;
type ClientTransport = (typeof CLIENT_TRANSPORTS)[number];

describe('a client behind Hive Gateway across a copygraph restart', () => {
  let stack: Stack;
  let projects: ProjectsSubgraph;
  const gateways = new Map<HiveSubgraphMode, RunningHiveGateway>();

  beforeAll(async () => {
    const port = await freePort();
    const [callbackPort, meshCallbackPort] = [await freeLoopbackPort(), await freeLoopbackPort()];
    [stack, projects] = await Promise.all([
      startStack({
        env: {
          PORT: String(port),
          COPYGRAPH_CALLBACK_URLS: `http://127.0.0.1:${callbackPort}/callback/,http://127.0.0.1:${meshCallbackPort}${MESH_CALLBACK_PATH}/`,
        },
      }),
      startProjectsSubgraph(),
    ]);
    const { supergraphSdl } = composeSupergraph({ copygraph: stack.app.url, projects: projects.url });
    for (const mode of RESTART_MODES)
      gateways.set(mode, await startHiveGateway(supergraphSdl, mode, mode === 'mesh-callback' ? meshCallbackPort : callbackPort));
  });

  afterAll(async () => {
    for (const gateway of gateways.values()) await gateway.close();
    await projects?.close();
    await stack?.close();
  });

  /**
   * What the README tells clients to do: a stream that ends (error or complete) before a final state
   * was interrupted; subscribe again after a short pause. Resolves with every state seen and how
   * many subscriptions it took.
   */
  function watchToTheEnd(
    gateway: RunningHiveGateway,
    transport: ClientTransport,
    id: string,
    onValue: (status: string) => void,
  ): Promise<{ statuses: string[]; subscriptions: number }> {
    const statuses: string[] = [];
    let subscriptions = 0;
    let final = false;
    return new Promise((resolve, reject) => {
      const attempt = () => {
        if (++subscriptions > 20) return reject(new Error(`gave up after 20 subscriptions: ${statuses.join(', ')}`));
        const client =
          transport === 'graphql-ws'
            ? createWsClient({ url: gateway.wsUrl, webSocketImpl: WebSocket, retryAttempts: 0, connectionParams: { authorization: `Bearer ${ALICE}` } })
            : createSseClient({ url: gateway.url, headers: { authorization: `Bearer ${ALICE}` }, retryAttempts: 0 });
        const again = () => {
          void client.dispose();
          if (final) resolve({ statuses, subscriptions });
          else setTimeout(attempt, 200);
        };
        client.subscribe<{ copyTaskUpdated: { status: string; isFinal: boolean } }>(
          { query: UPDATES, variables: { id } },
          {
            next: (v) => {
              const update = v.data?.copyTaskUpdated;
              if (!update) return;
              statuses.push(update.status);
              final ||= update.isFinal;
              onValue(update.status);
            },
            error: again,
            complete: again,
          },
        );
      };
      attempt();
    });
  }

  const CASES = RESTART_MODES.flatMap((mode) => CLIENT_TRANSPORTS.map((transport) => [mode, transport] as const));

  it.each(CASES)('resubscribes through the gateway (subgraph transport %s, client over %s) and reaches the final state', async (mode, transport) => {
    const task = await startCozeCopy(stack.app.url);
    let restarted: Promise<void> | undefined;
    let restartDone = false;
    const outcome = watchToTheEnd(gateways.get(mode) as RunningHiveGateway, transport, task.id, (status) => {
      if (status !== 'RUNNING') return;
      // The first state: restart copygraph under the open subscription.
      restarted ??= stack.restart().then(() => {
        restartDone = true;
      });
      // A state after the restart: let the copy finish upstream.
      if (restartDone) stack.emulators.coze.completeTask(task.upstreamTaskId);
    });
    const { statuses, subscriptions } = await outcome;
    await restarted;
    // mesh-ws: the gateway's own graphql-ws connection to copygraph reconnects on 1012 and subscribes
    // again, so the client's one subscription usually carries on (seen: 1 subscription); every other
    // mode breaks the client's stream and the client subscribes again.
    // Callback modes: the subscription is a durable record; copygraph started again claims it (its lease
    // was let go on drain) and carries on sending to the gateway, so the client's one stream never breaks.
    if (mode === 'mesh-ws') expect(subscriptions).toBeGreaterThanOrEqual(1);
    else if (mode === 'callback' || mode === 'mesh-callback') expect(subscriptions).toBe(1);
    else expect(subscriptions).toBeGreaterThan(1);
    expect(statuses.at(-1)).toBe('SUCCEEDED');
    expect(statuses.slice(0, -1).every((s) => s === 'RUNNING')).toBe(true);
  });
});
