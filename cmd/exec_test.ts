import { assertEquals, assertThrows } from "../tests/assert.ts";
import { UserError } from "../lib/errors.ts";
import { type ExecModes, validateExecModes } from "./exec.ts";
import { runCli } from "../tests/run_cli.ts";
import { startFakeAws } from "../tests/fake_aws/server.ts";
import { fakeAwsHome } from "../tests/fake_aws/home.ts";

const NONE: ExecModes = {
  ecsServer: false,
  ec2Server: false,
  json: false,
  noSession: false,
  lazy: false,
  prompt: "",
};

function failure(m: Partial<ExecModes>): string {
  try {
    validateExecModes({ ...NONE, ...m });
  } catch (err) {
    if (err instanceof UserError) return err.message;
    throw err;
  }
  return "";
}

Deno.test("exec validation: aws-vault's messages in aws-vault's order", () => {
  const all = { ec2Server: true, ecsServer: true, json: true, noSession: true, lazy: true };
  assertEquals(failure({ ...all, prompt: "terminal" }), "Can't use --ec2-server with --ecs-server");
  assertEquals(
    failure({ ec2Server: true, json: true, noSession: true }),
    "Can't use --ec2-server with --json",
  );
  assertEquals(
    failure({ ec2Server: true, noSession: true }),
    "Can't use --ec2-server with --no-session",
  );
  assertEquals(
    failure({ ecsServer: true, json: true, noSession: true }),
    "Can't use --ecs-server with --json",
  );
  assertEquals(
    failure({ ecsServer: true, noSession: true }),
    "Can't use --ecs-server with --no-session",
  );
  assertEquals(
    failure({ ecsServer: true, lazy: true, prompt: "terminal" }),
    "Can't use --prompt=terminal with --ecs-server --lazy. Specify a different prompt driver",
  );
  assertEquals(
    failure({ ec2Server: true, lazy: true, prompt: "terminal" }),
    "Can't use --prompt=terminal with --ec2-server --lazy. Specify a different prompt driver",
  );
});

Deno.test("exec validation: terminal prompt is fine when credentials are fetched up front", () => {
  assertEquals(failure({ ecsServer: true, prompt: "terminal" }), "");
  assertEquals(failure({ ec2Server: true, prompt: "terminal" }), "");
  assertEquals(failure({ ecsServer: true, lazy: true, prompt: "ykman" }), "");
  assertEquals(failure({ noSession: true, json: true, prompt: "terminal" }), "");
  assertEquals(failure({}), "");
  assertThrows(() => validateExecModes({ ...NONE, ecsServer: true, noSession: true }), UserError);
});

Deno.test("exec gives the child the profile's endpoint_url as AWS_ENDPOINT_URL", async () => {
  await using fake = await startFakeAws();
  const user = fake.addUser("dev");
  const f = await fakeAwsHome(
    fake,
    user,
    "dev",
    `[profile dev]\nregion=eu-west-1\nendpoint_url=${fake.url}\n\n` +
      `[profile ignoring]\nsource_profile=dev\nendpoint_url=${fake.url}\n` +
      "ignore_configured_endpoint_urls=true\n",
  );
  try {
    const printEndpoint = [
      Deno.execPath(),
      "eval",
      'console.log(Deno.env.get("AWS_ENDPOINT_URL") ?? "unset")',
    ];
    // Not from the environment this time: the config alone sends our STS call to the fake.
    const run = (args: string[]) =>
      runCli(["exec", ...args, "--", ...printEndpoint], {
        home: f.home,
        env: f.env,
        unset: ["AWS_ENDPOINT_URL"],
      });
    const viaConfig = await run(["dev"]);
    assertEquals([viaConfig.code, viaConfig.stdout, viaConfig.stderr], [0, `${fake.url}\n`, ""]);
    assertEquals(fake.callCount("GetSessionToken"), 1);
    const ignoring = await run(["--no-session", "ignoring"]);
    assertEquals([ignoring.code, ignoring.stdout, ignoring.stderr], [0, "unset\n", ""]);
  } finally {
    await f.cleanup();
  }
});
