import { assert, assertEquals, assertRejects } from "../tests/assert.ts";
import { runShellCommand, SHELL_OUTPUT_MAX_BYTES, ShellCommandError } from "./shell_process.ts";
import { posixTest } from "../tests/platform.ts";

posixTest(
  "/bin/sh and printf",
  "runShellCommand: stdout is returned untrimmed; a failure says how it ended",
  async () => {
    assertEquals(await runShellCommand("printf ' a\\n'", { stdin: "null" }), " a\n");
    await assertRejects(
      () => runShellCommand("exit 3", { stdin: "null" }),
      ShellCommandError,
      "exit status 3",
    );
  },
);

posixTest(
  "/bin/sh and seq",
  "runShellCommand: a helper that writes too much is stopped with a clear error",
  async () => {
    // 6.9 MB and then it ends, so that this test stays bounded even without the limit.
    const started = performance.now();
    await assertRejects(
      () => runShellCommand("seq 1 1000000", { stdin: "null", maxOutputBytes: 64 * 1024 }),
      ShellCommandError,
      "wrote more than 64 KiB to stdout and was stopped",
    );
    assert(performance.now() - started < 5_000);
    // The default limit (1 MiB) lets real output through.
    const out = await runShellCommand("seq 1 100000", { stdin: "null" });
    assert(out.length < SHELL_OUTPUT_MAX_BYTES && out.endsWith("100000\n"));
  },
);

posixTest(
  "/bin/sh and sleep",
  "runShellCommand: a helper that does not finish in time is killed",
  async () => {
    const started = performance.now();
    await assertRejects(
      () => runShellCommand("sleep 10", { stdin: "null", timeoutMs: 300 }),
      ShellCommandError,
      "did not finish within 300ms and was stopped",
    );
    // A grandchild holding stdout open (the shell forks `sleep`) does not keep us waiting either.
    await assertRejects(
      () => runShellCommand("sleep 10; echo done", { stdin: "null", timeoutMs: 300 }),
      ShellCommandError,
      "did not finish within 300ms",
    );
    // Well below the 10 s sleeps, well above two spawns on a loaded 2-core machine.
    assert(performance.now() - started < 8_000, "the timeout did not stop the wait");
  },
);
