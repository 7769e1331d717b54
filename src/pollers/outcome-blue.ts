/**
 * Blue: whether a `copyTodo` whose answer was lost ran. The same identification copygraph does after
 * every copy (datasources/blue.ts): the target list's top records above the position that was highest
 * just before the call, with the copy's title. Exactly one → the copy ran, and that record is its
 * result; none → it did not run; several, or too many new records, or an unknown title → cannot be told.
 *
 * Limits, as for the identification itself: the lookup runs outside the per-list lock, so another copy
 * with the same title into the same list meanwhile is seen as ambiguous (or, if this one did not run,
 * taken for it); an automation that moves or renames the copy at once makes it look not run [I].
 */
import { z } from 'zod';
import { type BlueClient, type BlueIdentifyFacts, type BlueTodoRef, scopedBlueCredentials, UnknownBlueCopy } from '../../datasources/blue.ts';
import type { UpstreamCredentials } from '../core/credentials.ts';
import { Provider } from '../core/errors.ts';
import type { Finding, OutcomeLookup } from './outcome-resolution.ts';

const Detail = z.object({ todoListId: z.string(), title: z.string().nullable(), highestBefore: z.number().nullable() });

/** The detail a `copyTodo` keeps for the lookup: what the datasource noted before the call. */
export function blueOutcomeDetail(_request: unknown, err: unknown): BlueIdentifyFacts | undefined {
  return err instanceof UnknownBlueCopy ? err.facts : undefined;
}

export class BlueOutcomeLookup implements OutcomeLookup<BlueIdentifyFacts> {
  readonly provider = Provider.BLUE;
  constructor(private readonly client: BlueClient) {}

  parse(detail: unknown): BlueIdentifyFacts | undefined {
    const parsed = Detail.safeParse(detail);
    return parsed.success ? parsed.data : undefined;
  }

  async look(facts: BlueIdentifyFacts, credentials: UpstreamCredentials): Promise<Finding> {
    const found = await this.client.identifyCopy(scopedBlueCredentials(credentials.blue), facts);
    const checked = `the top of list ${facts.todoListId} for a new record titled "${facts.title ?? '?'}"`;
    if (found.kind === 'found') {
      const result: BlueTodoRef & { __typename: 'BlueTodo' } = { __typename: 'BlueTodo', id: found.todoId };
      return { kind: 'ran', result, checked };
    }
    if (found.kind === 'none') return { kind: 'absent', checked: `${checked}: ${found.reason}` };
    return { kind: 'undecidable', checked: `${checked}: ${found.reason}` };
  }
}
