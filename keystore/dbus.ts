/**
 * A small D-Bus client: session bus address lookup, SASL EXTERNAL authentication, Hello, method
 * calls with replies and errors, each bounded by a timeout. Marshalling is signature-driven and
 * covers the basic types, arrays, structs, dict entries and variants (no unix fds).
 *
 * Values map to JavaScript as: y n q i u d h -> number, x t -> bigint, b -> boolean,
 * s o g -> string, ay -> Uint8Array, a{kv} -> Map, other arrays -> Array, (...) -> Array,
 * v -> Variant.
 */

/** A D-Bus value (see the module comment for the mapping). */
export type DBusValue =
  | number
  | bigint
  | boolean
  | string
  | Uint8Array
  | DBusValue[]
  | Map<DBusValue, DBusValue>
  | Variant;

/** A variant: a value together with its own signature. */
export class Variant {
  constructor(readonly signature: string, readonly value: DBusValue) {}
}

/** An error reply (`org.freedesktop.DBus.Error.ServiceUnknown: The name ... was not provided`). */
export class DBusError extends Error {
  constructor(readonly errorName: string, message: string) {
    super(message === "" ? errorName : `${errorName}: ${message}`);
    this.name = "DBusError";
  }
}

/** The bus could not be reached, authentication failed, or a call timed out. */
export class DBusConnectionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DBusConnectionError";
  }
}

export { sessionBusAddress } from "./session_bus.ts";

// ---------------------------------------------------------------------------------------------
// Signatures

/** Index just past the single complete type starting at `i`. */
function completeTypeEnd(sig: string, i: number): number {
  const c = sig[i];
  if (c === undefined) throw new Error(`bad D-Bus signature ${JSON.stringify(sig)}`);
  if (c === "a") return completeTypeEnd(sig, i + 1);
  if (c === "(" || c === "{") {
    const close = c === "(" ? ")" : "}";
    let j = i + 1;
    while (sig[j] !== close) {
      if (j >= sig.length) throw new Error(`bad D-Bus signature ${JSON.stringify(sig)}`);
      j = completeTypeEnd(sig, j);
    }
    return j + 1;
  }
  if ("ybnqiuxtdhsogv".includes(c)) return i + 1;
  throw new Error(`bad D-Bus signature ${JSON.stringify(sig)}`);
}

/** Splits a signature into its complete types: "isay" -> ["i", "s", "ay"]. */
export function splitSignature(sig: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < sig.length;) {
    const end = completeTypeEnd(sig, i);
    out.push(sig.slice(i, end));
    i = end;
  }
  return out;
}

function alignmentOf(type: string): number {
  switch (type[0]) {
    case "y":
    case "g":
    case "v":
      return 1;
    case "n":
    case "q":
      return 2;
    case "x":
    case "t":
    case "d":
    case "(":
    case "{":
      return 8;
    default:
      return 4; // b i u h s o a
  }
}

// ---------------------------------------------------------------------------------------------
// Marshalling

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

class Writer {
  private buf = new Uint8Array(256);
  private view = new DataView(this.buf.buffer);
  length = 0;
  constructor(readonly littleEndian = true) {}

  private ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
  align(n: number): void {
    const pad = (n - (this.length % n)) % n;
    this.ensure(pad);
    this.buf.fill(0, this.length, this.length + pad);
    this.length += pad;
  }
  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }
  u8(v: number): void {
    this.ensure(1);
    this.buf[this.length++] = v;
  }
  num(kind: "i16" | "u16" | "i32" | "u32" | "f64", v: number): void {
    const size = kind === "f64" ? 8 : kind.endsWith("16") ? 2 : 4;
    this.align(size);
    this.ensure(size);
    const le = this.littleEndian;
    if (kind === "i16") this.view.setInt16(this.length, v, le);
    else if (kind === "u16") this.view.setUint16(this.length, v, le);
    else if (kind === "i32") this.view.setInt32(this.length, v, le);
    else if (kind === "u32") this.view.setUint32(this.length, v, le);
    else this.view.setFloat64(this.length, v, le);
    this.length += size;
  }
  big(signed: boolean, v: bigint): void {
    this.align(8);
    this.ensure(8);
    if (signed) this.view.setBigInt64(this.length, v, this.littleEndian);
    else this.view.setBigUint64(this.length, v, this.littleEndian);
    this.length += 8;
  }
  setU32(at: number, v: number): void {
    this.view.setUint32(at, v, this.littleEndian);
  }
  result(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

function expect(cond: boolean, type: string, value: unknown): void {
  // Only the kind of value: the values marshalled here include item JSON, i.e. secrets.
  if (!cond) throw new TypeError(`D-Bus: cannot marshal a ${kindOf(value)} as ${type}`);
}

function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (value instanceof Uint8Array) return "byte array";
  return typeof value;
}

function writeValue(w: Writer, type: string, value: DBusValue): void {
  switch (type[0]) {
    case "y":
      expect(typeof value === "number", type, value);
      w.u8(value as number);
      return;
    case "b":
      expect(typeof value === "boolean", type, value);
      w.num("u32", value ? 1 : 0);
      return;
    case "n":
      w.num("i16", value as number);
      return;
    case "q":
      w.num("u16", value as number);
      return;
    case "i":
    case "h":
      expect(typeof value === "number", type, value);
      w.num("i32", value as number);
      return;
    case "u":
      expect(typeof value === "number", type, value);
      w.num("u32", value as number);
      return;
    case "x":
    case "t":
      expect(typeof value === "bigint" || typeof value === "number", type, value);
      w.big(type === "x", BigInt(value as number | bigint));
      return;
    case "d":
      w.num("f64", value as number);
      return;
    case "s":
    case "o": {
      expect(typeof value === "string", type, value);
      const b = encoder.encode(value as string);
      w.num("u32", b.length);
      w.bytes(b);
      w.u8(0);
      return;
    }
    case "g": {
      expect(typeof value === "string", type, value);
      const b = encoder.encode(value as string);
      w.u8(b.length);
      w.bytes(b);
      w.u8(0);
      return;
    }
    case "v": {
      expect(value instanceof Variant, type, value);
      const v = value as Variant;
      writeValue(w, "g", v.signature);
      writeValue(w, v.signature, v.value);
      return;
    }
    case "(": {
      const fields = splitSignature(type.slice(1, -1));
      expect(Array.isArray(value) && value.length === fields.length, type, value);
      w.align(8);
      fields.forEach((f, i) => writeValue(w, f, (value as DBusValue[])[i]));
      return;
    }
    case "a":
      writeArray(w, type.slice(1), value);
      return;
  }
  throw new TypeError(`D-Bus: unsupported type ${type}`);
}

function writeArray(w: Writer, elem: string, value: DBusValue): void {
  w.num("u32", 0); // length, patched below
  const lengthAt = w.length - 4;
  w.align(alignmentOf(elem)); // padding before the first element is not counted
  const start = w.length;
  if (elem === "y") {
    expect(value instanceof Uint8Array, "ay", value);
    w.bytes(value as Uint8Array);
  } else if (elem[0] === "{") {
    const [k, v] = splitSignature(elem.slice(1, -1));
    expect(value instanceof Map, "a" + elem, value);
    for (const [key, val] of value as Map<DBusValue, DBusValue>) {
      w.align(8);
      writeValue(w, k, key);
      writeValue(w, v, val);
    }
  } else {
    expect(Array.isArray(value), "a" + elem, value);
    for (const item of value as DBusValue[]) writeValue(w, elem, item);
  }
  w.setU32(lengthAt, w.length - start);
}

/** Marshals `values` by `signature`, aligned as if the data started at an 8-aligned offset. */
export function marshal(signature: string, values: DBusValue[], littleEndian = true): Uint8Array {
  const types = splitSignature(signature);
  if (types.length !== values.length) {
    throw new TypeError(`D-Bus: signature ${signature} needs ${types.length} values`);
  }
  const w = new Writer(littleEndian);
  types.forEach((t, i) => writeValue(w, t, values[i]));
  return w.result();
}

class Reader {
  private view: DataView;
  constructor(readonly buf: Uint8Array, public pos: number, readonly littleEndian: boolean) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  align(n: number): void {
    this.pos += (n - (this.pos % n)) % n;
  }
  need(n: number): void {
    if (this.pos + n > this.buf.length) throw new Error("D-Bus: truncated message");
  }
  u8(): number {
    this.need(1);
    return this.buf[this.pos++];
  }
  num(kind: "i16" | "u16" | "i32" | "u32" | "f64"): number {
    const size = kind === "f64" ? 8 : kind.endsWith("16") ? 2 : 4;
    this.align(size);
    this.need(size);
    const le = this.littleEndian, p = this.pos;
    this.pos += size;
    if (kind === "i16") return this.view.getInt16(p, le);
    if (kind === "u16") return this.view.getUint16(p, le);
    if (kind === "i32") return this.view.getInt32(p, le);
    if (kind === "u32") return this.view.getUint32(p, le);
    return this.view.getFloat64(p, le);
  }
  big(signed: boolean): bigint {
    this.align(8);
    this.need(8);
    const p = this.pos;
    this.pos += 8;
    return signed
      ? this.view.getBigInt64(p, this.littleEndian)
      : this.view.getBigUint64(p, this.littleEndian);
  }
  take(n: number): Uint8Array {
    this.need(n);
    const out = this.buf.slice(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
}

function readValue(r: Reader, type: string): DBusValue {
  switch (type[0]) {
    case "y":
      return r.u8();
    case "b":
      return r.num("u32") !== 0;
    case "n":
      return r.num("i16");
    case "q":
      return r.num("u16");
    case "i":
    case "h":
      return r.num("i32");
    case "u":
      return r.num("u32");
    case "x":
    case "t":
      return r.big(type === "x");
    case "d":
      return r.num("f64");
    case "s":
    case "o": {
      const n = r.num("u32");
      const s = decoder.decode(r.take(n));
      r.u8();
      return s;
    }
    case "g": {
      const n = r.u8();
      const s = decoder.decode(r.take(n));
      r.u8();
      return s;
    }
    case "v": {
      const sig = readValue(r, "g") as string;
      return new Variant(sig, readValue(r, sig));
    }
    case "(": {
      r.align(8);
      return splitSignature(type.slice(1, -1)).map((f) => readValue(r, f));
    }
    case "a": {
      const elem = type.slice(1);
      const n = r.num("u32");
      r.align(alignmentOf(elem));
      const end = r.pos + n;
      if (elem === "y") return r.take(n);
      if (elem[0] === "{") {
        const [k, v] = splitSignature(elem.slice(1, -1));
        const map = new Map<DBusValue, DBusValue>();
        while (r.pos < end) {
          r.align(8);
          const key = readValue(r, k);
          map.set(key, readValue(r, v));
        }
        return map;
      }
      const items: DBusValue[] = [];
      while (r.pos < end) items.push(readValue(r, elem));
      return items;
    }
  }
  throw new TypeError(`D-Bus: unsupported type ${type}`);
}

/** Unmarshals values of `signature` from `bytes` (which start 8-aligned). */
export function unmarshal(signature: string, bytes: Uint8Array, littleEndian = true): DBusValue[] {
  const r = new Reader(bytes, 0, littleEndian);
  return splitSignature(signature).map((t) => readValue(r, t));
}

// ---------------------------------------------------------------------------------------------
// Messages

export const MESSAGE_METHOD_CALL = 1;
export const MESSAGE_METHOD_RETURN = 2;
export const MESSAGE_ERROR = 3;
export const MESSAGE_SIGNAL = 4;

const FIELD_PATH = 1;
const FIELD_INTERFACE = 2;
const FIELD_MEMBER = 3;
const FIELD_ERROR_NAME = 4;
const FIELD_REPLY_SERIAL = 5;
const FIELD_DESTINATION = 6;
const FIELD_SIGNATURE = 8;

/** A decoded message: its type, serial, header fields and body. */
export interface DBusMessage {
  type: number;
  flags: number;
  serial: number;
  fields: Map<number, DBusValue>;
  signature: string;
  body: DBusValue[];
}

/** What a method call needs. */
export interface MethodCall {
  destination: string;
  path: string;
  interface: string;
  member: string;
  signature?: string;
  body?: DBusValue[];
}

/** Encodes a METHOD_CALL message (little-endian, protocol version 1). */
export function encodeMethodCall(serial: number, call: MethodCall): Uint8Array {
  const fields = new Map<number, DBusValue>([
    [FIELD_PATH, new Variant("o", call.path)],
    [FIELD_INTERFACE, new Variant("s", call.interface)],
    [FIELD_MEMBER, new Variant("s", call.member)],
    [FIELD_DESTINATION, new Variant("s", call.destination)],
  ]);
  const signature = call.signature ?? "";
  if (signature !== "") fields.set(FIELD_SIGNATURE, new Variant("g", signature));
  const body = marshal(signature, call.body ?? []);
  const header = marshal("yyyyuua(yv)", [
    "l".charCodeAt(0),
    MESSAGE_METHOD_CALL,
    0,
    1,
    body.length,
    serial,
    [...fields].map(([code, v]) => [code, v]),
  ]);
  const headerLength = Math.ceil(header.length / 8) * 8;
  const out = new Uint8Array(headerLength + body.length);
  out.set(header);
  out.set(body, headerLength);
  return out;
}

/** Length of the first complete message in `buf`, or 0 if more bytes are needed. */
export function messageLength(buf: Uint8Array): number {
  if (buf.length < 16) return 0;
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const le = buf[0] === "l".charCodeAt(0);
  if (!le && buf[0] !== "B".charCodeAt(0)) throw new Error("D-Bus: bad endianness byte");
  const bodyLength = view.getUint32(4, le);
  const fieldsLength = view.getUint32(12, le);
  const total = Math.ceil((16 + fieldsLength) / 8) * 8 + bodyLength;
  return buf.length >= total ? total : 0;
}

/** Decodes one complete message. */
export function decodeMessage(buf: Uint8Array): DBusMessage {
  const le = buf[0] === "l".charCodeAt(0);
  const r = new Reader(buf, 0, le);
  const [, type, flags, , bodyLength, serial, rawFields] = [
    readValue(r, "y"),
    readValue(r, "y"),
    readValue(r, "y"),
    readValue(r, "y"),
    readValue(r, "u"),
    readValue(r, "u"),
    readValue(r, "a(yv)"),
  ] as [number, number, number, number, number, number, [number, Variant][]];
  const fields = new Map<number, DBusValue>(rawFields.map(([code, v]) => [code, v.value]));
  r.align(8);
  const signature = (fields.get(FIELD_SIGNATURE) as string | undefined) ?? "";
  const bodyBytes = buf.subarray(r.pos, r.pos + bodyLength);
  const body = unmarshal(signature, bodyBytes, le);
  return { type, flags, serial, fields, signature, body };
}

// ---------------------------------------------------------------------------------------------
// Addresses

/**
 * The socket path of the first usable `unix:` address. Abstract names get a leading NUL, which
 * the Linux kernel (and Deno's unix connect) understands.
 */
export function unixSocketPath(address: string): string {
  const tried: string[] = [];
  for (const entry of address.split(";")) {
    if (entry === "") continue;
    const colon = entry.indexOf(":");
    const transport = entry.slice(0, colon);
    const params = new Map<string, string>();
    for (const kv of entry.slice(colon + 1).split(",")) {
      const eq = kv.indexOf("=");
      if (eq > 0) params.set(kv.slice(0, eq), decodeURIComponent(kv.slice(eq + 1)));
    }
    tried.push(transport);
    if (transport !== "unix") continue;
    if (params.has("path")) return params.get("path")!;
    if (params.has("abstract")) return "\0" + params.get("abstract")!;
  }
  throw new DBusConnectionError(
    `unsupported D-Bus address ${JSON.stringify(address)} (only unix:path= and unix:abstract= ` +
      `are supported)`,
  );
}

// ---------------------------------------------------------------------------------------------
// Connection

/** Timeouts in milliseconds. */
export interface DBusTimeouts {
  /** connect + authentication + Hello */
  connectMs?: number;
  /** each method call, unless the call gives its own */
  callMs?: number;
}

interface Pending {
  resolve: (m: DBusMessage) => void;
  reject: (e: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

/** One authenticated connection to a message bus. */
export class DBusConnection {
  private serial = 0;
  private pending = new Map<number, Pending>();
  private closed = false;
  private readLoop: Promise<void>;
  /** Our unique name (":1.42"), from Hello. */
  uniqueName = "";

  private constructor(private conn: Deno.UnixConn, private callMs: number) {
    // An idle connection must not keep the CLI alive; a call in flight does, through its timer.
    conn.unref();
    this.readLoop = this.readMessages();
  }

  /** Connects, authenticates with EXTERNAL (our uid) and says Hello. */
  static async connect(address: string, timeouts: DBusTimeouts = {}): Promise<DBusConnection> {
    const path = unixSocketPath(address);
    const connectMs = timeouts.connectMs ?? 3000;
    let conn: Deno.UnixConn | undefined;
    let timedOut = false;
    const work = (async () => {
      conn = await Deno.connect({ transport: "unix", path });
      if (timedOut) conn.close();
      await authenticate(conn);
      const bus = new DBusConnection(conn, timeouts.callMs ?? 25000);
      try {
        const [name] = await bus.call({
          destination: "org.freedesktop.DBus",
          path: "/org/freedesktop/DBus",
          interface: "org.freedesktop.DBus",
          member: "Hello",
        }, connectMs);
        bus.uniqueName = name as string;
      } catch (e) {
        await bus.close();
        throw e;
      }
      return bus;
    })();
    try {
      return await withTimeout(work, connectMs, () => {
        timedOut = true;
        try {
          conn?.close();
        } catch { /* already closed */ }
      }, `connecting to the D-Bus session bus timed out after ${connectMs} ms`);
    } catch (e) {
      if (e instanceof DBusConnectionError || e instanceof DBusError) throw e;
      const where = path.startsWith("\0") ? `@${path.slice(1)}` : path;
      throw new DBusConnectionError(
        `cannot connect to the D-Bus session bus at ${where}: ${errorText(e)}`,
      );
    }
  }

  /** Calls a method and returns the reply body; an error reply throws DBusError. */
  async call(call: MethodCall, timeoutMs = this.callMs): Promise<DBusValue[]> {
    if (this.closed) throw new DBusConnectionError("D-Bus connection is closed");
    const serial = ++this.serial;
    const reply = new Promise<DBusMessage>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(serial);
        reject(
          new DBusConnectionError(
            `D-Bus call ${call.interface}.${call.member} to ${call.destination} timed out after ` +
              `${timeoutMs} ms`,
          ),
        );
      }, timeoutMs);
      this.pending.set(serial, { resolve, reject, timer });
    });
    try {
      await writeAll(this.conn, encodeMethodCall(serial, call));
    } catch (e) {
      const p = this.pending.get(serial);
      if (p) {
        clearTimeout(p.timer);
        this.pending.delete(serial);
      }
      throw new DBusConnectionError(`D-Bus write failed: ${errorText(e)}`);
    }
    const msg = await reply;
    if (msg.type === MESSAGE_ERROR) {
      const name = (msg.fields.get(FIELD_ERROR_NAME) as string | undefined) ?? "";
      const text = typeof msg.body[0] === "string" ? msg.body[0] : "";
      throw new DBusError(name, text);
    }
    return msg.body;
  }

  /** Closes the socket and fails every call still waiting. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      this.conn.close();
    } catch { /* already closed */ }
    await this.readLoop;
  }

  private async readMessages(): Promise<void> {
    let buf = new Uint8Array(0);
    const chunk = new Uint8Array(65536);
    let failure = "D-Bus connection closed";
    try {
      while (true) {
        const n = await this.conn.read(chunk);
        if (n === null) break;
        const next = new Uint8Array(buf.length + n);
        next.set(buf);
        next.set(chunk.subarray(0, n), buf.length);
        buf = next;
        for (let len = messageLength(buf); len > 0; len = messageLength(buf)) {
          this.dispatch(decodeMessage(buf.subarray(0, len)));
          buf = buf.slice(len);
        }
      }
    } catch (e) {
      if (!this.closed) failure = `D-Bus read failed: ${errorText(e)}`;
    }
    this.closed = true;
    for (const [serial, p] of this.pending) {
      clearTimeout(p.timer);
      this.pending.delete(serial);
      p.reject(new DBusConnectionError(failure));
    }
  }

  private dispatch(msg: DBusMessage): void {
    if (msg.type !== MESSAGE_METHOD_RETURN && msg.type !== MESSAGE_ERROR) return; // signals
    const serial = msg.fields.get(FIELD_REPLY_SERIAL) as number | undefined;
    if (serial === undefined) return;
    const p = this.pending.get(serial);
    if (!p) return;
    clearTimeout(p.timer);
    this.pending.delete(serial);
    p.resolve(msg);
  }
}

async function authenticate(conn: Deno.UnixConn): Promise<void> {
  const uid = Deno.uid();
  if (uid === null) throw new DBusConnectionError("cannot authenticate to D-Bus: unknown uid");
  const hexUid = [...encoder.encode(String(uid))].map((b) => b.toString(16).padStart(2, "0"))
    .join("");
  await writeAll(conn, encoder.encode(`\0AUTH EXTERNAL ${hexUid}\r\n`));
  const line = await readLine(conn);
  if (!line.startsWith("OK ")) {
    throw new DBusConnectionError(`D-Bus authentication rejected: ${line.trim()}`);
  }
  await writeAll(conn, encoder.encode("BEGIN\r\n"));
}

async function readLine(conn: Deno.UnixConn): Promise<string> {
  // The server says nothing more until BEGIN, so reading byte chunks cannot swallow messages.
  let text = "";
  const chunk = new Uint8Array(512);
  while (!text.includes("\r\n")) {
    const n = await conn.read(chunk);
    if (n === null) {
      throw new DBusConnectionError("D-Bus closed the connection during authentication");
    }
    text += new TextDecoder().decode(chunk.subarray(0, n));
    if (text.length > 4096) throw new DBusConnectionError("D-Bus authentication reply too long");
  }
  return text.slice(0, text.indexOf("\r\n"));
}

async function writeAll(conn: Deno.UnixConn, data: Uint8Array): Promise<void> {
  for (let off = 0; off < data.length;) off += await conn.write(data.subarray(off));
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Races `work` against a timer; on timeout runs `onTimeout` and rejects with `message`. */
async function withTimeout<T>(
  work: Promise<T>,
  ms: number,
  onTimeout: () => void,
  message: string,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout();
      reject(new DBusConnectionError(message));
    }, ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
    work.catch(() => {}); // the loser's rejection is not interesting
  }
}
