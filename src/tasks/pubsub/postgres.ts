/**
 * Task change notifications across replicas, on PostgreSQL `LISTEN/NOTIFY`. A notification carries
 * only the task id and version (payloads stay far below NOTIFY's 8000-byte limit); a replica with
 * subscribers for that task reads it from the store and hands it to them.
 *
 * Guarantees to subscribers: in version order, each version at most once (a read that returns a
 * version already delivered is dropped), and the final state is never missed: a read always returns
 * the latest stored version, so a notification lost in between is covered by the next one, and a
 * dropped notification connection, once reconnected, re-reads every task this replica's subscribers
 * watch. Changes published on this replica are also handed to its own subscribers at once.
 */
import pg from 'pg';
import type { CopyTaskRecord } from '../model.ts';
import type { TaskPubSub } from '../pubsub.ts';

export const TASK_CHANNEL = 'copygraph_tasks';

export interface PostgresPubSubOptions {
  /** The database URL, for the dedicated listening connection. */
  readonly url: string;
  /** The pool NOTIFY goes through. */
  readonly pool: pg.Pool;
  /** Reads tasks by id (the store's `getMany`). */
  readonly read: (ids: readonly string[]) => Promise<CopyTaskRecord[]>;
  readonly log?: (msg: string, fields?: Record<string, unknown>) => void;
}

export interface PostgresPubSub extends TaskPubSub {
  /** Times the listening connection was re-established (tests, metrics). */
  readonly reconnects: number;
}

type Listener = (task: CopyTaskRecord) => void;

interface Topic {
  readonly listeners: Set<Listener>;
  /** The newest version handed out. */
  delivered: number;
  /** A read is running; `again` asks for one more after it. */
  reading: boolean;
  again: boolean;
}

export async function createPostgresPubSub(options: PostgresPubSubOptions): Promise<PostgresPubSub> {
  const log = options.log ?? (() => {});
  const topics = new Map<string, Topic>();
  let client: pg.Client | undefined;
  let closed = false;
  let reconnects = 0;
  let retryMs = 100;

  const deliver = (topic: Topic, task: CopyTaskRecord) => {
    if (task.version <= topic.delivered) return;
    topic.delivered = task.version;
    for (const l of [...topic.listeners]) l(task);
  };

  /** Reads a task and delivers it if newer; concurrent requests for one task collapse into one more read. */
  const refresh = (id: string): void => {
    const topic = topics.get(id);
    if (!topic) return;
    if (topic.reading) {
      topic.again = true;
      return;
    }
    topic.reading = true;
    void (async () => {
      try {
        do {
          topic.again = false;
          const [task] = await options.read([id]);
          if (task) deliver(topic, task);
        } while (topic.again && !closed);
      } catch (err) {
        log('could not read a notified task', { taskId: id, err: String(err) });
      } finally {
        topic.reading = false;
      }
    })();
  };

  const rereadAll = async (): Promise<void> => {
    const ids = [...topics.keys()];
    if (ids.length === 0) return;
    for (const task of await options.read(ids)) {
      const topic = topics.get(task.id);
      if (topic) deliver(topic, task);
    }
  };

  const connect = async (): Promise<void> => {
    const c = new pg.Client({ connectionString: options.url });
    c.on('notification', (msg) => {
      if (msg.channel !== TASK_CHANNEL || !msg.payload) return;
      try {
        const { id, v } = JSON.parse(msg.payload) as { id: string; v: number };
        const topic = topics.get(id);
        if (topic && v > topic.delivered) refresh(id);
      } catch {
        log('ignored a malformed task notification');
      }
    });
    const lost = (err?: unknown) => {
      if (client !== c) return;
      client = undefined;
      c.removeAllListeners('error');
      c.on('error', () => {});
      void c.end().catch(() => {});
      if (closed) return;
      log('task notification connection lost; reconnecting', { err: String(err) });
      scheduleReconnect();
    };
    c.on('error', lost);
    c.on('end', () => lost('connection ended'));
    await c.connect();
    await c.query(`LISTEN ${TASK_CHANNEL}`);
    client = c;
  };

  const scheduleReconnect = () => {
    const t = setTimeout(async () => {
      if (closed) return;
      try {
        await connect();
        reconnects += 1;
        retryMs = 100;
        // Anything published while the connection was down: read every watched task again.
        await rereadAll();
      } catch (err) {
        log('task notification reconnect failed', { err: String(err) });
        retryMs = Math.min(retryMs * 2, 5_000);
        if (!client) scheduleReconnect();
      }
    }, retryMs);
    t.unref();
  };

  await connect();

  return {
    get reconnects() {
      return reconnects;
    },
    async publish(task) {
      const topic = topics.get(task.id);
      if (topic) deliver(topic, task);
      await options.pool.query('SELECT pg_notify($1, $2)', [TASK_CHANNEL, JSON.stringify({ id: task.id, v: task.version })]);
    },
    async subscribe(taskId, listener) {
      let topic = topics.get(taskId);
      if (!topic) {
        topic = { listeners: new Set(), delivered: 0, reading: false, again: false };
        topics.set(taskId, topic);
      }
      // A function per subscription, so one listener subscribed twice is removed once per unsubscribe.
      const own: Listener = (task) => listener(task);
      topic.listeners.add(own);
      const t = topic;
      return () => {
        t.listeners.delete(own);
        if (t.listeners.size === 0 && topics.get(taskId) === t) topics.delete(taskId);
      };
    },
    async close() {
      closed = true;
      topics.clear();
      const c = client;
      client = undefined;
      if (c) await c.end().catch(() => {});
    },
  };
}
