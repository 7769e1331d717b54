/**
 * The observer the router callback transport reports through (`CallbackObserver` in
 * src/operation-observer.ts), driven with the message sequences Apollo's callback plugin sends: one
 * line, count and span per subscription when it ends, how it ended, and the subscribing request's ids.
 * (transport/callback.ts wires it; the end-to-end callback test belongs with that wiring.)
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/core/logger.ts';
import { registry } from '../src/core/metrics.ts';
import { CallbackObserver } from '../src/operation-observer.ts';
import { parsePrometheusText, sampleSum } from './helpers/prom.ts';

const lines: Record<string, unknown>[] = [];
const logger = createLogger(
  'info',
  new Writable({
    write: (chunk, _enc, cb) => {
      for (const l of String(chunk).split('\n')) if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  }),
);
const TRACE = 'dd3f1a7a4b6e7a5f2d1e0f9a8b7c6d5e';
const start = (requestId: string) => ({ requestId, principal: 'alice', operationName: 'Watch', traceparent: `00-${TRACE}-4444555566667777-01` });
const metric = async (name: string, labels: Record<string, string>) => sampleSum(parsePrometheusText(await registry.metrics()), name, labels);
const line = (requestId: string) => lines.find((l) => l['requestId'] === requestId && l['msg'] === 'graphql operation');

describe('router callback subscriptions', () => {
  it('are open from the first successful check and reported when they complete', async () => {
    const observer = new CallbackObserver(logger);
    const ended = await metric('copygraph_subscriptions_ended_total', { transport: 'callback', reason: 'completed' });
    observer.begin('sub-1', start('cb-1'));
    observer.sent('sub-1', { action: 'check' }, 204);
    expect(await metric('copygraph_subscriptions_active', { transport: 'callback' })).toBe(1);
    observer.sent('sub-1', { action: 'next', payload: {} }, 200);
    observer.sent('sub-1', { action: 'check' }, 204);
    expect(line('cb-1')).toBeUndefined();
    observer.sent('sub-1', { action: 'complete' }, 202);
    expect(line('cb-1')).toMatchObject({
      transport: 'callback',
      operationType: 'subscription',
      operationName: 'Watch',
      principal: 'alice',
      outcome: 'ok',
      ended: 'completed',
      traceId: TRACE,
    });
    expect(await metric('copygraph_subscriptions_active', { transport: 'callback' })).toBe(0);
    expect(await metric('copygraph_subscriptions_ended_total', { transport: 'callback', reason: 'completed' })).toBe(ended + 1);
    expect(observer.size).toBe(0);
  });

  it('end client_closed when the router forgets them, drain on shutdown, error when refused', async () => {
    const observer = new CallbackObserver(logger);
    observer.begin('sub-2', start('cb-2'));
    observer.sent('sub-2', { action: 'check' }, 204);
    observer.sent('sub-2', { action: 'check' }, 404);
    expect(line('cb-2')).toMatchObject({ ended: 'client_closed', outcome: 'ok' });

    observer.begin('sub-3', start('cb-3'));
    observer.sent('sub-3', { action: 'check' }, 204);
    observer.stopped('sub-3', 'drain');
    expect(line('cb-3')).toMatchObject({ ended: 'drain', outcome: 'ok' });

    observer.begin('sub-4', start('cb-4'));
    observer.refused('sub-4', [{ message: 'no', extensions: { code: 'FORBIDDEN' } }]);
    expect(line('cb-4')).toMatchObject({ ended: 'error', outcome: 'FORBIDDEN' });

    observer.begin('sub-5', start('cb-5'));
    observer.sent('sub-5', { action: 'check' }, 204);
    observer.sent('sub-5', { action: 'next', payload: { errors: [{ message: 'x', extensions: { code: 'NOT_FOUND' } }] } }, 200);
    observer.sent('sub-5', { action: 'complete', errors: [{ message: 'x', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] }, 202);
    expect(line('cb-5')).toMatchObject({ ended: 'error', outcome: 'NOT_FOUND', errorCodes: ['NOT_FOUND', 'INTERNAL_SERVER_ERROR'] });
    expect(observer.size).toBe(0);
  });
});
