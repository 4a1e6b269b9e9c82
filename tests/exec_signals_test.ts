/**
 * `exec` delivers each signal to its child once (issue 10): whether it is sent to aws-vault's pid,
 * to its process group, or typed on its terminal (the kernel signals the terminal's foreground
 * group). The child is a shell script that counts the SIGINTs it receives; each test is bounded
 * (the child exits by itself after a few seconds).
 */
import { assertEquals } from "./assert.ts";
import { baseEnv, cliCommand, waitForFile } from "./run_cli.ts";
import { fixtureHome } from "./fixture_home.ts";
import { linuxTest } from "./platform.ts";

/**
 * Appends the name of each SIGINT/SIGTERM/SIGHUP/SIGQUIT it receives to `<dir>/signals` as it
 * arrives (a shell's trap would merge two signals that come while it waits for a command), writes
 * `<dir>/ready` when its handlers are set, and exits 7 half a second after the first signal (time
 * for a duplicate to arrive) or after 5 s.
 */
const COUNTER = `
import os, signal, sys, time
log = os.open(os.path.join(sys.argv[1], "signals"), os.O_WRONLY | os.O_CREAT | os.O_APPEND)
first = []
def note(signum, frame):
    os.write(log, signal.Signals(signum).name[3:].encode() + b"\\n")
    first.append(time.monotonic())
for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT):
    signal.signal(s, note)
open(os.path.join(sys.argv[1], "ready"), "w").close()
deadline = time.monotonic() + 5
while time.monotonic() < (first[0] + 0.5 if first else deadline):
    time.sleep(0.02)
sys.exit(7)
`;

/** The argv that runs COUNTER on `dir`. */
const counter = (dir: string) => ["python3", "-c", COUNTER, dir];

async function received(dir: string): Promise<string[]> {
  const text = await Deno.readTextFile(`${dir}/signals`).catch(() => "");
  return text.split("\n").filter((l) => l !== "");
}

/**
 * Starts `aws-vault exec team/dev --no-session -- COUNTER` as the leader of a new session and
 * process group (so that its pid is also its pgid), as a supervisor or CI runner would.
 */
async function startExec(home: string, env: Record<string, string>) {
  const [exe, ...pre] = cliCommand();
  const child = new Deno.Command(exe, {
    args: [...pre, "exec", "--no-session", "team/dev", "--", ...counter(home)],
    env: { ...baseEnv(home), ...env },
    clearEnv: true,
    cwd: home,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    detached: true,
  }).spawn();
  await waitForFile(`${home}/ready`);
  return child;
}

for (const signal of ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT"] as const) {
  const name = signal.slice(3);
  for (const target of ["pid", "process group"] as const) {
    linuxTest(
      "POSIX signals and util-linux script(1)",
      `exec: ${signal} sent to aws-vault's ${target} reaches the child once`,
      async () => {
        const f = await fixtureHome();
        try {
          const child = await startExec(f.home, f.env);
          Deno.kill(target === "pid" ? child.pid : -child.pid, signal);
          const out = await child.output();
          assertEquals(await received(f.home), [name]);
          assertEquals(out.code, 7, new TextDecoder().decode(out.stderr));
        } finally {
          await f.cleanup();
        }
      },
    );
  }
}

/** The shell command line of `exec ... -- COUNTER`. */
function execLine(home: string): string {
  const [exe, ...pre] = cliCommand();
  const quote = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;
  return [exe, ...pre, "exec", "--no-session", "team/dev", "--", ...counter(home)]
    .map(quote).join(" ");
}

/**
 * Runs `commandLine` with script(1) on a new pseudo-terminal, in its foreground process group;
 * `type` writes to the terminal as if typed on a keyboard.
 */
function onTerminal(commandLine: string, home: string, env: Record<string, string>) {
  const term = new Deno.Command("script", {
    args: ["-qfec", commandLine, "/dev/null"],
    env: { ...baseEnv(home), ...env, SHELL: "/bin/sh", PS1: "$ " },
    clearEnv: true,
    cwd: home,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const keys = term.stdin.getWriter();
  return {
    type: (text: string) => keys.write(new TextEncoder().encode(text)),
    output: () => term.output().finally(() => keys.close().catch(() => {})),
  };
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

linuxTest(
  "POSIX signals and util-linux script(1)",
  "exec: Ctrl-C and Ctrl-\\ typed on the terminal reach the child once",
  async () => {
    const f = await fixtureHome();
    try {
      const term = onTerminal(execLine(f.home), f.home, f.env);
      await waitForFile(`${f.home}/ready`);
      await term.type("\x03"); // Ctrl-C
      await pause(300);
      await term.type("\x1c"); // Ctrl-backslash
      const out = await term.output();
      assertEquals(await received(f.home), ["INT", "QUIT"]);
      assertEquals(out.code, 7, new TextDecoder().decode(out.stdout));
    } finally {
      await f.cleanup();
    }
  },
);

linuxTest(
  "POSIX signals and util-linux script(1)",
  "exec: job control of an interactive shell still works (Ctrl-Z, jobs, fg, Ctrl-C)",
  async () => {
    const f = await fixtureHome();
    try {
      const term = onTerminal("bash --norc --noprofile -i", f.home, f.env);
      await term.type(execLine(f.home) + "\n");
      await waitForFile(`${f.home}/ready`);
      await term.type("\x1a"); // Ctrl-Z: the shell gets its terminal back and lists the job as stopped
      await pause(300);
      await term.type("jobs > jobs.txt; fg\n");
      await pause(500);
      await term.type("\x03"); // Ctrl-C, to the child that fg resumed in the foreground
      await pause(1000);
      await term.type("echo rc=$?; exit\n");
      const out = await term.output();
      const screen = new TextDecoder().decode(out.stdout);
      assertEquals((await Deno.readTextFile(`${f.home}/jobs.txt`)).includes("Stopped"), true);
      assertEquals(await received(f.home), ["INT"]);
      assertEquals(screen.includes("rc=7"), true, screen);
    } finally {
      await f.cleanup();
    }
  },
);

linuxTest(
  "POSIX signals and util-linux script(1)",
  "exec: the child in its own process group still reads the terminal",
  async () => {
    const f = await fixtureHome();
    try {
      const [exe, ...pre] = cliCommand();
      const script = `read line; echo "got=$line" > "${f.home}/line"`;
      const line = [exe, ...pre, "exec", "--no-session", "team/dev", "--", "sh", "-c", script]
        .map((s) => `'${s.replaceAll("'", "'\\''")}'`).join(" ");
      const term = onTerminal(line, f.home, f.env);
      // Typed at once: the child may read before it holds the terminal (SIGTTIN), and must not
      // stay stopped.
      await term.type("hello\n");
      const out = await term.output();
      assertEquals(await Deno.readTextFile(`${f.home}/line`), "got=hello\n");
      assertEquals(out.code, 0);
    } finally {
      await f.cleanup();
    }
  },
);
