import { Writable } from 'node:stream';
import { type Logger, pino } from 'pino';

/** A real pino logger whose lines are kept, for tests that check what reaches the log. */
export function captureLogs(level: string): { logger: Logger; text: () => string } {
  const lines: string[] = [];
  const sink = new Writable({
    write: (chunk, _enc, cb) => {
      lines.push(String(chunk));
      cb();
    },
  });
  return { logger: pino({ level }, sink), text: () => lines.join('') };
}
