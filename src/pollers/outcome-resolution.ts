/**
 * Resolving `OUTCOME_UNKNOWN` by looking upstream. A copy call that was sent and got no answer (a
 * timeout, a reset, a gateway's 502/504) may or may not have run. Where the provider lets copygraph
 * look, the task is not left at that: it is recorded `RUNNING` with the error `OUTCOME_UNKNOWN` and a
 * `watch` of `{ outcome: { since, detail } }` (`since`: just before the call was sent; `detail`: what
 * the provider's lookup needs, never a credential), and the provider's outcome poller (one per
 * provider: outcome-qiniu.ts, outcome-feishu.ts, outcome-blue.ts) looks until it knows:
 *
 * - the copy is there → `SUCCEEDED`, with the copy as the result;
 * - it is not there, `settleMs` after the call (time for a copy still under way upstream to land) →
 *   `FAILED` with `UPSTREAM_UNAVAILABLE`: it did not run, and sending it again is safe;
 * - the lookup cannot tell (several candidates, other content in the way) → `FAILED` with
 *   `OUTCOME_UNKNOWN`, saying what was checked;
 * - the lookup itself keeps failing for `giveUpMs` → `FAILED` with `OUTCOME_UNKNOWN`, saying so.
 */
import { z } from 'zod';
import type { UpstreamCredentials } from '../core/credentials.ts';
import { CopyErrorCode, isUpstreamFailure, type Provider } from '../core/errors.ts';
import { type CopyTaskRecord, type ResourceRef, type TaskChange, TaskStatus } from '../tasks/model.ts';
import type { TaskPoller } from '../tasks/watcher.ts';

/** What one look upstream found. `checked` says, for the task's message, what was looked at. */
export type Finding =
  | { readonly kind: 'ran'; readonly result: ResourceRef; readonly checked: string }
  | { readonly kind: 'absent'; readonly checked: string }
  | { readonly kind: 'undecidable'; readonly checked: string };

/** One provider's way of looking. */
export interface OutcomeLookup<D> {
  readonly provider: Provider;
  /** Reads back the `detail` stored with the task; undefined when it is not this lookup's. */
  parse(detail: unknown): D | undefined;
  /** Looks once, on behalf of `principal` (the task's owner). Throws `UpstreamFailure` when the lookup call itself fails. */
  look(detail: D, credentials: UpstreamCredentials, since: Date, principal?: string): Promise<Finding>;
}

export interface OutcomeWatch {
  readonly outcome: { readonly since: string; readonly detail: unknown };
}

const OutcomeWatchSchema = z.object({ outcome: z.object({ since: z.iso.datetime(), detail: z.unknown() }) });

/** The `watch` of a task whose outcome is being looked up. */
export function outcomeWatch(since: Date, detail: unknown): OutcomeWatch {
  return { outcome: { since: since.toISOString(), detail } };
}

export interface OutcomePollerOptions {
  /** How long after the call an absent copy still may land (then it counts as not run). */
  readonly settleMs: number;
  /** How long failing lookups are retried before the task ends `OUTCOME_UNKNOWN`. */
  readonly giveUpMs: number;
  readonly maxPollsPerSecond: number;
  readonly now?: () => number;
}

export class OutcomePoller<D> implements TaskPoller {
  readonly provider: Provider;
  readonly maxPollsPerSecond: number;
  readonly #now: () => number;

  constructor(
    private readonly lookup: OutcomeLookup<D>,
    private readonly options: OutcomePollerOptions,
  ) {
    this.provider = lookup.provider;
    this.maxPollsPerSecond = options.maxPollsPerSecond;
    this.#now = options.now ?? Date.now;
  }

  async poll(task: CopyTaskRecord, credentials: UpstreamCredentials): Promise<TaskChange | undefined> {
    const watch = OutcomeWatchSchema.safeParse(task.watch);
    const detail = watch.success ? this.lookup.parse(watch.data.outcome.detail) : undefined;
    if (!watch.success || detail === undefined) {
      return unknown(task, `copygraph has nothing to look up for this ${task.provider} task`);
    }
    const since = new Date(watch.data.outcome.since);
    const elapsed = this.#now() - since.getTime();
    let finding: Finding;
    try {
      finding = await this.lookup.look(detail, credentials, since, task.owner);
    } catch (err) {
      if (!isUpstreamFailure(err)) throw err;
      if (elapsed < this.options.giveUpMs) return undefined; // look again later
      return unknown(task, `looking it up kept failing (last: ${err.message})`);
    }
    if (finding.kind === 'ran') {
      return { status: TaskStatus.SUCCEEDED, result: finding.result, error: null, watch: null };
    }
    if (finding.kind === 'undecidable') return unknown(task, `checked ${finding.checked}`);
    if (elapsed < this.options.settleMs) return undefined; // a copy still under way may yet land
    return {
      status: TaskStatus.FAILED,
      watch: null,
      error: {
        code: CopyErrorCode.UPSTREAM_UNAVAILABLE,
        message: `The copy did not run: its answer was lost, and copygraph checked ${finding.checked}. Nothing was copied; sending it again is safe (with a new idempotency key).`,
      },
    };
  }
}

function unknown(task: CopyTaskRecord, what: string): TaskChange {
  return {
    status: TaskStatus.FAILED,
    watch: null,
    error: {
      code: CopyErrorCode.OUTCOME_UNKNOWN,
      upstreamCode: task.error?.upstreamCode,
      logId: task.error?.logId,
      message: `The copy was sent to ${task.provider} and its answer was lost; copygraph could not find out whether it ran: ${what}. Check the destination before trying again.`,
    },
  };
}
