/**
 * Drain: on shutdown, open graphql-sse streams and router-callback subscriptions end cleanly (a
 * `complete`, not a connection torn down at the end of the grace period), so the process can exit 0.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createClient as createSseClient } from 'graphql-sse';
import { expect, it } from 'vitest';
import { Provider } from '../src/core/errors.ts';
import { TaskStatus } from '../src/tasks/model.ts';
import { ALICE, eventually, startStack } from './helpers/stack.ts';

const SUBSCRIPTION = 'subscription($id: ID!) { copyTaskUpdated(id: $id) { id status } }';

it('ends open SSE streams and callback subscriptions with complete when the app stops', async () => {
  const calls: { action: string; id: string }[] = [];
  const router = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      calls.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as { action: string; id: string });
      res.writeHead(200, { 'subscription-protocol': 'callback/1.0' }).end();
    });
  });
  await new Promise<void>((resolve) => router.listen(0, '127.0.0.1', resolve));
  const callbackUrl = `http://127.0.0.1:${(router.address() as AddressInfo).port}/callback`;
  const stack = await startStack({ env: { COPYGRAPH_CALLBACK_URLS: callbackUrl } });
  try {
    const task = await stack.app.services.tasks.create({
      owner: 'alice',
      provider: Provider.COZE,
      credentialSource: 'config',
      change: { status: TaskStatus.RUNNING, upstreamTaskId: `up-${randomUUID()}` },
    });
    const client = createSseClient({ url: `${stack.app.url}/stream`, headers: { authorization: `Bearer ${ALICE}` }, retryAttempts: 0 });
    let values = 0;
    const ended = new Promise<'complete' | 'error'>((resolve) => {
      client.subscribe(
        { query: SUBSCRIPTION, variables: { id: task.id } },
        { next: () => void values++, error: () => resolve('error'), complete: () => resolve('complete') },
      );
    });
    const subscriptionId = randomUUID();
    const res = await fetch(stack.app.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ALICE}` },
      body: JSON.stringify({
        query: SUBSCRIPTION,
        variables: { id: task.id },
        extensions: { subscription: { callbackUrl, subscriptionId, verifier: randomUUID(), heartbeatIntervalMs: 0 } },
      }),
    });
    expect(res.status).toBe(200);
    await eventually(() => (values > 0 && calls.some((c) => c.id === subscriptionId && c.action === 'next') ? true : undefined));

    await stack.app.stop();
    expect(await ended).toBe('complete');
    expect(calls.filter((c) => c.id === subscriptionId).at(-1)?.action).toBe('complete');
    client.dispose();
  } finally {
    await stack.close();
    router.closeAllConnections();
    await new Promise<void>((resolve) => router.close(() => resolve()));
  }
}, 9_000);
