/**
 * Router callback subscriptions as durable records (Apollo's callback mode: the subscription state is
 * kept where another instance can carry it on). A record holds what is needed to run the subscription
 * again and talk to the router: the callback URL, the router's subscription id and verifier, the
 * operation, and the principal's id; NEVER provider credentials (a subscription runs with the
 * principal's configured scope only). One replica at a time holds a record under a lease with an expiry
 * in the database's clock; the lease of a replica that died expires and another replica claims it.
 *
 * Engines: `store/postgres-callbacks.ts` (shared, migration 9) and `store/sqlite-callbacks.ts` (one
 * process: the lease only matters across a restart on the same file).
 */
import { z } from 'zod';

export const CallbackSubscriptionSchema = z.object({
  /** The router's subscription id (`extensions.subscription.subscriptionId`). */
  id: z.string().min(1).max(200),
  callbackUrl: z.string().url(),
  verifier: z.string().min(1).max(1000),
  query: z.string().min(1),
  variables: z.record(z.string(), z.unknown()).nullable(),
  operationName: z.string().nullable(),
  /** The authenticated principal's id (the owner of the tasks it sees); never a key or credential. */
  principalId: z.string().min(1),
  heartbeatIntervalMs: z.number().int().nonnegative(),
  createdAt: z.string(),
});
export type CallbackSubscription = z.infer<typeof CallbackSubscriptionSchema>;

export interface CallbackSubscriptionStore {
  /** Records a new subscription, leased to `holder` for `ttlMs`. False if the id exists already. */
  save(record: CallbackSubscription, holder: string, ttlMs: number): Promise<boolean>;
  get(id: string): Promise<CallbackSubscription | undefined>;
  /** Extends every lease `holder` still holds; resolves with the ids it holds (a lost one is missing). */
  renew(holder: string, ttlMs: number): Promise<string[]>;
  /** Claims up to `limit` records whose lease expired (their holder died or let go). */
  claimExpired(holder: string, ttlMs: number, limit: number): Promise<CallbackSubscription[]>;
  /** Lets a lease go at once (graceful drain: another replica, or this one after a restart, claims it). */
  release(id: string, holder: string): Promise<void>;
  /** Removes a record (completed, or dropped by the router); only its holder may. */
  delete(id: string, holder: string): Promise<boolean>;
}

/** Parses a stored document (a row written by an older or newer copygraph is checked, not trusted). */
export function parseCallbackSubscription(doc: unknown): CallbackSubscription | undefined {
  const parsed = CallbackSubscriptionSchema.safeParse(doc);
  return parsed.success ? parsed.data : undefined;
}
