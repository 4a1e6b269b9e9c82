/**
 * A tiny XML reader for the STS and IAM Query-protocol answers (`<XResponse><XResult>...`,
 * `<ErrorResponse>`). It handles elements, attributes, text, the five named entities, numeric
 * character references, CDATA, comments, processing instructions and a DOCTYPE-free prolog;
 * enough for AWS's machine-written XML, with no dependency. Namespace prefixes are dropped.
 */

export interface XmlElement {
  /** Local name (without a namespace prefix). */
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  /** Concatenated text directly inside this element. */
  text: string;
}

export class XmlParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "XmlParseError";
  }
}

const NAMED_ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|[a-zA-Z]+);/g, (whole, ref: string) => {
    if (ref.startsWith("#x")) return String.fromCodePoint(parseInt(ref.slice(2), 16));
    if (ref.startsWith("#")) return String.fromCodePoint(parseInt(ref.slice(1), 10));
    return NAMED_ENTITIES[ref] ?? whole;
  });
}

function localName(qualified: string): string {
  const colon = qualified.indexOf(":");
  return colon < 0 ? qualified : qualified.slice(colon + 1);
}

/** Parses a document and returns its root element; throws XmlParseError on malformed input. */
export function parseXml(source: string): XmlElement {
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let i = 0;
  while (i < source.length) {
    const lt = source.indexOf("<", i);
    const textEnd = lt < 0 ? source.length : lt;
    if (textEnd > i) {
      const text = source.slice(i, textEnd);
      if (stack.length) stack[stack.length - 1].text += decodeEntities(text);
      else if (text.trim()) throw new XmlParseError("text outside the root element");
    }
    if (lt < 0) break;
    if (source.startsWith("<!--", lt)) {
      i = skipPast(source, "-->", lt);
    } else if (source.startsWith("<![CDATA[", lt)) {
      const end = source.indexOf("]]>", lt);
      if (end < 0) throw new XmlParseError("unterminated CDATA section");
      if (stack.length) stack[stack.length - 1].text += source.slice(lt + 9, end);
      i = end + 3;
    } else if (source.startsWith("<?", lt) || source.startsWith("<!", lt)) {
      i = skipPast(source, ">", lt);
    } else if (source.startsWith("</", lt)) {
      const gt = source.indexOf(">", lt);
      if (gt < 0) throw new XmlParseError("unterminated end tag");
      const name = localName(source.slice(lt + 2, gt).trim());
      const open = stack.pop();
      if (!open || open.name !== name) {
        throw new XmlParseError(
          `unexpected </${name}>${open ? ` (expected </${open.name}>)` : ""}`,
        );
      }
      i = gt + 1;
    } else {
      i = readStartTag(source, lt, (element, selfClosing) => {
        if (stack.length) stack[stack.length - 1].children.push(element);
        else if (root) throw new XmlParseError("more than one root element");
        else root = element;
        if (!selfClosing) stack.push(element);
      });
    }
  }
  if (stack.length) throw new XmlParseError(`unclosed <${stack[stack.length - 1].name}>`);
  if (!root) throw new XmlParseError("no root element");
  return root;
}

function skipPast(source: string, marker: string, from: number): number {
  const end = source.indexOf(marker, from);
  if (end < 0) throw new XmlParseError(`missing "${marker}"`);
  return end + marker.length;
}

const TAG = /<([A-Za-z_][\w.:-]*)((?:\s+[A-Za-z_][\w.:-]*\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>/y;
const ATTRIBUTE = /([A-Za-z_][\w.:-]*)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;

function readStartTag(
  source: string,
  at: number,
  emit: (element: XmlElement, selfClosing: boolean) => void,
): number {
  TAG.lastIndex = at;
  const m = TAG.exec(source);
  if (!m) throw new XmlParseError(`malformed tag at offset ${at}`);
  const attributes: Record<string, string> = {};
  for (const a of m[2].matchAll(ATTRIBUTE)) attributes[a[1]] = decodeEntities(a[2] ?? a[3]);
  emit({ name: localName(m[1]), attributes, children: [], text: "" }, m[3] === "/");
  return TAG.lastIndex;
}

/** The first direct child called `name`. */
export function child(element: XmlElement | undefined, name: string): XmlElement | undefined {
  return element?.children.find((c) => c.name === name);
}

/** Follows a path of direct children: `path(root, "GetUserResult", "User")`. */
export function path(element: XmlElement | undefined, ...names: string[]): XmlElement | undefined {
  let current = element;
  for (const name of names) current = child(current, name);
  return current;
}

/** Trimmed text of the child at `names`, or "" when absent. */
export function textAt(element: XmlElement | undefined, ...names: string[]): string {
  return path(element, ...names)?.text.trim() ?? "";
}

/** The `<member>` children of a list element. */
export function members(list: XmlElement | undefined): XmlElement[] {
  return list?.children.filter((c) => c.name === "member") ?? [];
}
