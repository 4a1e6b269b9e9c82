/**
 * kingpin's help through the CLI: which stream each kind of help goes to (aws-vault prints usage
 * on stderr, `--help-long` and `--help-man` on stdout), the same text for `--help`, `help <cmd>`
 * and `<cmd> --help`, the terminal width from $COLUMNS. The exact layout is checked against
 * kingpin's own output in cmd/help_test.ts.
 */
import { assertEquals, assertStringIncludes } from "./assert.ts";
import { runCli, withTempHome } from "./run_cli.ts";
import { VERSION } from "../cmd/app.ts";

const withHome = withTempHome;

Deno.test("help: usage on stderr in kingpin's layout, whichever way it is asked for", async () => {
  await withHome(async (home) => {
    const [app, none, helpCmd] = await Promise.all([
      runCli(["--help"], { home }),
      runCli([], { home }),
      runCli(["help"], { home }),
    ]);
    for (const r of [app, none, helpCmd]) assertEquals([r.code, r.stdout], [0, ""]);
    assertEquals(none.stderr, app.stderr);
    assertEquals(helpCmd.stderr, app.stderr);
    assertStringIncludes(
      app.stderr,
      "usage: aws-vault [<flags>] <command> [<args> ...]\n\nA vault for securely storing and " +
        "accessing AWS credentials in development\nenvironments.\n\n\nFlags:\n" +
        "  --[no-]help                Show context-sensitive help (also try --help-long\n",
    );
    // kingpin shows an enum's default: the first backend offered that may be a default (never
    // keyctl).
    const backend = /\n {2}--backend=([a-z-]+) +Secret backend to use \[([a-z -]+)\]/.exec(
      app.stderr,
    );
    assertEquals(backend?.[1], backend?.[2].split(" ").find((b) => b !== "keyctl"));
    assertStringIncludes(app.stderr, '\n  --keychain="aws-vault"     Name of macOS keychain');
    assertStringIncludes(
      app.stderr,
      "\nexec [<flags>] [<profile>] [<cmd>] [<args>...]\n    Execute a command with AWS credentials.\n",
    );

    const forms = await Promise.all([
      runCli(["help", "exec"], { home }),
      runCli(["exec", "--help"], { home }),
      runCli(["--debug", "exec", "prof", "--help"], { home }),
    ]);
    for (const r of forms) {
      assertEquals([r.code, r.stdout], [0, ""]);
      assertEquals(r.stderr, forms[0].stderr);
    }
    assertStringIncludes(
      forms[0].stderr,
      "usage: aws-vault exec [<flags>] [<profile>] [<cmd>] [<args>...]\n\n" +
        "Execute a command with AWS credentials.\n\n\nFlags:\n",
    );
    assertStringIncludes(forms[0].stderr, "\n  -n, --[no-]no-session          Skip creating STS");
    assertStringIncludes(
      forms[0].stderr,
      "\n  [<cmd>]      Command to execute, defaults to $SHELL\n" +
        "  [<args>]     Command arguments\n\n",
    );
  });
});

Deno.test("help: aliases, help help, and a hidden command's help", async () => {
  await withHome(async (home) => {
    const [rm, help, proxy] = await Promise.all([
      runCli(["help", "rm"], { home }),
      runCli(["help", "help"], { home }),
      runCli(["proxy", "--help"], { home }),
    ]);
    assertStringIncludes(rm.stderr, "usage: aws-vault remove [<flags>] <profile>\n");
    assertStringIncludes(help.stderr, "usage: aws-vault help [<command>...]\n\nShow help.\n");
    assertStringIncludes(help.stderr, "Args:\n  [<command>]  Show help on command.\n");
    assertStringIncludes(proxy.stderr, "usage: aws-vault proxy [<flags>]\n");
    for (const r of [rm, help, proxy]) assertEquals([r.code, r.stdout], [0, ""]);
  });
});

Deno.test("help: $COLUMNS sets the width, as kingpin reads it", async () => {
  await withHome(async (home) => {
    const [wide, odd] = await Promise.all([
      runCli(["--help"], { home, env: { COLUMNS: "120" } }),
      // Not a number to Go's strconv.Atoi: the default 80 columns (stderr is not a terminal).
      runCli(["--help"], { home, env: { COLUMNS: "120 " } }),
    ]);
    assertStringIncludes(
      wide.stderr,
      "\n\nA vault for securely storing and accessing AWS credentials in development environments." +
        "\n\n\n",
    );
    assertStringIncludes(
      odd.stderr,
      "\n\nA vault for securely storing and accessing AWS credentials",
    );
    assertStringIncludes(odd.stderr, " in development\nenvironments.\n\n\n");
  });
});

Deno.test("help: --help-long and --help-man on stdout", async () => {
  await withHome(async (home) => {
    const [long, man] = await Promise.all([
      runCli(["--help-long"], { home }),
      runCli(["--help-man"], { home }),
    ]);
    assertEquals([long.code, long.stderr, man.code, man.stderr], [0, "", 0, ""]);
    assertStringIncludes(long.stdout, "usage: aws-vault [<flags>] <command> [<args> ...]\n");
    assertStringIncludes(
      long.stdout,
      "\nremove [<flags>] <profile>\n    Remove credentials from the secure keystore.\n\n" +
        "    -f, --[no-]force  Force-remove the profile without a prompt\n\n",
    );
    assertStringIncludes(man.stdout, `.TH aws-vault 1 ${VERSION} ""\n.SH "NAME"\naws-vault\n`);
    assertStringIncludes(
      man.stdout,
      '.SH "COMMANDS"\n.SS\n\\fBhelp [<command>...]\\fR\n.PP\nShow help.\n.SS\n',
    );
    assertStringIncludes(man.stdout, "\n.TP\n\\fB-d, --duration=DURATION\\fR\n");
  });
});
