/**
 * scripts/release_smoke.ts is what stands between a built binary and a published release; it
 * runs for the first time on the release runners. Here it runs against a wrapper that starts
 * main.ts from source, so every check it makes (Secret Service included, on this Linux machine)
 * is known to pass on a good build, and a broken "binary" is known to fail it.
 */
import { assert, assertEquals } from "./assert.ts";
import { baseEnv, MAIN_TS } from "./run_cli.ts";
import { runSmoke } from "../scripts/release_smoke.ts";
import { VERSION } from "../cmd/app.ts";
import { linuxTest } from "./platform.ts";

async function wrapper(dir: string, body: string): Promise<string> {
  const path = `${dir}/aws-vault`;
  await Deno.writeTextFile(path, `#!/bin/sh\n${body}\n`);
  await Deno.chmod(path, 0o755);
  return path;
}

linuxTest(
  "a POSIX wrapper script and the Secret Service",
  "release smoke: every check passes on a good build",
  async () => {
    const dir = await Deno.makeTempDir();
    try {
      const run = `"${Deno.execPath()}" run -A --quiet "${MAIN_TS}" "$@"`;
      const binary = await wrapper(dir, `DENO_DIR="${baseEnv(dir).DENO_DIR}" exec ${run}`);
      const report = await runSmoke({ binary, expectVersion: VERSION, timingRuns: 1 });
      assertEquals(report.failures, []);
      const names = report.lines.map((l) => l.slice(5).replace(/ \(.*$/, ""));
      for (
        const n of ["--version", "list", "export --no-session --format=ini", "exec with a command"]
      ) {
        assert(names.includes(n), `${n} not checked: ${names.join(", ")}`);
      }
      assert(names.includes("secret-service: add, list, export, remove"), names.join(", "));
      assert(names.includes("credential_process for the AWS CLI"), names.join(", "));
      assert(report.summary.includes("| --version |"), report.summary);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);

linuxTest(
  "a POSIX wrapper script and the Secret Service",
  "release smoke: a binary that prints the wrong version and exports nothing fails",
  async () => {
    const dir = await Deno.makeTempDir();
    try {
      const binary = await wrapper(dir, `echo v0.0.0; exit 0`);
      const report = await runSmoke({
        binary,
        expectVersion: VERSION,
        timingRuns: 0,
        skipNativeKeystore: true,
      });
      assert(
        report.failures.some((f) => f.startsWith("--version: printed v0.0.0")),
        report.failures.join("\n"),
      );
      assert(report.failures.some((f) => f.startsWith("export --no-session --format=json")));
      assert(report.failures.some((f) => f.startsWith("exec with a command")));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);
