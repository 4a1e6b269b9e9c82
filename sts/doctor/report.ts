/**
 * What `aws-vault doctor` finds: checks grouped by subject (the config file, the environment, the
 * keystore, each profile), each `ok`, `warn` or `fail` with a one-line message and, unless ok, a
 * one-line fix. Messages name files, lines, profiles and variables, never a secret's value.
 */

export type CheckStatus = "ok" | "warn" | "fail";

export interface Check {
  /** Short id of what was checked, e.g. `region`, `source_profile`, `AWS_PROFILE`. */
  check: string;
  status: CheckStatus;
  message: string;
  /** What to do about it; "" for ok checks. */
  fix: string;
}

export interface CheckGroup {
  /** `config`, `environment`, `keystore`, `profile`, `reachability`. */
  kind: string;
  /** The profile name for profile groups, the file or backend otherwise ("" when none). */
  name: string;
  checks: Check[];
}

export interface DoctorReport {
  groups: CheckGroup[];
}

export function ok(check: string, message: string): Check {
  return { check, status: "ok", message, fix: "" };
}

export function warn(check: string, message: string, fix: string): Check {
  return { check, status: "warn", message, fix };
}

export function fail(check: string, message: string, fix: string): Check {
  return { check, status: "fail", message, fix };
}

/** True when any check failed: `doctor` then exits 1. */
export function hasFailures(report: DoctorReport): boolean {
  return report.groups.some((g) => g.checks.some((c) => c.status === "fail"));
}

/** Counts per status, for the summary line. */
export function countByStatus(report: DoctorReport): Record<CheckStatus, number> {
  const counts: Record<CheckStatus, number> = { ok: 0, warn: 0, fail: 0 };
  for (const g of report.groups) for (const c of g.checks) counts[c.status]++;
  return counts;
}
