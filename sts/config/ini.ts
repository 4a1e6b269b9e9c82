/**
 * The INI dialect of `~/.aws/config`, as the AWS CLI (botocore, on Python's configparser) and
 * aws-vault (go-ini) read it. Where the two disagree, docs/DIFFERENCES.md says which we follow.
 *  - `[section]` headers: the name is everything up to the last `]`, trimmed; text after it is
 *    ignored (both readers). Names are case-sensitive; repeated sections are merged (go-ini;
 *    botocore refuses the file). An indented header is still a header (go-ini).
 *  - `key = value` or `key: value`: the first `=` or `:` separates (both readers). Keys are
 *    case-insensitive (stored lower-case); a repeated key: the last one wins (go-ini).
 *  - full-line comments start with `#` or `;` (also indented) and never end a multi-line value.
 *  - inline comments: a `#` or `;` **preceded by whitespace** ends the value, as the Go and
 *    JavaScript SDKs and the maintained aws-vault fork read it. go-ini cuts at any `#`/`;`, which
 *    turns `sso_start_url = https://x/start#/` into `https://x/start`; botocore keeps the comment
 *    in the value.
 *  - quoted values (`"…"`, `'…'`, `` `…` ``, `"""…"""`) are unquoted, as go-ini does.
 *  - a line is a continuation only when it is indented deeper than its key line (configparser's
 *    rule), so a section whose keys are all indented alike holds separate keys. After an empty
 *    value the continuation lines are nested `key = value` settings (`s3 =` / `sts =` blocks, read
 *    by botocore's `_parse_nested`); after a non-empty value they are appended to it with a
 *    newline, blank lines between them kept (configparser's multi-line values).
 * Anything else is a syntax error carrying the 1-based line number. Parsing never changes the
 * text: callers that edit the file append to the original bytes.
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

/** `[name]`: greedy, so the name runs to the last `]` (configparser and go-ini agree). */
const HEADER = /^\[(.*)\]/;

/** Parses the text of an AWS config file. Throws IniSyntaxError. */
export function parseIni(text: string): IniDocument {
  const byName = new Map<string, IniSection>();
  const sections: IniSection[] = [];
  const lines = text.replace(/^\uFEFF/, "").split(/\r\n|\n|\r/);

  let current: IniSection | undefined;
  // The key that deeper-indented lines continue, its line's indentation, whether it started as a
  // nested block, and the blank lines seen since its last line (kept inside a multi-line value).
  let lastKey: string | undefined;
  let keyIndent = 0;
  let lastKeyNested = false;
  let blankLines = 0;

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
    if (trimmed === "") {
      blankLines++;
      continue;
    }
    if (trimmed.startsWith("#") || trimmed.startsWith(";")) continue;

    if (trimmed.startsWith("[") && trimmed.includes("]")) {
      const name = HEADER.exec(trimmed)![1].trim();
      if (name === "") throw new IniSyntaxError(lineNo, "empty section name");
      openSection(name, lineNo);
      continue;
    }

    const indent = raw.search(/\S/);
    if (current && lastKey !== undefined && indent > keyIndent) {
      if (lastKeyNested) {
        // botocore splits nested settings at "=" only (configloader._parse_nested).
        const setting = splitSetting(trimmed, lineNo, /=/);
        current.nested.get(lastKey)!.set(setting.key, setting.value);
      } else {
        const value = `${current.values.get(lastKey)}${"\n".repeat(blankLines + 1)}`;
        current.values.set(lastKey, value + withoutComment(trimmed));
      }
      blankLines = 0;
      continue;
    }

    if (trimmed.startsWith("[")) {
      throw new IniSyntaxError(lineNo, "malformed section header (expected [name])");
    }
    const setting = splitSetting(trimmed, lineNo, /[=:]/);
    if (!current) openSection("", lineNo);
    current!.values.set(setting.key, setting.value);
    current!.nested.delete(setting.key);
    lastKey = setting.key;
    keyIndent = indent;
    blankLines = 0;
    lastKeyNested = setting.value === "";
    if (lastKeyNested) current!.nested.set(setting.key, new Map());
  }

  return { sections, section: (name) => byName.get(name) };
}

function splitSetting(
  trimmed: string,
  lineNo: number,
  separator: RegExp,
): { key: string; value: string } {
  const at = trimmed.search(separator);
  if (at === -1) {
    throw new IniSyntaxError(
      lineNo,
      "expected a [section] header, a comment or a key = value setting",
    );
  }
  const key = trimmed.slice(0, at).trim().toLowerCase();
  if (key === "") throw new IniSyntaxError(lineNo, "setting with an empty key");
  return { key, value: cleanValue(trimmed.slice(at + 1)) };
}

/** A continuation line loses an inline comment but keeps its quotes (it is not a whole value). */
function withoutComment(trimmed: string): string {
  const comment = /\s[#;]/.exec(trimmed);
  return comment ? trimmed.slice(0, comment.index).trim() : trimmed;
}

/** Removes quotes and an inline comment (a `#` or `;` after whitespace) from a raw value. */
export function cleanValue(raw: string): string {
  const v = raw.trim();
  if (v.startsWith('"""')) {
    const end = v.indexOf('"""', 3);
    if (end !== -1 && isBlankOrComment(v.slice(end + 3))) return v.slice(3, end);
  } else if (v.startsWith('"') || v.startsWith("'") || v.startsWith("`")) {
    const end = v.indexOf(v[0], 1);
    if (end !== -1 && isBlankOrComment(v.slice(end + 1))) return v.slice(1, end);
  }
  return withoutComment(v);
}

function isBlankOrComment(rest: string): boolean {
  return rest.trim() === "" || /^\s+[#;]/.test(rest);
}
