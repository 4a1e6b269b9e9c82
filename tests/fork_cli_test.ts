/**
 * The ByteNess fork's CLI additions, end to end against the fake AWS: $AWS_PROFILE as exec's
 * default profile, `exec --profile-env`, the AWS_VAULT_DURATION default, and the interactive
 * profile picker in a real terminal (tmux), with its unit-level key handling.
 */
import { assert, assertEquals, assertStringIncludes } from "./assert.ts";
import { baseEnv, cliCommand, runCli, shellLine } from "./run_cli.ts";
import { fakeAwsSetup, storeMasterKeys } from "./engine_fixtures.ts";
import type { FakeUserHandle } from "./fake_aws/server.ts";
import { applyKey, decodeKeys, type PickerState, render } from "../cmd/profile_picker.ts";
import { linuxTest, posixTest } from "./platform.ts";

const CONFIG = "[profile dev]\nregion = eu-west-1\n\n[profile prod]\nregion = us-east-1\n\n" +
  "[profile default-ish]\nregion = us-east-1\n";

/** A store holding `dev`'s and `prod`'s keys, and a shell that prints what the child got. */
async function setupStore() {
  let dev!: FakeUserHandle, prod!: FakeUserHandle;
  const s = await fakeAwsSetup(() => CONFIG, {
    prepare: (fake) => {
      dev = fake.addUser("dev");
      prod = fake.addUser("prod");
    },
  });
  await storeMasterKeys(s.keystore, "dev", dev.credentials());
  await storeMasterKeys(s.keystore, "prod", prod.credentials());
  const shell = `${s.home}/show-env.sh`;
  await Deno.writeTextFile(
    shell,
    '#!/bin/sh\necho "AWS_VAULT=$AWS_VAULT AWS_PROFILE=${AWS_PROFILE:-unset} ' +
      'KEY=${AWS_ACCESS_KEY_ID:-unset}"\n',
  );
  await Deno.chmod(shell, 0o755);
  return { s, dev, prod, shell };
}

posixTest(
  "sh scripts as children",
  "exec: $AWS_PROFILE is the profile when none is given (a subshell); the first word still is",
  async () => {
    const { s, dev, shell } = await setupStore();
    await using _ = s;
    const env = { ...s.env, AWS_PROFILE: "dev", SHELL: shell };
    const r = await runCli(["exec", "--no-session"], { home: s.home, env });
    assertEquals(r.code, 0, r.stderr);
    assertEquals(r.stdout.trim(), `AWS_VAULT=dev AWS_PROFILE=unset KEY=${dev.accessKeyId}`);

    // With words, the first is the profile as before: "prod" here, whatever AWS_PROFILE says.
    const named = await runCli(["exec", "--no-session", "prod", "--", shell], {
      home: s.home,
      env,
    });
    assertEquals(named.code, 0, named.stderr);
    assertStringIncludes(named.stdout, "AWS_VAULT=prod ");
  },
);

Deno.test("exec and export without a profile off a terminal: kingpin's missing-argument error", async () => {
  const { s } = await setupStore();
  await using _ = s;
  for (const args of [["exec"], ["export"], ["rotate"]]) {
    const r = await runCli(args, { home: s.home, env: s.env });
    assertEquals(r.code, 1, args.join(" "));
    assertEquals(
      r.stderr,
      "aws-vault: error: required argument 'profile' not provided, try --help\n",
    );
  }
  // export never takes $AWS_PROFILE: a credential_process line would resolve itself.
  const r = await runCli(["export"], { home: s.home, env: { ...s.env, AWS_PROFILE: "dev" } });
  assertEquals(r.code, 1);
  assertStringIncludes(r.stderr, "required argument 'profile' not provided");
});

posixTest(
  "sh scripts as children",
  "exec --profile-env: credentials are checked, then the child gets AWS_PROFILE and no keys",
  async () => {
    const { s, shell } = await setupStore();
    await using _ = s;
    const viaFlag = await runCli(["exec", "--profile-env", "dev", "--", shell], {
      home: s.home,
      env: s.env,
    });
    assertEquals(viaFlag.code, 0, viaFlag.stderr);
    assertEquals(viaFlag.stdout.trim(), "AWS_VAULT=dev AWS_PROFILE=dev KEY=unset");
    assertEquals(s.fake.callCount("GetSessionToken"), 1);

    const viaEnv = await runCli(["exec", "prod", "--", shell], {
      home: s.home,
      env: { ...s.env, AWS_VAULT_PROFILE_ENV: "true" },
    });
    assertEquals(viaEnv.stdout.trim(), "AWS_VAULT=prod AWS_PROFILE=prod KEY=unset");

    // A profile whose credentials cannot be had fails before the child runs.
    await Deno.writeTextFile(`${s.home}/.aws/config`, CONFIG + "\n[profile nokeys]\n");
    const failed = await runCli(["exec", "--profile-env", "nokeys", "--", shell], {
      home: s.home,
      env: s.env,
    });
    assertEquals(failed.code, 1);
    assertEquals(failed.stdout, "");
    assertStringIncludes(failed.stderr, "nokeys");
  },
);

Deno.test("AWS_VAULT_DURATION is the --duration default of exec and export", async () => {
  const { s } = await setupStore();
  await using _ = s;
  const env = { ...s.env, AWS_VAULT_DURATION: "2h" };
  const r = await runCli(["export", "--format=json", "dev"], { home: s.home, env });
  assertEquals(r.code, 0, r.stderr);
  assertEquals(s.fake.callsTo("GetSessionToken")[0].params.DurationSeconds, "7200");
  const flag = await runCli(["export", "--format=json", "-d", "3h", "prod"], { home: s.home, env });
  assertEquals(flag.code, 0, flag.stderr);
  assertEquals(s.fake.callsTo("GetSessionToken")[1].params.DurationSeconds, "10800");
});

// ---------------------------------------------------------------------------------------------
// The picker

const NAMES = ["default", "dev", "prod", "production-eu"];

function press(state: PickerState, chunk: string) {
  let s: ReturnType<typeof applyKey> = state;
  for (const key of decodeKeys(chunk)) {
    if (!("filter" in s)) break;
    s = applyKey(NAMES, s, key);
  }
  return s;
}

Deno.test("picker keys: filter as typed, arrows, Enter, Esc, backspace", () => {
  const start = { filter: "", cursor: 0 };
  assertEquals(press(start, "\r"), { chosen: "default" });
  assertEquals(press(start, "\x1b[B\x1b[B\r"), { chosen: "prod" });
  assertEquals(press(start, "\x1bOB\x1b[A\x0e\r"), { chosen: "dev" });
  assertEquals(press(start, "PRO\x1b[B\r"), { chosen: "production-eu" });
  assertEquals(press(start, "prox\x7f\x7f\r"), { chosen: "prod" });
  assertEquals(press(start, "\x1b"), { cancelled: true });
  assertEquals(press(start, "de\x03"), { cancelled: true });
  // Enter with nothing matching keeps the picker open.
  assertEquals(press(start, "zzz\r"), { filter: "zzz", cursor: 0 });
  assertEquals(render(NAMES, { filter: "pro", cursor: 1 }), [
    "? Choose AWS profile: pro",
    "  prod",
    "> production-eu",
  ]);
});

/** A command in a detached tmux session of its own (a real pseudo-terminal). */
class Tmux {
  readonly socket = `aws-vault-test-${crypto.randomUUID().slice(0, 8)}`;

  constructor(readonly env: Record<string, string>) {}

  async run(...args: string[]): Promise<string> {
    const out = await new Deno.Command("tmux", {
      args: ["-L", this.socket, ...args],
      env: this.env,
      clearEnv: true,
      stdout: "piped",
      stderr: "piped",
    }).output();
    return new TextDecoder().decode(out.stdout);
  }

  start(command: string): Promise<string> {
    return this.run("new-session", "-d", "-x", "120", "-y", "30", "-s", "t", command);
  }

  keys(...keys: string[]): Promise<string> {
    return this.run("send-keys", "-t", "t", ...keys);
  }

  /** Polls the screen until it contains `text`. */
  async waitFor(text: string, timeoutMs = 20_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let screen = "";
    while (Date.now() < deadline) {
      screen = await this.run("capture-pane", "-p", "-t", "t");
      if (screen.includes(text)) return screen;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`"${text}" never appeared on the screen:\n${screen}`);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.run("kill-server");
  }
}

linuxTest(
  "tmux",
  "picker in a real terminal: type to filter, move, Enter runs exec for that profile; Esc aborts",
  async () => {
    const { s, prod, shell } = await setupStore();
    await using _ = s;
    // tmux runs the command through $SHELL, so the child's SHELL is set inside the command.
    const env = { ...baseEnv(s.home), ...s.env, SHELL: "/bin/sh", TERM: "xterm" };
    const cli = `SHELL=${shellLine([shell])} ${shellLine(cliCommand())}`;
    {
      await using tmux = new Tmux(env);
      await tmux.start(`${cli} exec --no-session; echo "exit=$?"; sleep 30`);
      await tmux.waitFor("Choose AWS profile:");
      const screen = await tmux.waitFor("> dev");
      assert(screen.includes("  prod") && screen.includes("  default-ish"), screen);
      await tmux.keys("pr");
      await tmux.waitFor("? Choose AWS profile: pr");
      await tmux.keys("Enter");
      const done = await tmux.waitFor("exit=0");
      assertStringIncludes(done, `AWS_VAULT=prod AWS_PROFILE=unset KEY=${prod.accessKeyId}`);
      assertStringIncludes(done, "? Choose AWS profile: prod");
    }
    {
      await using tmux = new Tmux(env);
      await tmux.start(`${cli} export --no-session; echo "exit=$?"; sleep 30`);
      await tmux.waitFor("> dev");
      await tmux.keys("Down");
      await tmux.waitFor("> prod");
      await tmux.keys("Escape");
      const done = await tmux.waitFor("exit=1");
      assertStringIncludes(done, "the profile picker was cancelled");
      assert(!done.includes("AWS_ACCESS_KEY_ID"), done);
    }
  },
);
