/** Generated inputs shared by the property-based input tests (single and bulk mutations). */
import fc from 'fast-check';

/** Strings an attacker tries first: path steps, separators, encodings, controls, blanks. */
export const nasty = fc.constantFrom('.', '..', '/', '../..', 'a/b', '%2e', '%2e%2e', '%2F', '?x=1', '#', ' ', '', '\u0000', 'a\r\nb', '\uD800', '١٢٣', 'ａ');

/** Mostly valid values (so that the other fields' bad values are what decides), often nasty or arbitrary ones. */
export const text = (valid: fc.Arbitrary<string>, edge: readonly string[] = []): fc.Arbitrary<string> =>
  fc.oneof(
    { arbitrary: valid, weight: 4 },
    { arbitrary: nasty, weight: 2 },
    { arbitrary: fc.string({ maxLength: 30, unit: 'binary' }), weight: 2 },
    ...(edge.length > 0 ? [{ arbitrary: fc.constantFrom(...edge), weight: 2 }] : []),
  );
