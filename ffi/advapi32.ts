/**
 * Raw bindings to the Windows Credential Manager (advapi32 Cred* functions) for 64-bit Windows:
 * the symbol tables for Deno.dlopen, the CREDENTIALW struct layout, and UTF-16LE strings.
 * No policy lives here (target names, size limits and error mapping are in keystore/wincred.ts).
 * Everything except `openAdvapi32()` is plain data and runs on any OS, so it is unit-tested on Linux.
 */

import { type Kernel32, openKernel32 } from "./kernel32.ts";
import { readUtf16z } from "./utf16.ts";

export const CRED_TYPE_GENERIC = 1;
export const CRED_PERSIST_LOCAL_MACHINE = 2;
/** CRED_MAX_CREDENTIAL_BLOB_SIZE = 5 * 512 bytes. */
export const CRED_MAX_CREDENTIAL_BLOB_SIZE = 5 * 512;
export const ERROR_NOT_FOUND = 1168;

export const ADVAPI32_SYMBOLS = {
  /** BOOL CredWriteW(PCREDENTIALW Credential, DWORD Flags) */
  CredWriteW: { parameters: ["buffer", "u32"], result: "i32" },
  /** BOOL CredReadW(LPCWSTR TargetName, DWORD Type, DWORD Flags, PCREDENTIALW *Credential) */
  CredReadW: { parameters: ["buffer", "u32", "u32", "buffer"], result: "i32" },
  /** BOOL CredDeleteW(LPCWSTR TargetName, DWORD Type, DWORD Flags) */
  CredDeleteW: { parameters: ["buffer", "u32", "u32"], result: "i32" },
  /** BOOL CredEnumerateW(LPCWSTR Filter, DWORD Flags, DWORD *Count, PCREDENTIALW **Credential) */
  CredEnumerateW: { parameters: ["buffer", "u32", "buffer", "buffer"], result: "i32" },
  /** void CredFree(PVOID Buffer) */
  CredFree: { parameters: ["pointer"], result: "void" },
} as const satisfies Deno.ForeignLibraryInterface;

export interface Advapi32 {
  advapi32: Deno.DynamicLibrary<typeof ADVAPI32_SYMBOLS>["symbols"];
  /** GetLastError, called right after a failed Cred* call, before anything else. */
  kernel32: Kernel32;
}

let loaded: Advapi32 | undefined;

/** Loads advapi32.dll and kernel32.dll once per process (Windows only). */
export function openAdvapi32(): Advapi32 {
  loaded ??= {
    advapi32: Deno.dlopen("advapi32.dll", ADVAPI32_SYMBOLS).symbols,
    kernel32: openKernel32(),
  };
  return loaded;
}

/**
 * CREDENTIALW on 64-bit Windows (pointers are 8 bytes, aligned to 8):
 * ```
 *  0 DWORD Flags            4 DWORD Type
 *  8 LPWSTR TargetName     16 LPWSTR Comment
 * 24 FILETIME LastWritten (2 x DWORD)
 * 32 DWORD CredentialBlobSize  (36: 4 bytes padding)
 * 40 LPBYTE CredentialBlob
 * 48 DWORD Persist         52 DWORD AttributeCount
 * 56 PCREDENTIAL_ATTRIBUTEW Attributes
 * 64 LPWSTR TargetAlias    72 LPWSTR UserName          (size 80)
 * ```
 */
export const CREDENTIALW = {
  size: 80,
  flags: 0,
  type: 4,
  targetName: 8,
  comment: 16,
  lastWritten: 24,
  credentialBlobSize: 32,
  credentialBlob: 40,
  persist: 48,
  attributeCount: 52,
  attributes: 56,
  targetAlias: 64,
  userName: 72,
} as const;

/** The fields we write and read; pointers are raw addresses (0n for NULL). */
export interface CredentialFields {
  flags: number;
  type: number;
  targetName: bigint;
  comment: bigint;
  credentialBlobSize: number;
  credentialBlob: bigint;
  persist: number;
  attributeCount: number;
  attributes: bigint;
  targetAlias: bigint;
  userName: bigint;
}

/** Lays out a CREDENTIALW in a new buffer. LastWritten is left zero: CredWriteW ignores it. */
export function buildCredential(fields: CredentialFields): Uint8Array {
  const buf = new Uint8Array(CREDENTIALW.size);
  const view = new DataView(buf.buffer);
  view.setUint32(CREDENTIALW.flags, fields.flags, true);
  view.setUint32(CREDENTIALW.type, fields.type, true);
  view.setBigUint64(CREDENTIALW.targetName, fields.targetName, true);
  view.setBigUint64(CREDENTIALW.comment, fields.comment, true);
  view.setUint32(CREDENTIALW.credentialBlobSize, fields.credentialBlobSize, true);
  view.setBigUint64(CREDENTIALW.credentialBlob, fields.credentialBlob, true);
  view.setUint32(CREDENTIALW.persist, fields.persist, true);
  view.setUint32(CREDENTIALW.attributeCount, fields.attributeCount, true);
  view.setBigUint64(CREDENTIALW.attributes, fields.attributes, true);
  view.setBigUint64(CREDENTIALW.targetAlias, fields.targetAlias, true);
  view.setBigUint64(CREDENTIALW.userName, fields.userName, true);
  return buf;
}

/** What a credential read back from Windows holds, with its strings and blob copied out. */
export interface CredentialRecord {
  type: number;
  persist: number;
  targetName: string;
  userName: string;
  blob: Uint8Array;
}

/** Reads a CREDENTIALW that Windows (or buildCredential) put at `pointer`. */
export function readCredential(pointer: Deno.PointerObject): CredentialRecord {
  const view = new Deno.UnsafePointerView(pointer);
  const blobSize = view.getUint32(CREDENTIALW.credentialBlobSize);
  const blobPointer = view.getPointer(CREDENTIALW.credentialBlob);
  return {
    type: view.getUint32(CREDENTIALW.type),
    persist: view.getUint32(CREDENTIALW.persist),
    targetName: readUtf16z(view.getPointer(CREDENTIALW.targetName)),
    userName: readUtf16z(view.getPointer(CREDENTIALW.userName)),
    blob: blobPointer === null || blobSize === 0
      ? new Uint8Array()
      : new Uint8Array(Deno.UnsafePointerView.getArrayBuffer(blobPointer, blobSize).slice(0)),
  };
}

/** The address of a buffer for a pointer field; 0n for an absent one. */
export function addressOf(buffer: Uint8Array | undefined): bigint {
  if (buffer === undefined || buffer.byteLength === 0) return 0n;
  return BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(buffer)));
}
