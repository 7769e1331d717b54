/**
 * A provider's poll rate shared by all replicas: wraps a poller so every poll first takes a slot of a
 * `RateBudget` (one key per provider, a one-second window). A poll that cannot get a slot in time is a
 * retryable `RATE_LIMITED` failure (nothing was sent): the watcher backs off and tries again.
 */
import { CopyErrorCode, UpstreamFailure } from '../core/errors.ts';
import { type RateBudget, RateLimitWaitExceeded } from '../core/rate-limiter.ts';
import type { TaskPoller } from './watcher.ts';

export function withPollBudget(poller: TaskPoller, budget: RateBudget): TaskPoller {
  return {
    provider: poller.provider,
    ...(poller.maxPollsPerSecond !== undefined ? { maxPollsPerSecond: poller.maxPollsPerSecond } : {}),
    async poll(task, credentials, checkpoint) {
      let release: () => void;
      try {
        release = await budget.acquire(`poll:${poller.provider}`);
      } catch (err) {
        if (!(err instanceof RateLimitWaitExceeded)) throw err;
        throw new UpstreamFailure({
          code: CopyErrorCode.RATE_LIMITED,
          provider: poller.provider,
          message: `copygraph's replicas together poll ${poller.provider} at most ${budget.limit} times a second; this poll waits for the next turn.`,
          retryable: true,
          retryAfterSeconds: Math.max(1, Math.ceil(err.retryAfterMs / 1000)),
        });
      }
      try {
        return await poller.poll(task, credentials, checkpoint);
      } finally {
        release();
      }
    },
  };
}
