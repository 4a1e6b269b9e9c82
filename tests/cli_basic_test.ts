/**
 * End-to-end tests of the basics, through the CLI as a user runs it: version and help output,
 * usage errors, and add / list / remove against the encrypted file backend in a temporary HOME.
 * Terminal prompts are driven through a real pseudo-terminal (util-linux `script`).
 */
import {
  assert,
  assertEquals,
  assertMatch,
  assertNotIncludes,
  assertStringIncludes,
} from "./assert.ts";
import {
  baseEnv,
  cliCommand,
  type CliResult,
  type FileStoreHome,
  runCli,
  shellLine,
  withFileStoreHome,
} from "./run_cli.ts";
import { VERSION } from "../cmd/app.ts";
import { openTestFileStore } from "./file_store.ts";
import type { Keystore } from "../keystore/keystore.ts";
import { formatSessionKey, oidcKey } from "../keystore/key_names.ts";
import {
  decodeMasterCredentials,
  masterCredentialsItem,
  sessionItem,
} from "../keystore/credential_items.ts";
import { linuxTest, withoutTerminal } from "./platform.ts";

const PASSPHRASE = "cli-basic-test-passphrase";

type Home = FileStoreHome;

function withHome(fn: (h: Home) => Promise<void>): Promise<void> {
  return withFileStoreHome(PASSPHRASE, fn);
}

function cli(h: Home, args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return runCli(["--backend=file", ...args], { home: h.home, env: { ...h.env, ...env } });
}

function store(h: Home): Promise<Keystore> {
  return openTestFileStore(h.keys, PASSPHRASE);
}

async function addSession(ks: Keystore, type: string, profile: string, secondsLeft: number) {
  const expiration = Math.floor(Date.now() / 1000) + secondsLeft;
  const key = formatSessionKey({ type, profileName: profile, mfaSerial: "", expiration });
  await ks.set(sessionItem(key, profile, {
    accessKeyId: "ASIATESTSESSION00001",
    secretAccessKey: "session-secret",
    sessionToken: "session-token",
    expiration: new Date(expiration * 1000),
  }));
}

function row(...cells: string[]): string {
  return cells.map((c) => c.padEnd(25)).join("") + "\n";
}

const HEADER = row("Profile", "Credentials", "Sessions") +
  row("=======", "===========", "========");

Deno.test("cli: --version prints the version on stderr and exits 0", async () => {
  await withHome(async (h) => {
    const r = await cli(h, ["--version"]);
    assertEquals([r.code, r.stdout, r.stderr], [0, "", `${VERSION}\n`]);
  });
});

Deno.test("cli: --debug starts with aws-vault's version line in Go's log format", async () => {
  await withHome(async (h) => {
    const r = await cli(h, ["--debug", "list", "--profiles"]);
    assertEquals(r.code, 0, r.stderr);
    assertMatch(r.stderr, /^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d aws-vault v\S+\n/);
    assertStringIncludes(r.stderr.split("\n")[0], ` aws-vault ${VERSION}`);
  });
});

Deno.test("cli: --help, no command, and help <command> print usage on stderr", async () => {
  await withHome(async (h) => {
    const help = await cli(h, ["--help"]);
    assertEquals([help.code, help.stdout], [0, ""]);
    assertStringIncludes(help.stderr, "usage: aws-vault [<flags>] <command> [<args> ...]");
    for (const c of ["add [<flags>] <profile>", "list [<flags>]", "exec [<flags>] [<profile>]"]) {
      assertStringIncludes(help.stderr, `\n${c}`);
    }
    assertNotIncludes(help.stderr, "proxy");

    const none = await runCli([], { home: h.home });
    assertEquals(none.code, 0);
    assertStringIncludes(none.stderr, "usage: aws-vault");

    const add = await cli(h, ["help", "add"]);
    assertEquals(add.code, 0);
    assertStringIncludes(add.stderr, "usage: aws-vault add [<flags>] <profile>");
    assertStringIncludes(add.stderr, "--[no-]add-config");
    assertStringIncludes(add.stderr, "--[no-]env");
    const rm = await cli(h, ["rm", "--help"]);
    assertStringIncludes(rm.stderr, "-f, --[no-]force");
    assertNotIncludes(rm.stderr, "sessions-only");
  });
});

Deno.test("cli: usage errors: unknown command, missing argument, bad flag values", async () => {
  await withHome(async (h) => {
    const unknown = await cli(h, ["nope"]);
    assertEquals(unknown.code, 1);
    assertEquals(unknown.stderr, 'aws-vault: error: expected command but got "nope", try --help\n');
    const missing = await cli(h, ["add"]);
    assertEquals(
      missing.stderr,
      "aws-vault: error: required argument 'profile' not provided, try --help\n",
    );
    const flag = await cli(h, ["list", "--bogus"]);
    assertEquals(flag.stderr, "aws-vault: error: unknown long flag '--bogus', try --help\n");
    assertEquals(flag.code, 1);
  });
});

Deno.test("cli: --prompt is checked for every command; help <unknown> and pass as kingpin prints them", async () => {
  await withHome(async (h) => {
    const bogus = await cli(h, ["list"], { AWS_VAULT_PROMPT: "bogus" });
    assertEquals([bogus.code, bogus.stdout], [1, ""]);
    assertMatch(
      bogus.stderr,
      /^aws-vault: error: --prompt value must be one of ([a-z]+,)*terminal(,[a-z]+)*, got 'bogus', try --help\n$/,
    );
    const pass = await cli(h, ["--prompt=pass", "list", "--profiles"]);
    assertEquals([pass.code, pass.stdout], [1, ""]);
    assertEquals(
      pass.stderr,
      "aws-vault: error: --prompt=pass (or AWS_VAULT_PROMPT=pass) has been removed from " +
        "aws-vault as using TOTPs without a dedicated device goes against security best " +
        "practices. If you wish to continue using pass, add `mfa_process = pass otp <your " +
        "mfa_serial>` to profiles in your ~/.aws/config file.\n",
    );
    // kingpin runs the check before it finds that no command was given; help still wins.
    const bare = await runCli(["--prompt=bogus"], { home: h.home });
    assertEquals(bare.code, 1);
    assertStringIncludes(bare.stderr, "--prompt value must be one of");
    assertEquals((await runCli(["--prompt=bogus", "help"], { home: h.home })).code, 0);
    const ok = await cli(h, ["--prompt=terminal", "list", "--profiles"]);
    assertEquals([ok.code, ok.stderr], [0, ""]);
    const help = await cli(h, ["help", "frob"]);
    assertEquals([help.code, help.stderr], [
      1,
      'aws-vault: error: expected command but got "frob"\n',
    ]);
    const dashes = await cli(h, ["--", "list"]);
    assertEquals([dashes.code, dashes.stderr], [0, ""]);
    assertStringIncludes(dashes.stdout, "Profile");
  });
});

Deno.test("cli: a flag value or profile that is also a command name does not hide the command", async () => {
  await withHome(async (h) => {
    await Deno.writeTextFile(h.config, "[profile list]\nregion = eu-west-1\n");
    // "export" is the value of --pass-prefix, "list" the command, and a profile is named "list".
    const r = await cli(h, ["--pass-prefix", "export", "list", "--profiles"]);
    assertEquals(r.code, 0, r.stderr);
    assertEquals(r.stdout, "list\n");
    const e = await cli(h, ["export", "--no-session", "list"]);
    assertStringIncludes(e.stderr, "aws-vault: error: export: ");
    assertStringIncludes(e.stderr, "list");
  });
});

Deno.test("cli: add --env, list, list --credentials/--profiles, remove -f, rm", async () => {
  await withHome(async (h) => {
    const keysEnv = {
      AWS_ACCESS_KEY_ID: "AKIATESTADD000000001",
      AWS_SECRET_ACCESS_KEY: "add-secret",
    };
    const add = await cli(h, ["add", "--env", "alice"], keysEnv);
    assertEquals([add.code, add.stderr], [0, ""]);
    assertEquals(add.stdout, 'Added credentials to profile "alice" in vault\n');
    // A missing config file is created, with the new section.
    assertEquals(await Deno.readTextFile(h.config), "[profile alice]\n");
    const stored = decodeMasterCredentials((await (await store(h)).get("alice")).data);
    assertEquals([stored.accessKeyId, stored.secretAccessKey], [
      "AKIATESTADD000000001",
      "add-secret",
    ]);

    assertEquals((await cli(h, ["add", "--env", "--no-add-config", "orphan"], keysEnv)).code, 0);
    assertEquals(await Deno.readTextFile(h.config), "[profile alice]\n");

    const list = await cli(h, ["list"]);
    assertEquals([list.code, list.stderr], [0, ""]);
    assertEquals(list.stdout, HEADER + row("alice", "alice", "-") + row("-", "orphan", "-"));
    assertEquals((await cli(h, ["ls", "--credentials"])).stdout, "alice\norphan\n");
    assertEquals((await cli(h, ["list", "--profiles"])).stdout, "alice\n");
    // --credentials is checked before --profiles.
    assertEquals((await cli(h, ["list", "--profiles", "--credentials"])).stdout, "alice\norphan\n");

    const rm = await cli(h, ["remove", "-f", "alice"]);
    assertEquals([rm.code, rm.stdout], [0, "Deleted credentials.\n"]);
    assertEquals((await cli(h, ["rm", "--force", "orphan"])).stdout, "Deleted credentials.\n");
    assertEquals((await cli(h, ["list", "--credentials"])).stdout, "");
    // The config section stays.
    assertEquals((await cli(h, ["list"])).stdout, HEADER + row("alice", "-", "-"));

    const again = await cli(h, ["rm", "-f", "alice"]);
    assertEquals(again.code, 1);
    assertEquals(
      again.stderr,
      `aws-vault: error: remove: remove ${h.keys}/alice: no such file or directory\n`,
    );
  });
});

Deno.test("cli: add --env without the variables names the missing one", async () => {
  await withHome(async (h) => {
    const none = await cli(h, ["add", "--env", "p"]);
    assertEquals([none.code, none.stderr], [
      1,
      "aws-vault: error: add: Missing value for AWS_ACCESS_KEY_ID\n",
    ]);
    const noSecret = await cli(h, ["add", "--env", "p"], { AWS_ACCESS_KEY_ID: "AKIAX" });
    assertEquals(
      noSecret.stderr,
      "aws-vault: error: add: Missing value for AWS_SECRET_ACCESS_KEY\n",
    );
  });
});

Deno.test("cli: add appends the section without reformatting the config file", async () => {
  await withHome(async (h) => {
    const original = [
      "# Managed by hand; keep the layout",
      "[default]",
      "region    =   us-east-1   ; inline comment",
      "",
      "[sso-session corp]",
      "sso_start_url = https://corp.awsapps.com/start#/",
      "sso_region = eu-west-1",
      "",
      "[profile alice]",
      "mfa_serial = arn:aws:iam::111111111111:mfa/alice",
      "s3 =",
      "    max_concurrent_requests = 20",
      "",
    ].join("\n");
    await Deno.writeTextFile(h.config, original);
    const keysEnv = { AWS_ACCESS_KEY_ID: "AKIATESTADD000000002", AWS_SECRET_ACCESS_KEY: "s" };
    assertEquals((await cli(h, ["add", "--env", "odd%name"], keysEnv)).code, 0);
    const expected = original + "\n[profile odd%name]\n";
    assertEquals(await Deno.readFile(h.config), new TextEncoder().encode(expected));
    // Existing sections are left alone.
    assertEquals((await cli(h, ["add", "--env", "alice"], keysEnv)).code, 0);
    assertEquals(await Deno.readTextFile(h.config), expected);
    assertEquals((await cli(h, ["list", "--profiles"])).stdout, "default\nalice\nodd%name\n");
  });
});

Deno.test("cli: add refuses a profile with a source_profile", async () => {
  await withHome(async (h) => {
    await Deno.writeTextFile(
      h.config,
      "[profile admin]\nsource_profile = alice\nrole_arn = arn:r\n",
    );
    const r = await cli(h, ["add", "--env", "admin"], {
      AWS_ACCESS_KEY_ID: "AKIAX",
      AWS_SECRET_ACCESS_KEY: "s",
    });
    assertEquals(r.code, 1);
    assertEquals(
      r.stderr,
      "aws-vault: error: add: Your profile has a source_profile of alice, adding credentials to admin won't have any effect\n",
    );
    assertEquals((await cli(h, ["list", "--credentials"])).stdout, "");
  });
});

Deno.test("cli: a malformed config is an error naming the file and the line", async () => {
  await withHome(async (h) => {
    await Deno.writeTextFile(
      h.config,
      "[default]\nregion = us-east-1\n\n[profile a]\nrole_arn = r\n\nmfa_serial\n",
    );
    const r = await cli(h, ["list"]);
    assertEquals(r.code, 1);
    assertEquals(
      r.stderr,
      `aws-vault: error: list: Error parsing config file ${h.config}: line 7: ` +
        "expected a [section] header, a comment or a key = value setting\n",
    );
  });
});

Deno.test("cli: config errors are under Error loading config: and name the file in plain words", async () => {
  await withHome(async (h) => {
    await Deno.writeTextFile(
      h.config,
      "[profile a]\ninclude_profile = b\n[profile b]\ninclude_profile = a\n",
    );
    for (
      const args of [["exec", "a", "--", "true"], ["export", "a"], ["login", "a"], ["rotate", "a"]]
    ) {
      const r = await cli(h, args);
      assertEquals([r.code, r.stderr], [
        1,
        `aws-vault: error: ${args[0]}: Error loading config: ` +
        "Loop detected in config file for profile 'a'\n",
      ]);
    }
    const dir = await cli(h, ["list"], { AWS_CONFIG_FILE: h.home });
    assertEquals(dir.code, 1);
    assertStringIncludes(dir.stderr, `aws-vault: error: list: Error loading config file ${h.home}`);
    assertStringIncludes(dir.stderr, "is a directory");
    assertNotIncludes(dir.stderr, "os error");
    assertNotIncludes(dir.stderr, "readfile");
  });
});

linuxTest(
  "python3 and a D-Bus session bus",
  "cli: without a reachable session bus, secret-service and kwallet are not offered",
  async () => {
    await withHome(async (h) => {
      // A socket file nobody listens on, as a killed daemon leaves it (Deno unlinks its own).
      const stale = `${h.home}/bus`;
      const bind = "import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])";
      await new Deno.Command("/usr/bin/python3", { args: ["-c", bind, stale] }).output();
      const headless = { DBUS_SESSION_BUS_ADDRESS: `unix:path=${stale}` };
      const help = await runCli(["--help"], { home: h.home, env: headless });
      const offeredList = /Secret backend to use \[([a-z -]+)\]/.exec(help.stderr)?.[1] ?? "";
      assertMatch(offeredList, /file/);
      assertNotIncludes(offeredList, "secret-service");
      assertNotIncludes(offeredList, "kwallet");
      const named = await runCli(["--backend=secret-service", "list"], {
        home: h.home,
        env: headless,
      });
      assertEquals(named.code, 1);
      assertMatch(
        named.stderr,
        /^aws-vault: error: --backend value must be one of [a-z,]+, got 'secret-service', try --help\n$/,
      );
      assertNotIncludes(named.stderr, "kwallet");
      // The default falls through to the next backend instead of failing to connect.
      const list = await runCli(["list"], { home: h.home, env: headless });
      assertEquals([list.code, list.stderr], [0, ""]);

      const socket = `${h.home}/live-bus`;
      const listener = Deno.listen({ transport: "unix", path: socket });
      try {
        const desktop = { DBUS_SESSION_BUS_ADDRESS: `unix:path=${socket}` };
        const offered = await runCli(["--help"], { home: h.home, env: desktop });
        assertMatch(offered.stderr, /Secret backend to use \[[a-z ]*secret-service kwallet/);
      } finally {
        listener.close();
      }
    });
  },
);

Deno.test("cli: list shows sessions with their time left; add drops the profile's sessions", async () => {
  await withHome(async (h) => {
    await Deno.writeTextFile(
      h.config,
      "[profile alice]\n[profile sso]\nsso_start_url = https://sso.example/start\n",
    );
    const ks = await store(h);
    await ks.set(masterCredentialsItem("alice", {
      accessKeyId: "AKIATESTLIST00000001",
      secretAccessKey: "s",
      sessionToken: "",
    }));
    await addSession(ks, "sts.GetSessionToken", "alice", 3600);
    await addSession(ks, "sts.AssumeRole", "alice", -190);
    await addSession(ks, "sts.GetSessionToken", "ghost", 8 * 3600);
    await ks.set({
      ...masterCredentialsItem("x", { accessKeyId: "", secretAccessKey: "", sessionToken: "" }),
      key: oidcKey("https://sso.example/start"),
    });
    await ks.set({
      ...masterCredentialsItem("y", { accessKeyId: "", secretAccessKey: "", sessionToken: "" }),
      key: oidcKey("https://other/start"),
    });

    const list = await cli(h, ["list"]);
    assertEquals([list.code, list.stderr], [0, ""]);
    const lines = list.stdout.split("\n").slice(0, -1);
    // Every column is padded (tabwriter cells all end with a tab), so all lines are equally long.
    assertEquals(new Set(lines.map((l) => l.length)).size, 1);
    const cells = lines.map((l) => l.split(/ {2,}/).filter(Boolean));
    assertEquals(cells.slice(0, 2), [["Profile", "Credentials", "Sessions"], [
      "=======",
      "===========",
      "========",
    ]]);
    assertEquals(cells[2].slice(0, 2), ["alice", "alice"]);
    assertMatch(
      cells[2][2],
      /^sts\.GetSessionToken:59m5\ds, sts\.AssumeRole:expired$|^sts\.AssumeRole:expired, sts\.GetSessionToken:59m5\ds$/,
    );
    assertEquals(cells[3], ["sso", "-", "oidc:https://sso.example/start"]);
    assertEquals(cells.length, 6);
    const orphans = cells.slice(4);
    assert(orphans.some((c) => c.join(" ") === "- - oidc:https://other/start"), list.stdout);
    assert(
      orphans.some((c) =>
        c[0] === "-" && c[1] === "-" && /^sts\.GetSessionToken:7h59m5\ds$/.test(c[2])
      ),
      list.stdout,
    );
    // The third column is as wide as its widest cell plus two spaces of padding.
    assertEquals(lines[0].length, 25 + 25 + cells[2][2].length + 2);

    const sessions = (await cli(h, ["list", "--sessions"])).stdout.split("\n").filter(Boolean);
    assertEquals(sessions.slice(0, 2).sort(), [
      "oidc:https://other/start",
      "oidc:https://sso.example/start",
    ]);
    assertEquals(sessions.length, 5);

    const add = await cli(h, ["add", "--env", "alice"], {
      AWS_ACCESS_KEY_ID: "AKIAY",
      AWS_SECRET_ACCESS_KEY: "s",
    });
    assertEquals(
      add.stdout,
      'Added credentials to profile "alice" in vault\nDeleted 2 existing sessions.\n',
    );
    const after = (await cli(h, ["list", "--sessions"])).stdout;
    assertNotIncludes(after, "AssumeRole");
    assertStringIncludes(after, "sts.GetSessionToken:7h59m");

    const legacy = await cli(h, ["rm", "--sessions-only", "ghost"]);
    assertEquals(legacy.stdout, "Deleted 1 sessions.\n");
    assertEquals((await cli(h, ["list", "--credentials"])).stdout, "alice\n");
  });
});

linuxTest(
  "util-linux setsid",
  "cli: list never needs the file passphrase (no variable, no terminal)",
  async () => {
    await withHome(async (h) => {
      await Deno.writeTextFile(h.config, "[profile alice]\n");
      const ks = await store(h);
      await ks.set(
        masterCredentialsItem("alice", {
          accessKeyId: "AKIAZ",
          secretAccessKey: "s",
          sessionToken: "",
        }),
      );
      await addSession(ks, "sts.GetSessionToken", "alice", 3600);
      // setsid: no controlling terminal, so a passphrase prompt could only fail, never hang.
      const noTerminal = { home: h.home, wrap: withoutTerminal() };
      const out = await runCli(["list", "--backend=file"], {
        ...noTerminal,
        env: { AWS_VAULT_FILE_DIR: h.keys },
      });
      assertEquals([out.code, out.stderr], [0, ""]);
      assertMatch(out.stdout, /^alice {20}alice {20}sts\.GetSessionToken:59m5\ds {2}$/m);
      // The same setup does fail for a command that needs the passphrase (add encrypts).
      const add = await runCli(["add", "--env", "--backend=file", "bob"], {
        ...noTerminal,
        env: { AWS_VAULT_FILE_DIR: h.keys, AWS_ACCESS_KEY_ID: "AKIAZ", AWS_SECRET_ACCESS_KEY: "s" },
      });
      assertEquals(add.code, 1);
      assertStringIncludes(add.stderr, "AWS_VAULT_FILE_PASSPHRASE");
    });
  },
);

/** Runs the CLI on a pseudo-terminal and answers its prompts one by one. */
async function runOnTerminal(
  h: Home,
  args: string[],
  dialogue: { prompt: string; answer: string }[],
): Promise<{ code: number; output: string; afterPrompts: string }> {
  const command = shellLine([...cliCommand(), "--backend=file", ...args]);
  const child = new Deno.Command("script", {
    args: ["-qec", command, "/dev/null"],
    env: { ...baseEnv(h.home), ...h.env },
    clearEnv: true,
    cwd: h.home,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let output = "";
  const decoder = new TextDecoder();
  const pump = (async () => {
    for await (const chunk of child.stdout) output += decoder.decode(chunk, { stream: true });
  })();
  const stderr = new Response(child.stderr).text();
  const writer = child.stdin.getWriter();
  let seen = 0;
  try {
    for (const step of dialogue) {
      const deadline = Date.now() + 30_000;
      while (output.indexOf(step.prompt, seen) === -1) {
        if (Date.now() > deadline) {
          throw new Error(`no prompt ${JSON.stringify(step.prompt)} in ${JSON.stringify(output)}`);
        }
        await new Promise((r) => setTimeout(r, 20));
      }
      seen = output.indexOf(step.prompt, seen) + step.prompt.length;
      await writer.write(new TextEncoder().encode(step.answer + "\n"));
    }
  } catch (err) {
    child.kill("SIGKILL");
    throw err;
  } finally {
    await writer.close().catch(() => {});
    await pump;
    await stderr;
  }
  const status = await child.status;
  return { code: status.code, output, afterPrompts: output.slice(seen) };
}

linuxTest(
  "util-linux script(1)",
  "cli: add and remove prompt on the terminal; the secret is not echoed",
  async () => {
    await withHome(async (h) => {
      const add = await runOnTerminal(h, ["add", "carol"], [
        { prompt: "Enter Access Key ID: ", answer: "  AKIATESTPROMPT000001 " },
        { prompt: "Enter Secret Access Key: ", answer: "prompted-secret-value " },
      ]);
      assertEquals(add.code, 0, add.output);
      assertStringIncludes(add.afterPrompts, 'Added credentials to profile "carol" in vault');
      assertNotIncludes(add.output, "prompted-secret-value");
      const stored = decodeMasterCredentials((await (await store(h)).get("carol")).data);
      assertEquals([stored.accessKeyId, stored.secretAccessKey], [
        "AKIATESTPROMPT000001",
        "prompted-secret-value",
      ]);

      const empty = await runOnTerminal(h, ["add", "carol"], [
        { prompt: "Enter Access Key ID: ", answer: "  " },
      ]);
      assertEquals(empty.code, 1, empty.output);
      assertStringIncludes(
        empty.afterPrompts,
        "aws-vault: error: add: Missing value for the Access Key ID",
      );
      // The stored keys are untouched.
      const kept = decodeMasterCredentials((await (await store(h)).get("carol")).data);
      assertEquals(kept.secretAccessKey, "prompted-secret-value");

      const keep = await runOnTerminal(h, ["remove", "carol"], [
        { prompt: 'Delete credentials for profile "carol"? (y|N) ', answer: "n" },
      ]);
      assertEquals(keep.code, 0, keep.output);
      assertNotIncludes(keep.afterPrompts, "Deleted");
      assertEquals((await cli(h, ["list", "--credentials"])).stdout, "carol\n");

      const remove = await runOnTerminal(h, ["remove", "carol"], [
        { prompt: 'Delete credentials for profile "carol"? (y|N) ', answer: "YES" },
      ]);
      assertEquals(remove.code, 0, remove.output);
      assertStringIncludes(remove.afterPrompts, "Deleted credentials.");
      assertEquals((await cli(h, ["list", "--credentials"])).stdout, "");
    });
  },
);
