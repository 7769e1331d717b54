/**
 * The process logger. Credentials never reach it: the redaction list below is the last line of
 * defence, not the first (nothing logs a credential on purpose).
 *
 * Request scope: while an HTTP request is served (`withLogScope`), every line any module logs
 * carries that request's `requestId` and `traceId` (a pino mixin reading an AsyncLocalStorage), so
 * the lines of one operation can be found together whatever logged them.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { type DestinationStream, type Logger, pino } from 'pino';

export type { Logger };

export interface LogScope {
  readonly requestId: string;
  readonly traceId?: string | undefined;
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
      return s ? (s.traceId ? { requestId: s.requestId, traceId: s.traceId } : { requestId: s.requestId }) : {};
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
