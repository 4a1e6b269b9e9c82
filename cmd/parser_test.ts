import { assert, assertEquals, assertThrows } from "../tests/assert.ts";
import { UsageError } from "../lib/errors.ts";
import { type CommandSyntax, type FlagSpec, parseArgs } from "./parser.ts";
import { GLOBAL_FLAGS } from "./app.ts";

const EXEC: CommandSyntax = {
  flags: [
    { name: "duration", short: "d", kind: "duration", help: "", env: "TEST_DURATION" },
    { name: "no-session", short: "n", kind: "bool", help: "" },
    { name: "server", short: "s", kind: "bool", help: "", env: "TEST_SERVER" },
    { name: "region", kind: "string", help: "" },
    { name: "format", kind: "enum", help: "", enumValues: () => ["env", "json"], default: "env" },
  ],
  args: [
    { name: "profile", help: "", required: true },
    { name: "cmd", help: "", variadic: true },
  ],
};

const ADD: CommandSyntax = {
  flags: [
    { name: "env", kind: "bool", help: "" },
    { name: "add-config", kind: "bool", help: "", default: "true" },
  ],
  args: [{ name: "profile", help: "", required: true }],
};

const GLOBALS: FlagSpec[] = GLOBAL_FLAGS;

function parse(argv: string[], env: Record<string, string> = {}) {
  return parseArgs(argv, {
    globalFlags: GLOBALS,
    commandSyntax: (name) => ({ exec: EXEC, add: ADD } as Record<string, CommandSyntax>)[name],
    env: (n) => env[n],
  });
}

function usageError(argv: string[], env: Record<string, string> = {}): string {
  return assertThrows(() => parse(argv, env), UsageError).message;
}

Deno.test("parser: flags may come before and after positionals (interspersed)", () => {
  const r = parse([
    "--debug",
    "exec",
    "-n",
    "prof",
    "--region",
    "eu-west-1",
    "--backend=file",
    "aws",
  ]);
  assertEquals(r.command, "exec");
  assertEquals(r.args, { profile: "prof" });
  assertEquals(r.rest, ["aws"]);
  assert(r.flags.bool("debug"));
  assert(r.flags.bool("no-session"));
  assertEquals(r.flags.string("region"), "eu-west-1");
  assertEquals(r.flags.string("backend"), "file");
  assert(r.flags.given("backend"));
});

Deno.test("parser: `--` ends option parsing", () => {
  const r = parse(["exec", "prof", "--", "aws", "s3", "ls", "--recursive", "-n", "--"]);
  assertEquals(r.args.profile, "prof");
  assertEquals(r.rest, ["aws", "s3", "ls", "--recursive", "-n", "--"]);
  assertEquals(r.flags.bool("no-session"), false);
});

Deno.test("parser: without `--`, everything from exec's command name on is the child's", () => {
  const r = parse(["exec", "-n", "prof", "--debug", "aws", "s3", "ls", "--recursive", "-n", "--"]);
  assertEquals(r.args.profile, "prof");
  assertEquals(r.rest, ["aws", "s3", "ls", "--recursive", "-n", "--"]);
  assert(r.flags.bool("no-session") && r.flags.bool("debug"));
  // The child's --help, --version and --backend are not ours either.
  const child = parse(["exec", "prof", "cmd", "--help", "--version", "--backend=x"]);
  assertEquals([child.help, child.version, child.rest.length], [false, false, 4]);
  assertEquals(child.flags.given("backend"), false);
  // Flags before the command are still checked.
  assertEquals(usageError(["exec", "prof", "--bogus", "cmd"]), "unknown long flag '--bogus'");
});

Deno.test("parser: --no-<bool> and bool defaults", () => {
  assertEquals(parse(["add", "p"]).flags.bool("add-config"), true);
  assertEquals(parse(["add", "p", "--no-add-config"]).flags.bool("add-config"), false);
  assertEquals(parse(["add", "--add-config=false", "p"]).flags.bool("add-config"), false);
  assertEquals(
    parse(["add", "--no-add-config", "--add-config", "p"]).flags.bool("add-config"),
    true,
  );
  // --no- only negates bools.
  assertEquals(usageError(["exec", "p", "--no-region"]), "unknown long flag '--no-region'");
});

Deno.test("parser: a bool flag's variable is true for Go's ParseBool spellings of true and yes", () => {
  const server = (value: string) =>
    parse(["exec", "p"], { TEST_SERVER: value }).flags.bool("server");
  for (const value of ["1", "t", "T", "true", "TRUE", "True", "yes"]) assert(server(value), value);
  for (const value of ["0", "f", "false", "no", "2"]) assert(!server(value), value);
});

Deno.test("parser: environment defaults; an explicit flag wins and is marked as given", () => {
  const env = { AWS_VAULT_BACKEND: "pass", AWS_VAULT_FILE_DIR: "/keys", TEST_DURATION: "2h" };
  const fromEnv = parse(["exec", "p"], env);
  assertEquals(fromEnv.flags.string("backend"), "pass");
  assertEquals(fromEnv.flags.given("backend"), false);
  assertEquals(fromEnv.flags.string("file-dir"), "/keys");
  assertEquals(fromEnv.flags.duration("duration"), 7_200_000);
  const explicit = parse(["exec", "p", "--backend", "file", "-d", "15m"], env);
  assertEquals(explicit.flags.string("backend"), "file");
  assertEquals(explicit.flags.duration("duration"), 900_000);
  // Declared defaults apply when neither is present; an empty variable does not count.
  const defaults = parse(["exec", "p"], { AWS_VAULT_KEYCHAIN_NAME: "" });
  assertEquals(defaults.flags.string("keychain"), "aws-vault");
  assertEquals(defaults.flags.string("file-dir"), "~/.awsvault/keys/");
  assertEquals(defaults.flags.string("format"), "env");
  assertEquals(defaults.flags.duration("duration"), 0);
});

Deno.test("parser: grouped short bools and attached short values", () => {
  const r = parse(["exec", "-ns", "p"]);
  assert(r.flags.bool("no-session") && r.flags.bool("server"));
  assertEquals(parse(["exec", "-nd1h", "p"]).flags.duration("duration"), 3_600_000);
  assertEquals(parse(["exec", "-d", "90m", "p"]).flags.duration("duration"), 5_400_000);
});

Deno.test("parser: duration errors name the flag and Go's reason", () => {
  const msg = usageError(["exec", "p", "--duration", "3600"]);
  assert(msg.includes("--duration") && msg.includes("missing unit"), msg);
  const short = usageError(["exec", "-d", "3600", "p"]);
  assert(short.includes("--duration") && short.includes("missing unit"), short);
  const fromEnv = usageError(["exec", "p"], { TEST_DURATION: "soon" });
  assert(fromEnv.includes("TEST_DURATION") && fromEnv.includes("--duration"), fromEnv);
  assertEquals(parse(["exec", "p", "--duration=1h30m"]).flags.duration("duration"), 5_400_000);
});

Deno.test("parser: unknown flags and enum values", () => {
  assertEquals(usageError(["exec", "p", "--bogus"]), "unknown long flag '--bogus'");
  assertEquals(usageError(["exec", "-z", "p"]), "unknown short flag '-z'");
  // A command's flags are unknown before the command is named.
  assertEquals(usageError(["--env", "add", "p"]), "unknown long flag '--env'");
  assertEquals(
    usageError(["exec", "p", "--format", "yaml"]),
    "--format value must be one of env,json, got 'yaml'",
  );
});

Deno.test("parser: missing and extra arguments, missing flag values, unknown commands", () => {
  assertEquals(usageError(["add"]), "required argument 'profile' not provided");
  assertEquals(usageError(["add", "a", "b"]), "unexpected b");
  assertEquals(usageError(["exec", "p", "--region"]), "expected argument for flag '--region'");
  assertEquals(usageError(["exec", "p", "-d"]), "expected argument for flag '-d'");
  assertEquals(usageError(["nope"]), 'expected command but got "nope"');
});

Deno.test("parser: help forms and --version", () => {
  const helpAdd = parse(["help", "add"]);
  assertEquals([helpAdd.command, helpAdd.help], ["add", true]);
  // Required arguments are not checked when help is asked for.
  assertEquals(parse(["add", "--help"]).help, true);
  assertEquals(parse(["exec", "-h"]).help, true);
  const bare = parse(["help"]);
  assertEquals([bare.command, bare.help], [undefined, true]);
  const none = parse([]);
  assertEquals([none.command, none.help], [undefined, false]);
  assertEquals(parse(["--version"]).version, true);
  // A profile may be called "help" once the command is known.
  assertEquals(parse(["exec", "help"]).args.profile, "help");
});
