/**
 * A Windows console prompt does not echo secrets: the CLI's `add` runs as deno.exe under Wine with
 * a console (Wine makes one of the pseudo-terminal that `script` gives it), answers are typed on
 * that terminal, and its transcript must show the access key id as typed but never the secret
 * access key or the file passphrase. Wine cannot be driven from inside a Windows program, so this
 * file runs on Linux, started by scripts/windows_lane.ts (AWS_VAULT_WINE_LANE=1); elsewhere its
 * test is listed as ignored.
 */
import { assertEquals, assertNotIncludes, assertStringIncludes } from "./assert.ts";
import { MAIN_TS, shellLine, tempHome } from "./run_cli.ts";
import { DENO_EXE, wineEnv, winePath } from "../scripts/wine.ts";
import { openTestFileStore } from "./file_store.ts";
import { masterCredentialsItem } from "../keystore/credential_items.ts";

const ACTIVE = Deno.env.get("AWS_VAULT_WINE_LANE") === "1" && Deno.build.os === "linux";

const KEY_ID = "AKIAWINECONSOLE00001";
const SECRET = "WineConsoleSecret/0123456789abcdefXYZ";
const PASSPHRASE = "wine console passphrase";

/**
 * Runs `command` on a pseudo-terminal; types each answer (Enter is `\r`, Ctrl-C `\x03`) once its
 * prompt has appeared (Wine draws a trailing space as a cursor move, so prompts are matched
 * without it). Returns the command's exit code and everything the terminal showed.
 */
async function onTerminal(
  command: string[],
  env: Record<string, string>,
  answers: [prompt: string, answer: string][],
): Promise<{ code: number; transcript: string }> {
  const child = new Deno.Command("script", {
    // A Ctrl-C typed on the terminal also reaches the shell around the command, which must survive
    // it to report the command's exit code.
    args: ["-qec", `trap : INT; ${shellLine(command)}; echo "exit=$?"`, "/dev/null"],
    env,
    clearEnv: true,
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const writer = child.stdin.getWriter();
  const decoder = new TextDecoder();
  let transcript = "";
  let next = 0;
  let searchFrom = 0;
  const deadline = setTimeout(() => child.kill("SIGKILL"), 120_000);
  try {
    for await (const chunk of child.stdout) {
      transcript += decoder.decode(chunk, { stream: true });
      while (next < answers.length) {
        const at = transcript.indexOf(answers[next][0], searchFrom);
        if (at < 0) break;
        searchFrom = at + answers[next][0].length;
        // Wine puts the terminal in raw mode only once the read has begun; typed earlier, the
        // line goes through the terminal's cooked mode and Enter arrives as a bare line feed.
        await new Promise((r) => setTimeout(r, 1500));
        await writer.write(new TextEncoder().encode(answers[next][1]));
        next++;
      }
    }
    await child.status;
    const code = Number(/exit=(\d+)/.exec(transcript)?.[1] ?? -1);
    return { code, transcript };
  } finally {
    clearTimeout(deadline);
    await writer.close().catch(() => {});
  }
}

/** A test that drives Wine from Linux: run by scripts/windows_lane.ts, ignored elsewhere. */
function wineLaneTest(name: string, fn: () => Promise<void>): void {
  Deno.test({
    name: ACTIVE ? name : `${name} [run by scripts/windows_lane.ts]`,
    ignore: !ACTIVE,
    fn,
  });
}

/** The file backend in `home`, for the CLI under Wine (paths as Wine shows them). */
function fileBackendEnv(home: string): Record<string, string> {
  return {
    ...wineEnv(),
    TERM: "dumb",
    AWS_CONFIG_FILE: winePath(`${home}/.aws/config`),
    AWS_VAULT_BACKEND: "file",
    AWS_VAULT_FILE_DIR: winePath(`${home}/keys`),
  };
}

wineLaneTest(
  "windows console: add asks for the secret and the file passphrase without echo",
  async () => {
    const { home, cleanup } = await tempHome();
    try {
      await Deno.writeTextFile(`${home}/.aws/config`, "[profile p]\nregion = us-east-1\n");
      const env = fileBackendEnv(home);
      const { code, transcript } = await onTerminal(
        ["wine", DENO_EXE, "run", "-A", "--quiet", winePath(MAIN_TS), "add", "p"],
        env,
        [
          ["Enter Access Key ID:", `${KEY_ID}\r`],
          ["Enter Secret Access Key:", `${SECRET}\r`],
          ["Enter passphrase to unlock", `${PASSPHRASE}\r`],
        ],
      );
      assertEquals(code, 0, transcript);
      assertStringIncludes(transcript, 'Added credentials to profile "p" in vault');
      // Echo works for the key id, so its absence for the secrets means echo was off.
      assertStringIncludes(transcript, KEY_ID);
      assertNotIncludes(transcript, SECRET, "the secret access key was echoed");
      assertNotIncludes(transcript, PASSPHRASE, "the file passphrase was echoed");

      const store = await openTestFileStore(`${home}/keys`, PASSPHRASE);
      const stored = JSON.parse(new TextDecoder().decode((await store.get("p")).data));
      assertEquals([stored.AccessKeyID, stored.SecretAccessKey], [KEY_ID, SECRET]);
    } finally {
      await cleanup();
    }
  },
);

wineLaneTest(
  "windows console: Ctrl-C during exec reaches the child, which decides; its exit code is ours",
  async () => {
    const { home, cleanup } = await tempHome();
    try {
      await Deno.writeTextFile(`${home}/.aws/config`, "[profile p]\nregion = us-east-1\n");
      const store = await openTestFileStore(`${home}/keys`, PASSPHRASE);
      await store.set(
        masterCredentialsItem("p", {
          accessKeyId: KEY_ID,
          secretAccessKey: SECRET,
          sessionToken: "",
        }),
      );
      // The child handles Ctrl-C itself; bounded, so that a lost Ctrl-C fails the test.
      const child = `${home}/child.ts`;
      await Deno.writeTextFile(
        child,
        'Deno.addSignalListener("SIGINT", () => { console.log("child: ctrl-c"); Deno.exit(7); });\n' +
          'console.log("child ready");\nsetTimeout(() => Deno.exit(99), 30_000);\n',
      );
      const { code, transcript } = await onTerminal(
        [
          "wine",
          DENO_EXE,
          "run",
          "-A",
          "--quiet",
          winePath(MAIN_TS),
          "exec",
          "-n",
          "p",
          "--",
          winePath(DENO_EXE),
          "run",
          winePath(child),
        ],
        { ...fileBackendEnv(home), AWS_VAULT_FILE_PASSPHRASE: PASSPHRASE },
        [["child ready", "\x03"]],
      );
      // child.kill() would have terminated it (exit 1) before it could answer.
      assertStringIncludes(transcript, "child: ctrl-c");
      assertEquals(code, 7, transcript);
    } finally {
      await cleanup();
    }
  },
);
