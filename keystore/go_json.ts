/** JSON as Go's encoding/json writes and reads it, for byte-compatible stored values. */

/** JSON.stringify plus Go's HTML-safe escapes of `<`, `>`, `&`, U+2028 and U+2029. */
export function goJson(value: unknown): string {
  return goHtmlEscape(JSON.stringify(value));
}

/**
 * Go's encoding/json escapes `<`, `>`, `&`, U+2028 and U+2029 inside strings; applied to the
 * output of JSON.stringify (those characters only ever occur inside strings there).
 */
export function goHtmlEscape(json: string): string {
  return json.replace(
    /[<>&\u2028\u2029]/g,
    (c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0"),
  );
}

/** Field lookup the way Go's decoder matches struct fields: exact name first, then case-folded. */
export function lookupFold(obj: Record<string, unknown>, name: string): unknown {
  if (name in obj) return obj[name];
  const lower = name.toLowerCase();
  for (const k of Object.keys(obj)) if (k.toLowerCase() === lower) return obj[k];
  return undefined;
}

/**
 * Go's RFC3339Nano formatting of a UTC instant: fractional seconds trimmed of trailing zeros and
 * omitted when zero (`2023-05-25T12:34:56Z`, `2023-05-25T12:34:56.5Z`).
 */
export function rfc3339Nano(date: Date): string {
  const iso = date.toISOString(); // always milliseconds
  return iso.replace(/\.(\d{3})Z$/, (_m, frac: string) => {
    const t = frac.replace(/0+$/, "");
    return t ? `.${t}Z` : "Z";
  });
}
