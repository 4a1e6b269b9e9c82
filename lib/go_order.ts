/**
 * Go's string order, which aws-vault's listings follow (sort.Strings, os.ReadDir and
 * filepath.Walk sort names by their UTF-8 bytes). JavaScript's default sort compares UTF-16 code
 * units instead; the two agree for strings without code units from U+D800 up.
 */

const encoder = new TextEncoder();

/** Compares `a` and `b` by their UTF-8 bytes, as Go compares strings. */
export function compareUtf8(a: string, b: string): number {
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  for (let i = 0; i < x.length && i < y.length; i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

/**
 * Sorts `names` in place in Go's order. The usual names (below U+D800) sort without encoding each
 * one on every comparison: file listings run on every `export`, with thousands of cached sessions.
 */
export function sortUtf8(names: string[]): string[] {
  return names.every((n) => !/[\ud800-\uffff]/.test(n)) ? names.sort() : names.sort(compareUtf8);
}
