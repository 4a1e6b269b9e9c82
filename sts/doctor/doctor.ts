/**
 * `aws-vault doctor [<profile>]`: looks at the config file, the environment, the keystore and
 * each profile (or the one given, with its source profiles), and with `online` at the STS
 * endpoints, and returns what it found. It only reads: nothing is created, written, unlocked or
 * locked, no session is fetched and nothing prompts.
 */
import type { KeystoreOptions } from "../../keystore/keystore.ts";
import { resolveProfile } from "../config/profile_resolve.ts";
import { emptyBaseConfig, type ProfileConfig } from "../config/profile_config.ts";
import { loadConfigForDoctor, readCredentialsFile } from "./config_file_checks.ts";
import { checkEnvironment } from "./env_checks.ts";
import { checkKeystore } from "./keystore_checks.ts";
import { checkLocks } from "./lock_checks.ts";
import { checkProfile, type ProfileCheckContext } from "./profile_checks.ts";
import type { CheckGroup, DoctorReport } from "./report.ts";
import { importAtRunTime } from "../../lib/lazy_import.ts";

export interface DoctorOptions {
  /** Check only this profile and its source profiles; "" for every profile. */
  profile: string;
  online: boolean;
  /** --backend / AWS_VAULT_BACKEND; "" for the default. */
  backend: string;
  keystoreOptions: KeystoreOptions;
  /** --prompt / AWS_VAULT_PROMPT; "" or absent for the automatic choice. */
  promptDriver?: string;
  /** The environment to judge (the process environment in the CLI). */
  environment: Record<string, string>;
  now?: number;
}

export async function runDoctor(o: DoctorOptions): Promise<DoctorReport> {
  const vars = o.environment;
  const env = (name: string) => vars[name];
  const groups: CheckGroup[] = [];

  const config = loadConfigForDoctor(env);
  const credentialsFile = readCredentialsFile(env);
  groups.push({ kind: "config", name: config.file.path, checks: config.checks });
  groups.push({ kind: "environment", name: "", checks: checkEnvironment(vars, config.file) });

  const keystore = await checkKeystore({
    backend: o.backend,
    keystoreOptions: o.keystoreOptions,
    env,
    now: o.now ?? Date.now(),
  });
  groups.push({
    kind: "keystore",
    name: keystore.backend,
    checks: [...keystore.checks, ...checkLocks(env)],
  });

  const ctx: ProfileCheckContext = {
    file: config.file,
    credentialsFile,
    bareSections: config.bareSections,
    storedKeys: keystore.storedKeys,
    env,
    named: o.profile !== "",
    promptDriver: o.promptDriver ?? "",
  };
  const names = o.profile === "" ? config.file.profileNames() : withSources(ctx, o.profile);
  for (const name of names) {
    groups.push({ kind: "profile", name, checks: checkProfile(ctx, name) });
  }

  if (o.online) {
    const { checkReachability } = await importAtRunTime<typeof import("./online_checks.ts")>(
      "sts/doctor/online_checks.ts",
    );
    const profiles = names.map((n) => resolvedOrUndefined(ctx, n)).filter((p) => p !== undefined);
    groups.push({ kind: "reachability", name: "", checks: await checkReachability(profiles, env) });
  }
  return { groups };
}

/** `name` followed by its source profiles, as resolution links them. */
function withSources(ctx: ProfileCheckContext, name: string): string[] {
  const names = [name];
  for (let p = resolvedOrUndefined(ctx, name)?.sourceProfile; p; p = p.sourceProfile) {
    names.push(p.name);
  }
  return names;
}

function resolvedOrUndefined(ctx: ProfileCheckContext, name: string): ProfileConfig | undefined {
  try {
    return resolveProfile(ctx.file, name, emptyBaseConfig(), ctx.env);
  } catch {
    return undefined;
  }
}
