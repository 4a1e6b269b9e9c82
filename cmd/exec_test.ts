import { assertEquals, assertThrows } from "../tests/assert.ts";
import { UserError } from "../lib/errors.ts";
import { type ExecModes, validateExecModes } from "./exec.ts";

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
