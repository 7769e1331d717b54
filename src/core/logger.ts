/**
 * The process logger. Credentials never reach it: the redaction list below is the last line of
 * defence, not the first (nothing logs a credential on purpose).
 *
 * Request scope: while an operation is served (`withLogScope`: an HTTP request, or one operation of a
 * streaming transport), every line any module logs carries its `requestId` and `traceId` (and, over
 * graphql-ws, the socket's `connectionRequestId`) through a pino mixin reading an AsyncLocalStorage, so
 * the lines of one operation can be found together whatever logged them.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { type DestinationStream, type Logger, pino } from 'pino';

export type { Logger };

export interface LogScope {
  readonly requestId: string;
  readonly traceId?: string | undefined;
  /** A graphql-ws operation's socket: the id of its upgrade request (the operation has its own `requestId`). */
  readonly connectionRequestId?: string | undefined;
}

const scope = new AsyncLocalStorage<LogScope>();

/** Runs `fn` with `fields` on every log line made within it (across awaits). */
export function withLogScope<T>(fields: LogScope, fn: () => T): T {
  return scope.run(fields, fn);
}

/** The ids of the request being served, if any. */
export function currentLogScope(): LogScope | undefined {
  return scope.getStore();
}

export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service: 'copygraph' },
    mixin: () => {
      const s = scope.getStore();
      if (!s) return {};
      // A fresh object (pino merges the line's fields into it); pino leaves out undefined fields.
      return { requestId: s.requestId, traceId: s.traceId, connectionRequestId: s.connectionRequestId };
    },
    redact: {
      paths: [
        '*.authorization',
        '*.headers.authorization',
        '*.secretKey',
        '*.appSecret',
        '*.clientSecret',
        '*.tokenSecret',
        '*.token',
        '*.userAccessToken',
        '*.accessToken',
      ],
      censor: '[redacted]',
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
