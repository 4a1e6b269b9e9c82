import { assertEquals } from "../tests/assert.ts";
import {
  addressOf,
  buildCredential,
  CRED_PERSIST_LOCAL_MACHINE,
  CRED_TYPE_GENERIC,
  CREDENTIALW,
  readCredential,
} from "./advapi32.ts";
import { readUtf16z, utf16z } from "./utf16.ts";

Deno.test("CREDENTIALW offsets match the 64-bit Windows layout", () => {
  const buf = buildCredential({
    flags: 0x11,
    type: CRED_TYPE_GENERIC,
    targetName: 0x1111_2222_3333_4444n,
    comment: 0x55n,
    credentialBlobSize: 2560,
    credentialBlob: 0xaaaa_bbbb_cccc_ddddn,
    persist: CRED_PERSIST_LOCAL_MACHINE,
    attributeCount: 3,
    attributes: 0x66n,
    targetAlias: 0x77n,
    userName: 0x88n,
  });
  assertEquals(buf.byteLength, 80);
  const v = new DataView(buf.buffer);
  assertEquals(v.getUint32(0, true), 0x11);
  assertEquals(v.getUint32(4, true), 1);
  assertEquals(v.getBigUint64(8, true), 0x1111_2222_3333_4444n);
  assertEquals(v.getBigUint64(16, true), 0x55n);
  assertEquals(v.getBigUint64(24, true), 0n, "LastWritten stays zero");
  assertEquals(v.getUint32(32, true), 2560);
  assertEquals(v.getUint32(36, true), 0, "padding before the blob pointer");
  assertEquals(v.getBigUint64(40, true), 0xaaaa_bbbb_cccc_ddddn);
  assertEquals(v.getUint32(48, true), 2);
  assertEquals(v.getUint32(52, true), 3);
  assertEquals(v.getBigUint64(56, true), 0x66n);
  assertEquals(v.getBigUint64(64, true), 0x77n);
  assertEquals(v.getBigUint64(72, true), 0x88n);
  assertEquals(CREDENTIALW.userName + 8, CREDENTIALW.size);
});

Deno.test("a CREDENTIALW built in memory reads back through raw pointers", () => {
  const target = utf16z("aws-vault:aws-vault:ünï/cødé 𝄞");
  const user = utf16z("someone");
  const blob = new Uint8Array(2560).map((_, i) => (i * 31 + 7) % 256);
  const credential = buildCredential({
    flags: 0,
    type: CRED_TYPE_GENERIC,
    targetName: addressOf(target),
    comment: 0n,
    credentialBlobSize: blob.byteLength,
    credentialBlob: addressOf(blob),
    persist: CRED_PERSIST_LOCAL_MACHINE,
    attributeCount: 0,
    attributes: 0n,
    targetAlias: 0n,
    userName: addressOf(user),
  });
  const record = readCredential(Deno.UnsafePointer.of(credential)!);
  assertEquals(record.type, CRED_TYPE_GENERIC);
  assertEquals(record.persist, CRED_PERSIST_LOCAL_MACHINE);
  assertEquals(record.targetName, "aws-vault:aws-vault:ünï/cødé 𝄞");
  assertEquals(record.userName, "someone");
  assertEquals(Array.from(record.blob), Array.from(blob));
  // The blob is a copy: changing the source afterwards does not change what was read.
  blob.fill(0);
  assertEquals(record.blob[1], 38);
});

Deno.test("NULL pointers and an empty blob read as empty values", () => {
  const credential = buildCredential({
    flags: 0,
    type: CRED_TYPE_GENERIC,
    targetName: 0n,
    comment: 0n,
    credentialBlobSize: 0,
    credentialBlob: 0n,
    persist: CRED_PERSIST_LOCAL_MACHINE,
    attributeCount: 0,
    attributes: 0n,
    targetAlias: 0n,
    userName: 0n,
  });
  const record = readCredential(Deno.UnsafePointer.of(credential)!);
  assertEquals(record.targetName, "");
  assertEquals(record.userName, "");
  assertEquals(record.blob.byteLength, 0);
  assertEquals(readUtf16z(null), "");
  assertEquals(addressOf(new Uint8Array()), 0n);
});
