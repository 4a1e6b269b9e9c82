import { assertEquals, assertThrows } from "../tests/assert.ts";
import {
  decodeMasterCredentials,
  decodeSessionCredentials,
  masterCredentialsItem,
  sessionItem,
} from "./credential_items.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

Deno.test("master credentials are aws.Credentials' exact Go JSON, labelled like aws-vault", () => {
  const item = masterCredentialsItem("alice", {
    accessKeyId: "AKIAIOSFODNN7EXAMPLE",
    secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    sessionToken: "",
  });
  assertEquals(
    dec.decode(item.data),
    '{"AccessKeyID":"AKIAIOSFODNN7EXAMPLE","SecretAccessKey":"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",' +
      '"SessionToken":"","Source":"","CanExpire":false,"Expires":"0001-01-01T00:00:00Z"}',
  );
  assertEquals(item.key, "alice");
  assertEquals(item.label, "aws-vault (alice)");
  assertEquals(item.description, "");
  assertEquals(item.keychainNotTrustApplication, true);
  assertEquals(item.keychainNotSynchronizable, false);
});

Deno.test("master credentials are read case-insensitively, ignoring unknown fields", () => {
  const expected = { accessKeyId: "AKIAX", secretAccessKey: "s", sessionToken: "" };
  for (
    const json of [
      '{"AccessKeyID":"AKIAX","SecretAccessKey":"s","SessionToken":"","Source":"","CanExpire":false,"Expires":"0001-01-01T00:00:00Z"}',
      '{"AccessKeyId":"AKIAX","SecretAccessKey":"s"}',
      '{"accesskeyid":"AKIAX","SECRETACCESSKEY":"s","AccountID":""}',
    ]
  ) {
    assertEquals(decodeMasterCredentials(enc.encode(json)), expected, json);
  }
  assertEquals(
    decodeMasterCredentials(
      enc.encode('{"AccessKeyID":"A","SecretAccessKey":"s","SessionToken":"t"}'),
    ).sessionToken,
    "t",
  );
  assertThrows(
    () => decodeMasterCredentials(enc.encode("not json")),
    Error,
    "Invalid data in keyring",
  );
  assertThrows(() => decodeMasterCredentials(enc.encode("[1]")), Error, "Invalid data in keyring");
});

Deno.test("sessions are STS types.Credentials' Go JSON with aws-vault's label", () => {
  const key = "sts.GetSessionToken,YWxpY2U,,1685018096";
  const item = sessionItem(key, "alice", {
    accessKeyId: "ASIAEXAMPLE",
    secretAccessKey: "secret",
    sessionToken: "token<&>",
    expiration: new Date("2023-05-25T12:34:56Z"),
  });
  assertEquals(
    dec.decode(item.data),
    '{"AccessKeyId":"ASIAEXAMPLE","Expiration":"2023-05-25T12:34:56Z","SecretAccessKey":"secret",' +
      '"SessionToken":"token\\u003c\\u0026\\u003e"}',
  );
  assertEquals(item.key, key);
  assertEquals(item.label, "aws-vault session for alice (expires 2023-05-25T12:34:56Z)");
  assertEquals(item.description, "aws-vault session");
  assertEquals(item.keychainNotTrustApplication, false);
});

Deno.test("session expirations keep fractions in the data and a given zone, not in the label", () => {
  const creds = {
    accessKeyId: "ASIA",
    secretAccessKey: "s",
    sessionToken: "t",
    expiration: new Date("2023-05-25T12:34:56.5Z"),
  };
  const utc = sessionItem("k", "p", creds);
  assertEquals(JSON.parse(dec.decode(utc.data)).Expiration, "2023-05-25T12:34:56.5Z");
  assertEquals(utc.label, "aws-vault session for p (expires 2023-05-25T12:34:56Z)");
  const zoned = sessionItem("k", "p", creds, "2023-05-25T22:34:56.5+10:00");
  assertEquals(JSON.parse(dec.decode(zoned.data)).Expiration, "2023-05-25T22:34:56.5+10:00");
  assertEquals(zoned.label, "aws-vault session for p (expires 2023-05-25T22:34:56+10:00)");
});

Deno.test("sessions are read back, case-insensitively, with nanosecond and zoned expirations", () => {
  const read = (json: string) => decodeSessionCredentials(enc.encode(json));
  assertEquals(
    read(
      '{"AccessKeyId":"ASIA","Expiration":"2023-05-25T12:34:56Z","SecretAccessKey":"s","SessionToken":"t"}',
    ),
    {
      accessKeyId: "ASIA",
      secretAccessKey: "s",
      sessionToken: "t",
      expiration: new Date("2023-05-25T12:34:56Z"),
    },
  );
  assertEquals(
    read('{"accesskeyid":"A","EXPIRATION":"2023-05-25T22:34:56.123456789+10:00"}').expiration,
    new Date("2023-05-25T12:34:56.123Z"),
  );
  assertEquals(read('{"AccessKeyId":"A","Expiration":null}').expiration, undefined);
  assertThrows(() => read('{"Expiration":"yesterday"}'), Error, "Invalid data in keyring");
});
