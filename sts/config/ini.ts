/**
 * The INI dialect of `~/.aws/config`, as the AWS CLI and SDKs read it:
 *  - `[section]` headers (names case-sensitive, trimmed), repeated sections merged;
 *  - `key = value` settings (keys case-insensitive, stored lower-case), the last repeated key wins;
 *  - full-line comments starting with `#` or `;` (also indented);
 *  - inline comments: a `#` or `;` **preceded by whitespace** ends the value. aws-vault v7.2.0
 *    (go-ini) cuts at any `#`/`;`, which turns `sso_start_url = https://x/start#/` into
 *    `https://x/start`; the AWS CLI, the SDKs and the maintained aws-vault fork need the whitespace,
 *    so URLs with fragments survive. We follow them;
 *  - quoted values (`"…"`, `` `…` ``, `"""…"""`) are unquoted, as go-ini does;
 *  - indented lines after a key continue it: after an empty value they are nested `key = value`
 *    settings (`s3 =` / `sts =` blocks of the AWS CLI), after a non-empty value they are appended to
 *    it with a newline (Python configparser's multi-line values).
 * Only `=` separates a key from its value (as the AWS SDKs require). Anything else is a syntax
 * error carrying the 1-based line number. Parsing never changes the text: callers that edit the
 * file append to the original bytes.
 */

/** A section after merging every header with the same name, in order of first appearance. */
export interface IniSection {
  /** The name between the brackets, trimmed; "" for settings before the first header. */
  name: string;
  /** 1-based line of the first header with this name. */
  line: number;
  /** Lower-case key -> value. A nested block's value is "". */
  values: Map<string, string>;
  /** Lower-case key -> its nested settings (lower-case sub-key -> value). */
  nested: Map<string, Map<string, string>>;
}

export interface IniDocument {
  /** Sections in file order (a merged section keeps the position of its first header). */
  sections: IniSection[];
  section(name: string): IniSection | undefined;
}

/** A syntax error; `line` is 1-based. The message never repeats the line (it may hold a secret). */
export class IniSyntaxError extends Error {
  constructor(readonly line: number, readonly detail: string) {
    super(`line ${line}: ${detail}`);
    this.name = "IniSyntaxError";
  }
}

const HEADER = /^\[([^\]]*)\]\s*(?:[#;].*)?$/;

/** Parses the text of an AWS config file. Throws IniSyntaxError. */
export function parseIni(text: string): IniDocument {
  const byName = new Map<string, IniSection>();
  const sections: IniSection[] = [];
  const lines = text.replace(/^\uFEFF/, "").split(/\r\n|\n|\r/);

  let current: IniSection | undefined;
  // The key that indented lines continue, and whether it started as a nested block.
  let lastKey: string | undefined;
  let lastKeyNested = false;

  const openSection = (name: string, line: number) => {
    let section = byName.get(name);
    if (!section) {
      section = { name, line, values: new Map(), nested: new Map() };
      byName.set(name, section);
      sections.push(section);
    }
    current = section;
    lastKey = undefined;
  };

  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const raw = lines[i];
    const trimmed = raw.trim();
    if (trimmed === "" || trimmed.startsWith("#") || trimmed.startsWith(";")) continue;

    const indented = raw[0] === " " || raw[0] === "\t";
    // An indented header is still a header (a continuation never looks like `[name]`).
    const header = trimmed.startsWith("[") && HEADER.test(trimmed);
    if (indented && !header && current && lastKey !== undefined) {
      if (lastKeyNested) {
        const setting = splitSetting(trimmed, lineNo);
        current.nested.get(lastKey)!.set(setting.key, setting.value);
      } else {
        const value = cleanValue(trimmed);
        current.values.set(lastKey, `${current.values.get(lastKey)}\n${value}`);
      }
      continue;
    }

    if (trimmed.startsWith("[")) {
      const m = HEADER.exec(trimmed);
      if (!m) throw new IniSyntaxError(lineNo, "malformed section header (expected [name])");
      const name = m[1].trim();
      if (name === "") throw new IniSyntaxError(lineNo, "empty section name");
      openSection(name, lineNo);
      continue;
    }

    const setting = splitSetting(trimmed, lineNo);
    if (!current) openSection("", lineNo);
    current!.values.set(setting.key, setting.value);
    current!.nested.delete(setting.key);
    lastKey = setting.key;
    lastKeyNested = setting.value === "";
    if (lastKeyNested) current!.nested.set(setting.key, new Map());
  }

  return { sections, section: (name) => byName.get(name) };
}

function splitSetting(trimmed: string, lineNo: number): { key: string; value: string } {
  const eq = trimmed.indexOf("=");
  if (eq === -1) {
    throw new IniSyntaxError(
      lineNo,
      "expected a [section] header, a comment or a key = value setting",
    );
  }
  const key = trimmed.slice(0, eq).trim().toLowerCase();
  if (key === "") throw new IniSyntaxError(lineNo, "setting with an empty key");
  return { key, value: cleanValue(trimmed.slice(eq + 1)) };
}

/** Removes quotes and an inline comment (a `#` or `;` after whitespace) from a raw value. */
export function cleanValue(raw: string): string {
  const v = raw.trim();
  if (v.startsWith('"""')) {
    const end = v.indexOf('"""', 3);
    if (end !== -1 && isBlankOrComment(v.slice(end + 3))) return v.slice(3, end);
  } else if (v.startsWith('"') || v.startsWith("`")) {
    const end = v.indexOf(v[0], 1);
    if (end !== -1 && isBlankOrComment(v.slice(end + 1))) return v.slice(1, end);
  }
  const comment = /\s[#;]/.exec(v);
  return (comment ? v.slice(0, comment.index) : v).trim();
}

function isBlankOrComment(rest: string): boolean {
  return rest.trim() === "" || /^\s+[#;]/.test(rest);
}
