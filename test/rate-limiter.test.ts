import { describe, expect, it } from 'vitest';
import { ManualClock, RateLimiter, RateLimitWaitExceeded, type Release } from '../src/core/rate-limiter.ts';

/** Lets granted promises settle (their callbacks run on the microtask queue). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Starts `n` acquisitions and records which have been granted. */
function burst(limiter: RateLimiter, key: string, n: number) {
  const granted: Release[] = [];
  const refused: unknown[] = [];
  for (let i = 0; i < n; i++) {
    limiter.acquire(key).then(
      (release) => granted.push(release),
      (err: unknown) => refused.push(err),
    );
  }
  return { granted, refused };
}

describe('RateLimiter', () => {
  it('lets `limit` calls through at once and queues the rest until the window frees up', async () => {
    const clock = new ManualClock(0);
    const limiter = new RateLimiter({ limit: 3, windowMs: 1000, clock });
    const { granted } = burst(limiter, 'k', 5);
    await settle();
    expect(granted).toHaveLength(3);
    expect(limiter.stats('k')).toEqual({ inFlight: 3, recent: 0, queued: 2 });

    for (const release of granted.splice(0)) release();
    await settle();
    // Answered calls keep their slot for a full window after the answer.
    expect(granted).toHaveLength(0);
    clock.advance(999);
    await settle();
    expect(granted).toHaveLength(0);
    clock.advance(1);
    await settle();
    expect(granted).toHaveLength(2);
  });

  it('counts calls in flight, so a slow call holds its slot until it is answered', async () => {
    const clock = new ManualClock(0);
    const limiter = new RateLimiter({ limit: 2, windowMs: 1000, clock, maxWaitMs: 60_000 });
    const { granted } = burst(limiter, 'k', 3);
    await settle();
    expect(granted).toHaveLength(2);
    clock.advance(5000);
    await settle();
    // Both calls are still in flight: however long ago they started, the third waits.
    expect(granted).toHaveLength(2);
    granted[0]?.();
    await settle();
    expect(granted).toHaveLength(2);
    clock.advance(1000);
    await settle();
    expect(granted).toHaveLength(3);
  });

  it('never lets more than `limit` calls start in any window, whatever the arrival pattern', async () => {
    const clock = new ManualClock(0);
    const limiter = new RateLimiter({ limit: 10, windowMs: 1000, clock, maxWaitMs: 1_000_000, maxQueue: 1_000 });
    const starts: number[] = [];
    const pending: Promise<void>[] = [];
    for (let i = 0; i < 95; i++) {
      pending.push(
        limiter.acquire('k').then((release) => {
          starts.push(clock.now());
          // Each call is answered 30 ms (of clock time) after it starts.
          void clock.sleep(30).then(release);
        }),
      );
      if (i % 7 === 0) clock.advance(50);
    }
    for (let step = 0; step < 400 && starts.length < 95; step++) {
      clock.advance(25);
      await settle();
    }
    await Promise.all(pending);
    expect(starts).toHaveLength(95);
    for (const t of starts) {
      expect(starts.filter((s) => s >= t && s < t + 1000).length).toBeLessThanOrEqual(10);
    }
  });

  it('serves waiters first come, first served', async () => {
    const clock = new ManualClock(0);
    const limiter = new RateLimiter({ limit: 1, windowMs: 100, clock, maxWaitMs: 10_000 });
    const order: number[] = [];
    const first = await limiter.acquire('k');
    for (const n of [1, 2, 3]) {
      void limiter.acquire('k').then((release) => {
        order.push(n);
        release();
      });
    }
    first();
    for (let i = 0; i < 5; i++) {
      clock.advance(100);
      await settle();
    }
    expect(order).toEqual([1, 2, 3]);
  });

  it('keeps keys apart', async () => {
    const clock = new ManualClock(0);
    const limiter = new RateLimiter({ limit: 1, windowMs: 1000, clock });
    await limiter.acquire('copy|app:a');
    const other = burst(limiter, 'copy|app:b', 1);
    const same = burst(limiter, 'copy|app:a', 1);
    await settle();
    expect(other.granted).toHaveLength(1);
    expect(same.granted).toHaveLength(0);
  });

  it('refuses a call that waited longer than maxWaitMs, with a retry hint', async () => {
    const clock = new ManualClock(0);
    const limiter = new RateLimiter({ limit: 1, windowMs: 1000, clock, maxWaitMs: 300 });
    await limiter.acquire('k');
    const { granted, refused } = burst(limiter, 'k', 1);
    clock.advance(299);
    await settle();
    expect(refused).toHaveLength(0);
    clock.advance(1);
    await settle();
    expect(granted).toHaveLength(0);
    expect(refused[0]).toBeInstanceOf(RateLimitWaitExceeded);
    expect((refused[0] as RateLimitWaitExceeded).reason).toBe('wait-too-long');
    expect((refused[0] as RateLimitWaitExceeded).retryAfterMs).toBeGreaterThan(0);
    expect(limiter.stats('k').queued).toBe(0);
  });

  it('refuses at once when maxQueue calls are already waiting', async () => {
    const clock = new ManualClock(0);
    const limiter = new RateLimiter({ limit: 1, windowMs: 1000, clock, maxQueue: 2 });
    const { granted, refused } = burst(limiter, 'k', 4);
    await settle();
    expect(granted).toHaveLength(1);
    expect(refused).toHaveLength(1);
    expect((refused[0] as RateLimitWaitExceeded).reason).toBe('queue-full');
  });

  it('holds a key back after backOff until the upstream reset has passed', async () => {
    const clock = new ManualClock(0);
    const limiter = new RateLimiter({ limit: 100, windowMs: 60_000, clock });
    limiter.backOff('k', 5000);
    const { granted } = burst(limiter, 'k', 2);
    clock.advance(4999);
    await settle();
    expect(granted).toHaveLength(0);
    clock.advance(1);
    await settle();
    expect(granted).toHaveLength(2);
  });

  it('forgets idle keys once their window is over', async () => {
    const clock = new ManualClock(0);
    const limiter = new RateLimiter({ limit: 5, windowMs: 1000, clock });
    const release = await limiter.acquire('user:x');
    release();
    release(); // a second release is ignored
    expect(limiter.stats('user:x')).toEqual({ inFlight: 0, recent: 1, queued: 0 });
    clock.advance(1000);
    expect(limiter.stats('user:x')).toEqual({ inFlight: 0, recent: 0, queued: 0 });
  });

  it('refuses a nonsensical configuration', () => {
    expect(() => new RateLimiter({ limit: 0, windowMs: 1000 })).toThrow(RangeError);
    expect(() => new RateLimiter({ limit: 1, windowMs: 0 })).toThrow(RangeError);
  });
});

describe('RateLimiter fairness between principals', () => {
  /** Starts `n` acquisitions for `principal`, granted calls answered at once (each keeps its slot a window). */
  function calls(limiter: RateLimiter, key: string, principal: string, n: number, log: string[]) {
    const granted: number[] = [];
    for (let i = 0; i < n; i++) {
      limiter.acquire(key, principal).then(
        (release) => {
          log.push(principal);
          granted.push(i);
          release();
        },
        () => {},
      );
    }
    return granted;
  }

  it("serves waiting principals round robin: B's calls are not queued behind A's whole burst", async () => {
    const clock = new ManualClock(0);
    const limiter = new RateLimiter({ limit: 10, windowMs: 1000, clock, maxWaitMs: 100_000 });
    const log: string[] = [];
    calls(limiter, 'k', 'A', 40, log);
    await settle();
    calls(limiter, 'k', 'B', 3, log);
    await settle();
    expect(log).toEqual(Array(10).fill('A'));
    clock.advance(1000);
    await settle();
    // The next window: B's three calls are interleaved with A's, A takes the rest.
    expect(log.slice(10)).toEqual(['A', 'B', 'A', 'B', 'A', 'B', 'A', 'A', 'A', 'A']);
  });

  it('keeps a reserve for a principal below its fair share, yet a lone principal still uses the whole window', async () => {
    const clock = new ManualClock(0);
    const limiter = new RateLimiter({ limit: 100, windowMs: 60_000, clock, reserve: 10, maxWaitMs: 1_000_000 });
    const log: string[] = [];
    const a = calls(limiter, 'k', 'A', 250, log);
    await settle();
    // 90 at once and the first reserve slot; the other 9 reserve slots are held back.
    expect(a).toHaveLength(91);
    // B's single call arrives 1 s later and finds a reserve slot at once.
    clock.advance(1000);
    const b = calls(limiter, 'k', 'B', 1, log);
    await settle();
    expect(b).toHaveLength(1);
    // A alone drips the rest of the reserve in over the minute (one every 6 s): the budget is not wasted.
    for (let t = 1000; t < 59_000; t += 1000) {
      clock.advance(1000);
      await settle();
    }
    expect(a.length + b.length).toBe(100);
    expect(log.filter((p) => p === 'A')).toHaveLength(99);
    // Never more than 100 in a window.
    expect(limiter.stats('k').recent + limiter.stats('k').inFlight).toBeLessThanOrEqual(100);
  });

  it('a reserve of 0 is plain round robin; maxQueue counts per principal', async () => {
    const clock = new ManualClock(0);
    const limiter = new RateLimiter({ limit: 2, windowMs: 1000, clock, maxQueue: 3 });
    const a = burst(limiter, 'k', 2 + 3 + 1);
    await settle();
    expect(a.granted).toHaveLength(2);
    expect(a.refused).toHaveLength(1);
    let bRefused = false;
    limiter.acquire('k', 'B').catch(() => {
      bRefused = true;
    });
    await settle();
    expect(bRefused).toBe(false);
    expect(limiter.stats('k', 'B').queued).toBe(1);
  });
});
