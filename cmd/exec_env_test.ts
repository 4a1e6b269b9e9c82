import { assertEquals } from "../tests/assert.ts";
import { baseChildEnv, childCommand, UNSET_VARIABLES, withCredentials } from "./exec_env.ts";

const PARENT: Record<string, string> = {
  PATH: "/usr/bin:/bin",
  HOME: "/home/u",
  AWS_ACCESS_KEY_ID: "AKIAOLD",
  AWS_SECRET_ACCESS_KEY: "old-secret",
  AWS_SESSION_TOKEN: "old-token",
  AWS_SECURITY_TOKEN: "old-security-token",
  AWS_CREDENTIAL_FILE: "/x",
  AWS_DEFAULT_PROFILE: "dp",
  AWS_PROFILE: "p",
  AWS_SDK_LOAD_CONFIG: "1",
  AWS_CONFIG_FILE: "/home/u/.aws/config",
  AWS_SHARED_CREDENTIALS_FILE: "/home/u/.aws/credentials",
  AWS_VAULT_PROMPT: "ykman",
  AWS_REGION: "ap-south-1",
};

Deno.test("baseChildEnv unsets the stale credential and profile variables", () => {
  const env = baseChildEnv(PARENT, "team/dev", "eu-west-1");
  assertEquals(env, {
    PATH: "/usr/bin:/bin",
    HOME: "/home/u",
    AWS_CONFIG_FILE: "/home/u/.aws/config",
    AWS_SHARED_CREDENTIALS_FILE: "/home/u/.aws/credentials",
    AWS_VAULT_PROMPT: "ykman",
    AWS_VAULT: "team/dev",
    AWS_REGION: "eu-west-1",
    AWS_DEFAULT_REGION: "eu-west-1",
  });
  assertEquals(UNSET_VARIABLES.length, 8);
  // The parent record is not modified.
  assertEquals(PARENT.AWS_PROFILE, "p");
});

Deno.test("baseChildEnv without a resolved region leaves the region variables alone", () => {
  const env = baseChildEnv({ PATH: "/bin", AWS_DEFAULT_REGION: "x" }, "p", "");
  assertEquals(env, { PATH: "/bin", AWS_DEFAULT_REGION: "x", AWS_VAULT: "p" });
});

Deno.test("baseChildEnv passes the profile's endpoint_url on unless the parent sets one", () => {
  const url = "http://127.0.0.1:4566";
  assertEquals(baseChildEnv({}, "p", "", url), { AWS_VAULT: "p", AWS_ENDPOINT_URL: url });
  const parent = { AWS_ENDPOINT_URL: "http://127.0.0.1:9999" };
  assertEquals(baseChildEnv(parent, "p", "", url).AWS_ENDPOINT_URL, "http://127.0.0.1:9999");
  assertEquals(baseChildEnv({}, "p", "").AWS_ENDPOINT_URL, undefined);
});

Deno.test("withCredentials: master keys set no token and no expiration", () => {
  const env = withCredentials({ AWS_VAULT: "p" }, {
    accessKeyId: "AKIA1",
    secretAccessKey: "s1",
    sessionToken: "",
  });
  assertEquals(env, { AWS_VAULT: "p", AWS_ACCESS_KEY_ID: "AKIA1", AWS_SECRET_ACCESS_KEY: "s1" });
});

Deno.test("withCredentials: session credentials set token and UTC expiration", () => {
  const env = withCredentials({}, {
    accessKeyId: "ASIA1",
    secretAccessKey: "s1",
    sessionToken: "t1",
    expiration: new Date(Date.UTC(2023, 4, 25, 12, 34, 56, 999)),
  });
  assertEquals(env, {
    AWS_ACCESS_KEY_ID: "ASIA1",
    AWS_SECRET_ACCESS_KEY: "s1",
    AWS_SESSION_TOKEN: "t1",
    AWS_CREDENTIAL_EXPIRATION: "2023-05-25T12:34:56Z",
  });
});

Deno.test("childCommand: command as given, else $SHELL, else /bin/sh", () => {
  assertEquals(childCommand(["aws", "s3", "ls"], () => "/bin/zsh"), {
    command: "aws",
    args: ["s3", "ls"],
    subshell: false,
  });
  assertEquals(childCommand([], (n) => (n === "SHELL" ? "/bin/zsh" : undefined)), {
    command: "/bin/zsh",
    args: [],
    subshell: true,
  });
  assertEquals(childCommand([], () => undefined, "linux"), {
    command: "/bin/sh",
    args: [],
    subshell: true,
  });
  assertEquals(childCommand([], () => "", "darwin"), {
    command: "/bin/sh",
    args: [],
    subshell: true,
  });
});

Deno.test("childCommand on Windows: $SHELL, else %COMSPEC%, else cmd.exe", () => {
  const comspec = "C:\\Windows\\system32\\cmd.exe";
  const env = (vars: Record<string, string>) => (n: string) => vars[n];
  assertEquals(childCommand([], env({ ComSpec: comspec }), "windows").command, comspec);
  assertEquals(childCommand([], env({ COMSPEC: comspec }), "windows").command, comspec);
  assertEquals(childCommand([], env({}), "windows"), {
    command: "cmd.exe",
    args: [],
    subshell: true,
  });
  assertEquals(
    childCommand([], env({ SHELL: "C:\\bin\\bash.exe" }), "windows").command,
    "C:\\bin\\bash.exe",
  );
  assertEquals(childCommand(["aws"], env({}), "windows").command, "aws");
});
