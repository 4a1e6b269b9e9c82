import { assertEquals } from "../tests/assert.ts";
import type { Credentials } from "../lib/credentials.ts";
import { credentialProcessJson, formatCredentials, goIniValue } from "./export_formats.ts";

const MASTER: Credentials = {
  accessKeyId: "AKIAEXAMPLE000000001",
  secretAccessKey: "secret/with+chars",
  sessionToken: "",
};

const SESSION: Credentials = {
  accessKeyId: "ASIAEXAMPLE000000001",
  secretAccessKey: "sessionSecret",
  sessionToken: "FwoGZXIvYXdzE<&>token",
  expiration: new Date("2023-05-25T12:34:56.789Z"),
};

Deno.test("env format: master keys without region", () => {
  assertEquals(
    formatCredentials("env", "p", MASTER, ""),
    "AWS_ACCESS_KEY_ID=AKIAEXAMPLE000000001\nAWS_SECRET_ACCESS_KEY=secret/with+chars\n",
  );
});

Deno.test("env format: session with expiration and region, in aws-vault's order", () => {
  assertEquals(
    formatCredentials("env", "p", SESSION, "eu-west-1"),
    "AWS_ACCESS_KEY_ID=ASIAEXAMPLE000000001\n" +
      "AWS_SECRET_ACCESS_KEY=sessionSecret\n" +
      "AWS_SESSION_TOKEN=FwoGZXIvYXdzE<&>token\n" +
      "AWS_CREDENTIAL_EXPIRATION=2023-05-25T12:34:56Z\n" +
      "AWS_REGION=eu-west-1\n" +
      "AWS_DEFAULT_REGION=eu-west-1\n",
  );
});

Deno.test("export-env format prefixes every line with export", () => {
  assertEquals(
    formatCredentials("export-env", "p", MASTER, "us-east-1"),
    "export AWS_ACCESS_KEY_ID=AKIAEXAMPLE000000001\n" +
      "export AWS_SECRET_ACCESS_KEY=secret/with+chars\n" +
      "export AWS_REGION=us-east-1\n" +
      "export AWS_DEFAULT_REGION=us-east-1\n",
  );
});

Deno.test("json format: master keys omit SessionToken and Expiration", () => {
  assertEquals(
    formatCredentials("json", "p", MASTER, "us-east-1"),
    '{\n  "Version": 1,\n  "AccessKeyId": "AKIAEXAMPLE000000001",\n' +
      '  "SecretAccessKey": "secret/with+chars"\n}\n',
  );
});

Deno.test("json format: session, Go HTML escapes, AccountId last", () => {
  assertEquals(
    credentialProcessJson({ ...SESSION, accountId: "123456789012" }),
    "{\n" +
      '  "Version": 1,\n' +
      '  "AccessKeyId": "ASIAEXAMPLE000000001",\n' +
      '  "SecretAccessKey": "sessionSecret",\n' +
      '  "SessionToken": "FwoGZXIvYXdzE\\u003c\\u0026\\u003etoken",\n' +
      '  "Expiration": "2023-05-25T12:34:56Z",\n' +
      '  "AccountId": "123456789012"\n' +
      "}\n",
  );
  // The escapes are still valid JSON for the SDKs.
  assertEquals(JSON.parse(credentialProcessJson(SESSION)).SessionToken, SESSION.sessionToken);
});

Deno.test("ini format: credentials-file section, empty values omitted", () => {
  assertEquals(
    formatCredentials("ini", "team/dev", MASTER, ""),
    "[team/dev]\naws_access_key_id=AKIAEXAMPLE000000001\naws_secret_access_key=secret/with+chars\n",
  );
  assertEquals(
    formatCredentials("ini", "p", { ...SESSION, sessionToken: "tok" }, "us-east-1"),
    "[p]\n" +
      "aws_access_key_id=ASIAEXAMPLE000000001\n" +
      "aws_secret_access_key=sessionSecret\n" +
      "aws_session_token=tok\n" +
      "aws_credential_expiration=2023-05-25T12:34:56Z\n" +
      "region=us-east-1\n",
  );
});

Deno.test("ini format: go-ini quoting rules", () => {
  assertEquals(goIniValue("plain/value+x="), "plain/value+x=");
  assertEquals(goIniValue("a#b"), "`a#b`");
  assertEquals(goIniValue("a;b"), "`a;b`");
  assertEquals(goIniValue("a`b"), '"""a`b"""');
  assertEquals(goIniValue("a\nb"), '"""a\nb"""');
  assertEquals(goIniValue("a`#b"), '"""a`#b"""');
  assertEquals(goIniValue(" lead"), '" lead"');
  assertEquals(goIniValue("trail "), '"trail "');
  assertEquals(goIniValue(" #both "), "` #both `");
  assertEquals(
    formatCredentials("ini", "p", { ...MASTER, secretAccessKey: "s;x" }, ""),
    "[p]\naws_access_key_id=AKIAEXAMPLE000000001\naws_secret_access_key=`s;x`\n",
  );
});
