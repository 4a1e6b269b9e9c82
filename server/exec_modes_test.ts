import { assert, assertEquals, assertRejects, assertStringIncludes } from "../tests/assert.ts";
import type { Credentials } from "../lib/credentials.ts";
import type { ProfileConfig } from "../sts/config/profile_config.ts";
import { UserError } from "../lib/errors.ts";
import { getMfaToken, resetMfaState } from "../sts/mfa/mfa.ts";
import {
  ec2ChildEnv,
  ecsChildEnv,
  execWithEc2Server,
  execWithEcsServer,
  MFA_FORBIDDEN_REASON,
  proxyCommand,
  roleCredentials,
  type ServerExecOptions,
} from "./exec_modes.ts";
import { denoDir, windowsSystemEnv } from "../tests/run_cli.ts";

const PARENT_ENV = {
  PATH: "/usr/bin:/bin",
  AWS_VAULT: "dev",
  AWS_REGION: "eu-central-1",
  AWS_ACCESS_KEY_ID: "AKIASTALE",
  AWS_SECRET_ACCESS_KEY: "stale",
  AWS_SESSION_TOKEN: "stale",
  AWS_SECURITY_TOKEN: "stale",
  AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: "/tmp/token",
  AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: "/v2/creds",
  AWS_EC2_METADATA_DISABLED: "true",
};

Deno.test("ECS child env: static keys and other container variables unset", () => {
  const env = ecsChildEnv(PARENT_ENV, "http://127.0.0.1:4242", "tok");
  assertEquals(env, {
    PATH: "/usr/bin:/bin",
    AWS_VAULT: "dev",
    AWS_REGION: "eu-central-1",
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_CONTAINER_CREDENTIALS_FULL_URI: "http://127.0.0.1:4242",
    AWS_CONTAINER_AUTHORIZATION_TOKEN: "tok",
  });
});

Deno.test("EC2 child env: the endpoint set, IMDS enabled, no keys or container variables", () => {
  const env = ec2ChildEnv(
    { ...PARENT_ENV, AWS_CONTAINER_CREDENTIALS_FULL_URI: "http://127.0.0.1:1" },
    "http://127.0.0.1:4242/",
  );
  assertEquals(env, {
    PATH: "/usr/bin:/bin",
    AWS_VAULT: "dev",
    AWS_REGION: "eu-central-1",
    AWS_EC2_METADATA_SERVICE_ENDPOINT: "http://127.0.0.1:4242/",
  });
});

Deno.test("proxyCommand runs this program's proxy with the target port", () => {
  const argv = proxyCommand(34567, true);
  assertEquals(argv.slice(-4), ["--debug", "proxy", "--target-port", "34567"]);
  assertEquals(argv[0], Deno.execPath());
  assert(argv.includes("run") && argv.some((a) => /[\\/]main\.ts$/.test(a)));
  assertEquals(proxyCommand(1, false).includes("--debug"), false);
});

function profile(): ProfileConfig {
  return { name: "dev", region: "eu-central-1", assumeRoleDuration: 3_600_000 } as ProfileConfig;
}

function provider(fail?: Error) {
  const p = {
    calls: 0,
    retrieve(): Promise<Credentials> {
      p.calls++;
      if (fail) return Promise.reject(fail);
      return Promise.resolve({
        accessKeyId: "ASIAEXEC",
        secretAccessKey: "secret-exec",
        sessionToken: "token-exec",
        expiration: new Date(Date.now() + 3_600_000),
      });
    },
  };
  return p;
}

/** A child that reports its environment and what the server gave it, then exits with `code`. */
function childScript(kind: "ecs" | "ec2", out: string, code: number): string {
  const fetchCreds = kind === "ecs"
    ? `const r = await fetch(Deno.env.get("AWS_CONTAINER_CREDENTIALS_FULL_URI"), {
         headers: { authorization: Deno.env.get("AWS_CONTAINER_AUTHORIZATION_TOKEN") } });`
    : `const base = Deno.env.get("AWS_EC2_METADATA_SERVICE_ENDPOINT");
       const t = await (await fetch(base + "latest/api/token", { method: "PUT",
         headers: { "x-aws-ec2-metadata-token-ttl-seconds": "21600" } })).text();
       const r = await fetch(base + "latest/meta-data/iam/security-credentials/local-credentials", {
         headers: { "x-aws-ec2-metadata-token": t } });`;
  return `${fetchCreds}
    const env = Deno.env.toObject();
    await Deno.writeTextFile(${JSON.stringify(out)}, JSON.stringify({ status: r.status,
      body: await r.json(), env }));
    Deno.exit(${code});`;
}

function execOptions(
  p: ReturnType<typeof provider>,
  script: string,
  extra: Partial<ServerExecOptions> = {},
): ServerExecOptions {
  return {
    profile: profile(),
    provider: p,
    lazy: false,
    noEc2Proxy: true,
    command: Deno.execPath(),
    args: ["eval", "--quiet", script],
    env: { ...PARENT_ENV, ...windowsSystemEnv(), DENO_DIR: denoDir() },
    ...extra,
  };
}

Deno.test("execWithEcsServer: the child gets credentials, its exit code is ours", async () => {
  resetMfaState();
  const dir = await Deno.makeTempDir();
  try {
    const out = `${dir}/child.json`;
    const p = provider();
    const code = await execWithEcsServer(execOptions(p, childScript("ecs", out, 7)));
    assertEquals(code, 7);
    const seen = JSON.parse(await Deno.readTextFile(out));
    assertEquals(seen.status, 200);
    assertEquals(seen.body.AccessKeyId, "ASIAEXEC");
    assertEquals(seen.env.AWS_ACCESS_KEY_ID, undefined);
    assertEquals(seen.env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, undefined);
    assertEquals(seen.env.AWS_CONTAINER_AUTHORIZATION_TOKEN.length, 40);
    assertEquals(p.calls, 1);
    // MFA prompts are forbidden once the child runs.
    await assertRejects(
      () =>
        getMfaToken("arn:aws:iam::1:mfa/u", {
          mfaToken: "",
          mfaProcess: "",
          mfaPromptMethod: "terminal",
        }),
      UserError,
      MFA_FORBIDDEN_REASON,
    );
    // The server is gone with the child.
    await assertRejects(() => fetch(seen.env.AWS_CONTAINER_CREDENTIALS_FULL_URI));
  } finally {
    resetMfaState();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("execWithEcsServer: credentials fail before the child starts (not lazy)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const out = `${dir}/child.json`;
    const p = provider(new Error("AccessDenied: no"));
    const err = await assertRejects(
      () => execWithEcsServer(execOptions(p, childScript("ecs", out, 0))),
      UserError,
    );
    assertEquals(err.message, "Retrieving creds: AccessDenied: no");
    assertEquals(await Deno.stat(out).then(() => true, () => false), false);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("execWithEcsServer --lazy: no fetch until the child asks", async () => {
  resetMfaState();
  const p = provider();
  const code = await execWithEcsServer(
    execOptions(p, "Deno.exit(0)", { lazy: true }),
  );
  assertEquals(code, 0);
  assertEquals(p.calls, 0);
  resetMfaState();
});

Deno.test("execWithEc2Server --no-ec2-proxy: the child gets credentials over IMDSv2", async () => {
  resetMfaState();
  const dir = await Deno.makeTempDir();
  try {
    const out = `${dir}/child.json`;
    const p = provider();
    const code = await execWithEc2Server(execOptions(p, childScript("ec2", out, 3)));
    assertEquals(code, 3);
    const seen = JSON.parse(await Deno.readTextFile(out));
    assertEquals(seen.status, 200);
    assertEquals(seen.body.AccessKeyId, "ASIAEXEC");
    assertEquals(seen.body.Type, "AWS-HMAC");
    assertEquals(seen.env.AWS_EC2_METADATA_DISABLED, undefined);
    assertStringIncludes(seen.env.AWS_EC2_METADATA_SERVICE_ENDPOINT, "http://127.0.0.1:");
    assertEquals(p.calls, 1);
  } finally {
    resetMfaState();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("execWithEcsServer: a refresh that needs an MFA prompt is a clear 500, not a prompt", async () => {
  resetMfaState();
  const dir = await Deno.makeTempDir();
  try {
    const out = `${dir}/child.json`;
    let calls = 0;
    const mfaProvider = {
      async retrieve(): Promise<Credentials> {
        calls++;
        if (calls > 1) {
          // What the session provider does when its session ran out: ask for a code.
          await getMfaToken("arn:aws:iam::123456789012:mfa/dev", {
            mfaToken: "",
            mfaProcess: "",
            mfaPromptMethod: "terminal",
          });
        }
        // Lasts 30 s: due for a refresh at once.
        return {
          accessKeyId: "ASIASHORT",
          secretAccessKey: "s",
          sessionToken: "t",
          expiration: new Date(Date.now() + 30_000),
        };
      },
    };
    const code = await execWithEcsServer({
      ...execOptions(provider(), childScript("ecs", out, 0)),
      provider: mfaProvider,
    });
    assertEquals(code, 0);
    const seen = JSON.parse(await Deno.readTextFile(out));
    assertEquals(seen.status, 500);
    assertEquals(seen.body, { Code: "CredentialsUnavailable", Message: MFA_FORBIDDEN_REASON });
    assertEquals(calls, 2);
  } finally {
    resetMfaState();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("roleCredentials: at most maxRoles ARNs are cached, least recently used out first", async () => {
  const asked: string[] = [];
  const roles = roleCredentials(profile(), provider(), 2, (arn) => {
    asked.push(arn.slice(-1));
    return provider().retrieve();
  });
  const arn = (x: string) => `arn:aws:iam::123456789012:role/${x}`;
  for (const x of ["a", "b", "a", "c", "a", "b"]) await roles(arn(x));
  // c pushed out b (a was used more recently), so b is asked for again; a never is.
  assertEquals(asked, ["a", "b", "c", "b"]);
  await assertRejects(
    () => roles("arn:aws:iam::123456789012:user/x"),
    UserError,
    "not an IAM role",
  );
  assertEquals(asked.length, 4);
});
