/**
 * The scrubber: every credential value copygraph knows of (configured, per request, and tokens derived
 * from them such as Feishu tenant tokens and 123pan access tokens) is registered here, and `scrub`
 * removes them from any text an upstream produced before it can reach an answer, a log line or the
 * store. `UpstreamFailure` scrubs its messages when it is built, so every datasource's error mapping is
 * covered in one place. Memory only; the set is bounded (oldest values are forgotten first).
 * A leaf module: it imports nothing of the project.
 */

/** Shorter values are not scrubbed: they would erase ordinary words (no real secret is this short). */
const MIN_LENGTH = 6;
const MAX_SECRETS = 10_000;
const known = new Set<string>();

export const REDACTED = '[redacted]';

export function registerSecret(value: string | undefined | null): void {
  if (!value || value.length < MIN_LENGTH) return;
  if (known.has(value)) {
    // Refresh its place: recently used values are the last forgotten.
    known.delete(value);
  } else if (known.size >= MAX_SECRETS) {
    const oldest = known.values().next().value;
    if (oldest !== undefined) known.delete(oldest);
  }
  known.add(value);
}

/** The text with every known secret replaced by `[redacted]`. */
export function scrub(text: string): string;
export function scrub(text: string | undefined): string | undefined;
export function scrub(text: string | undefined): string | undefined {
  if (text === undefined || text === '' || known.size === 0) return text;
  let out = text;
  // Longest first, so a secret that contains another is removed whole.
  for (const secret of [...known].sort((a, b) => b.length - a.length)) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  return out;
}
