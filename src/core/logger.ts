/**
 * The process logger. Credentials never reach it: the redaction list below is the last line of
 * defence, not the first (nothing logs a credential on purpose).
 */
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'copygraph' },
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
  });
}
