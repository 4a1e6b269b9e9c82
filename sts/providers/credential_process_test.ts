import { assertEquals, assertNotIncludes, assertThrows } from "../../tests/assert.ts";
import { parseCredentialProcessOutput } from "./credential_process.ts";

const CMD = "/usr/local/bin/creds --profile p";

Deno.test("credential_process: fields match case-insensitively; Version and extras are ignored", () => {
  const creds = parseCredentialProcessOutput(
    CMD,
    '{"Version":1,"accesskeyid":"ASIAPROC","SecretAccessKey":"s3cr3t","SessionToken":"tok",' +
      '"Expiration":"2030-01-02T03:04:05Z","AccountId":"123456789012","Extra":true}',
  );
  assertEquals(creds.accessKeyId, "ASIAPROC");
  assertEquals(creds.secretAccessKey, "s3cr3t");
  assertEquals(creds.sessionToken, "tok");
  assertEquals(creds.accountId, "123456789012");
  assertEquals(creds.expiration?.toISOString(), "2030-01-02T03:04:05.000Z");
});

Deno.test("credential_process: long-term keys without token or expiration are accepted", () => {
  const creds = parseCredentialProcessOutput(CMD, '{"AccessKeyId":"AKIA1","SecretAccessKey":"x"}');
  assertEquals(creds.sessionToken, "");
  assertEquals(creds.expiration, undefined);
});

Deno.test("credential_process: errors name the command and never quote the output", () => {
  const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
  const bad = assertThrows(
    () => parseCredentialProcessOutput(CMD, `${secret} is not json`),
    Error,
    `invalid JSON format from command "${CMD}"`,
  );
  assertNotIncludes(bad.message, secret.slice(0, 6));
  assertThrows(
    () => parseCredentialProcessOutput(CMD, `{"SecretAccessKey":"${secret}"}`),
    Error,
    "missing the following fields: [AccessKeyId]",
  );
  assertThrows(
    () =>
      parseCredentialProcessOutput(
        CMD,
        '{"AccessKeyId":"A","SecretAccessKey":"B","Expiration":"tomorrow"}',
      ),
    Error,
    'parsing time "tomorrow" as RFC 3339 failed',
  );
});
