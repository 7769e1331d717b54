/**
 * Fencing of polls that outlive their lease: a replica paused mid-poll (GC, a slow upstream) while
 * another took its task over must not send a 123pan part the new holder sends too. The checkpoint that
 * precedes every submit (the "submitting" record) is a compare-and-set on the task's version; the
 * watcher's checkpoints are fenced, so a refused one stops the poll before its submit is sent.
 * Two "replicas" here are two 123pan clients (each with its own slot accounting, as two processes have)
 * on one store, against the 123pan emulator over real HTTP.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Pan123Client } from '../datasources/pan123.ts';
import { Pan123Poller } from '../src/pollers/pan123.ts';
import type { CopyTaskRecord, TaskChange } from '../src/tasks/model.ts';
import { StaleWriteError } from '../src/tasks/service.ts';
import { type Stack, startStack } from './helpers/stack.ts';

let stack: Stack;
const pan = () => stack.emulators.pan123;

// A stack per test: the app's own client holds the 123pan slots of the parts its mutation submitted.
beforeEach(async () => {
  // The app's own watcher waits 10 minutes between polls: only the two "replicas" below poll.
  stack = await startStack({ env: { COPYGRAPH_POLL_INITIAL_MS: '600000', COPYGRAPH_POLL_MAX_MS: '600000' } });
});
afterEach(() => stack.close());

const COPY = `mutation ($input: CopyImagesInput!) { copyImages(input: $input) { ... on CopyTask { id upstreamTaskId } } }`;

/** A 4-part copy (350 ids): parts 1-3 submitted by the mutation, part 4 queued. */
async function fourPartCopy(name: string): Promise<{ id: string; upstream: string[] }> {
  const folder = pan().seedDriveFolder({ filename: name });
  const ids = Array.from({ length: 350 }, (_, i) =>
    String(pan().seedDriveFile({ filename: `${name}-${i}.jpg`, size: 20_000 + i, parentFileId: folder.fileId }).fileId),
  );
  const target = pan().seedOssFolder({ filename: `${name}-target` }).fileId;
  const data = await stack.data<{ copyImages: { id: string; upstreamTaskId: string } }>(COPY, { input: { fileIds: ids, toParentFileId: target } });
  return { id: data.copyImages.id, upstream: data.copyImages.upstreamTaskId.split(',') };
}

/** A replica's poll of `view` with the watcher's checkpoint (fenced or, to show the gap, not). */
async function pollAs(client: Pan123Client, view: CopyTaskRecord, fenced: boolean): Promise<TaskChange | undefined> {
  const { services } = stack.app;
  let current = view;
  return new Pan123Poller(client).poll(view, services.config.credentials, async (change) => {
    current = await services.tasks.change(current, change, { fenced });
    return current;
  });
}

const newClient = () => new Pan123Client({ baseUrl: stack.app.services.config.urls.pan123, timeoutMs: 3000 });

describe('a poll that outlived its lease', () => {
  it('is refused at its "submitting" checkpoint and never sends the part the new holder sent', async () => {
    const { id, upstream } = await fourPartCopy('fence');
    const stale = (await stack.app.services.store.get(id)) as CopyTaskRecord;
    pan().finishTask(upstream[0] as string); // a slot frees: part 4 may go
    const before = pan().control.calls('oss_copy');

    // The new holder (replica B) polls first and submits part 4.
    await pollAs(newClient(), stale, true);
    expect(pan().control.calls('oss_copy') - before).toBe(1);

    // Replica A wakes up with its view from before B's poll: refused before it sends anything.
    await expect(pollAs(newClient(), stale, true)).rejects.toBeInstanceOf(StaleWriteError);
    expect(pan().control.calls('oss_copy') - before).toBe(1);
  });

  it('(the gap it closes) an unfenced checkpoint would have let the stale poll send the part again', async () => {
    const { id, upstream } = await fourPartCopy('nofence');
    const stale = (await stack.app.services.store.get(id)) as CopyTaskRecord;
    pan().finishTask(upstream[0] as string);
    const before = pan().control.calls('oss_copy');
    await pollAs(newClient(), stale, true);
    await pollAs(newClient(), stale, false).catch(() => undefined);
    expect(pan().control.calls('oss_copy') - before).toBe(2);
  });
});
