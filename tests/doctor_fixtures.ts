/**
 * Running `aws-vault doctor` end to end for the doctor tests: the CLI from source in a temporary
 * HOME (tests/run_cli.ts), without a controlling terminal (setsid), so that anything that would
 * prompt fails instead of waiting, and helpers to find a check in the JSON report.
 */
import { assert } from "./assert.ts";
import { type CliResult, runCli } from "./run_cli.ts";
import { fileBackendEnv } from "./engine_fixtures.ts";
import { withoutTerminal } from "./platform.ts";

export interface DoctorCheck {
  check: string;
  status: "ok" | "warn" | "fail";
  message: string;
  fix: string;
}

export interface DoctorRun {
  code: number;
  stdout: string;
  stderr: string;
  groups: { kind: string; name: string; checks: DoctorCheck[] }[];
}

/**
 * Runs `doctor --format=json <args>` in `home` (file backend with the test passphrase unless
 * `env` says otherwise) and parses the report.
 */
export async function doctor(
  home: string,
  args: string[] = [],
  env: Record<string, string> = {},
  unset: string[] = [],
  wrap: string[] = [],
): Promise<DoctorRun> {
  const out = await doctorRaw(home, ["doctor", "--format=json", ...args], env, unset, wrap);
  let groups: DoctorRun["groups"] = [];
  try {
    groups = JSON.parse(out.stdout).groups;
  } catch {
    throw new Error(`doctor printed no JSON (exit ${out.code}): ${out.stdout}${out.stderr}`);
  }
  return { ...out, groups };
}

/**
 * Runs the CLI with `args` without a controlling terminal, stdin closed, with the file
 * backend; `unset` names variables removed from the environment, `wrap` a command that runs
 * ours as its argv tail (run_cli.ts).
 */
export function doctorRaw(
  home: string,
  args: string[],
  env: Record<string, string> = {},
  unset: string[] = [],
  wrap: string[] = [],
): Promise<CliResult> {
  // No controlling terminal, so /dev/tty (CONIN$) cannot be opened.
  return runCli(args, {
    home,
    env: { ...fileBackendEnv(), ...env },
    unset,
    wrap: [...withoutTerminal(), ...wrap],
  });
}

/** The checks named `check` in the group of `kind` (and `name`, for profiles). */
export function checksOf(
  run: DoctorRun,
  kind: string,
  check: string,
  name?: string,
): DoctorCheck[] {
  const groups = run.groups.filter((g) =>
    g.kind === kind && (name === undefined || g.name === name)
  );
  assert(groups.length > 0, `no ${kind} group ${name ?? ""} in ${JSON.stringify(run.groups)}`);
  return groups.flatMap((g) => g.checks.filter((c) => c.check === check));
}

/** The one check named `check`; fails the test when there is none or several. */
export function checkOf(run: DoctorRun, kind: string, check: string, name?: string): DoctorCheck {
  const found = checksOf(run, kind, check, name);
  assert(
    found.length === 1,
    `expected one ${kind}/${name ?? ""}/${check} check, got ${JSON.stringify(found)}`,
  );
  return found[0];
}

/** Writes `<home>/.aws/config`. */
export async function writeConfig(home: string, text: string): Promise<void> {
  await Deno.writeTextFile(`${home}/.aws/config`, text);
}
