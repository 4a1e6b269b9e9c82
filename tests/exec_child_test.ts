/**
 * `exec` starts its child as execve(2) would (issue 10): a file that is not a valid executable is
 * refused with Go's os/exec wording, never run through /bin/sh as execvp(3) does on ENOEXEC.
 */
import { assertEquals } from "./assert.ts";
import { runCli } from "./run_cli.ts";
import { fixtureHome } from "./fixture_home.ts";
import { posixTest } from "./platform.ts";

const cases: Array<[name: string, mode: number, command: string, message: string]> = [
  [
    "a script without #! line",
    0o755,
    "./not-a-program",
    "fork/exec ./not-a-program: exec format error",
  ],
  [
    "a file without execute permission",
    0o644,
    "./not-a-program",
    "fork/exec ./not-a-program: permission denied",
  ],
  [
    "a file on PATH without execute permission",
    0o644,
    "not-a-program",
    'exec: "not-a-program": executable file not found in $PATH',
  ],
];

for (const [name, mode, command, message] of cases) {
  posixTest(
    "execve semantics (#! lines, execute bits)",
    `exec refuses ${name} as execve does`,
    async () => {
      const f = await fixtureHome();
      try {
        const marker = `${f.home}/ran`;
        await Deno.writeTextFile(`${f.home}/not-a-program`, `echo ran > '${marker}'\n`, { mode });
        await Deno.chmod(`${f.home}/not-a-program`, mode);
        const r = await runCli(["exec", "--no-session", "team/dev", "--", command], {
          home: f.home,
          env: { ...f.env, PATH: `${f.home}:${Deno.env.get("PATH")}` },
        });
        assertEquals([r.code, r.stdout, r.stderr], [1, "", `aws-vault: error: exec: ${message}\n`]);
        assertEquals(await Deno.stat(marker).then(() => "ran", () => "not run"), "not run");
      } finally {
        await f.cleanup();
      }
    },
  );
}
