/**
 * Config scale benchmark (issue 10): `list` and profile resolution on configs that organisations
 * generate, timed through the CLI (fresh processes, as a user runs it) and in-process (the work
 * alone, without Deno's start-up).
 *
 *   deno run -A scripts/bench_config_scale.ts [--runs=5] [--profiles=20000] [--depth=3000]
 *
 * Configs, each in its own temporary HOME with a file-backend store:
 *  - flat: N SSO profiles sharing one `[sso-session]`, an OIDC token stored for its start URL (so
 *    `list` resolves every profile's start URL), 100 stored keys and a cached session for every
 *    profile (N sessions: the store's key listing, done by every command, is timed too);
 *  - include: a D-deep include_profile chain (c0 includes c1 ... c{D-1}), keys stored for c0;
 *  - source: a D-deep source_profile chain (c0's source is c1 ...), keys stored for c{D-1}.
 * `export --no-session c0` on the chains resolves the whole chain and prints the stored keys.
 * Figures go in docs/BENCHMARKS.md.
 */
import { openTestFileStore } from "../tests/file_store.ts";
import { masterCredentialsItem } from "../keystore/credential_items.ts";
import { formatSessionKey, oidcKey } from "../keystore/key_names.ts";
import { loadConfigFile } from "../sts/config/config.ts";
import { resolveProfile } from "../sts/config/profile_resolve.ts";
import { emptyBaseConfig } from "../sts/config/profile_config.ts";
import { tableRows } from "../cmd/list.ts";
import { parseSessionKey, type SessionKey } from "../keystore/key_names.ts";
import { decodeFileName, encodeFileName } from "../keystore/file_names.ts";
import { baseEnv, cliCommand, tempHome } from "../tests/run_cli.ts";

const PASSPHRASE = "bench";
const START_URL = "https://example.awsapps.com/start";

function arg(name: string, fallback: number): number {
  const found = Deno.args.find((a) => a.startsWith(`--${name}=`));
  return found ? Number(found.slice(name.length + 3)) : fallback;
}

interface Setup {
  name: string;
  home: string;
  env: Record<string, string>;
  cleanup: () => Promise<void>;
}

/** The tests' hermetic HOME and environment (tests/run_cli.ts), with a file-backend store. */
async function makeHome(name: string, config: string): Promise<Setup> {
  const { home, cleanup } = await tempHome();
  await Deno.writeTextFile(`${home}/.aws/config`, config);
  const env = {
    ...baseEnv(home),
    AWS_VAULT_BACKEND: "file",
    AWS_VAULT_FILE_DIR: `${home}/keys`,
    AWS_VAULT_FILE_PASSPHRASE: PASSPHRASE,
  };
  return { name, home, env, cleanup };
}

/** Stores items by name only where list reads only names (sessions, the OIDC token). */
async function storeItems(setup: Setup, masters: string[], keyOnlyNames: string[]) {
  const store = await openTestFileStore(setup.env.AWS_VAULT_FILE_DIR, PASSPHRASE);
  for (const name of masters) {
    await store.set(masterCredentialsItem(name, {
      accessKeyId: "AKIAIOSFODNN7EXAMPLE",
      secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
      sessionToken: "",
    }));
  }
  // `list` never decrypts: an empty file under the right name is enough and much faster to make.
  for (const key of keyOnlyNames) {
    await Deno.writeFile(
      `${setup.env.AWS_VAULT_FILE_DIR}/${encodeFileName(key)}`,
      new Uint8Array(),
    );
  }
}

async function setups(profiles: number, depth: number): Promise<Setup[]> {
  let flat = `[sso-session org]\nsso_start_url = ${START_URL}\nsso_region = us-east-1\n\n`;
  for (let i = 0; i < profiles; i++) {
    flat += `[profile p${i}]\nsso_session = org\nsso_account_id = ${
      String(i).padStart(12, "0")
    }\nsso_role_name = Admin\nregion = eu-west-1\n\n`;
  }
  const chain = (key: string) => {
    let text = "";
    for (let i = 0; i < depth; i++) {
      text += `[profile c${i}]\n`;
      text += i < depth - 1 ? `${key} = c${i + 1}\n` : "region = us-east-1\n";
    }
    return text;
  };
  const expiry = Math.floor(Date.now() / 1000) + 3600;
  const sessionKeys = Array.from({ length: profiles }, (_, i) =>
    formatSessionKey({
      type: "sso.GetRoleCredentials",
      profileName: `p${i}`,
      mfaSerial: START_URL,
      expiration: expiry,
    }));
  const all = [
    await makeHome("flat", flat),
    await makeHome("include", chain("include_profile")),
    await makeHome("source", chain("source_profile")),
  ];
  await storeItems(
    all[0],
    Array.from({ length: 100 }, (_, i) => `p${i * 3}`),
    [...sessionKeys, oidcKey(START_URL)],
  );
  await storeItems(all[1], ["c0"], []);
  await storeItems(all[2], [`c${depth - 1}`], []);
  return all;
}

/**
 * Wall-clock and CPU (user + system) ms of fresh CLI processes. CPU time is measured with GNU
 * time (`/usr/bin/time`) and barely moves when other work shares the machine; wall time does.
 */
async function timeCli(
  setup: Setup,
  args: string[],
  runs: number,
): Promise<{ wall: number[]; cpu: number[] }> {
  const wall: number[] = [];
  const cpu: number[] = [];
  const timeFile = `${setup.home}/time.txt`;
  for (let i = 0; i <= runs; i++) {
    const started = performance.now();
    const out = await new Deno.Command("/usr/bin/time", {
      args: ["-f", "%U %S", "-o", timeFile, ...cliCommand(), ...args],
      env: setup.env,
      clearEnv: true,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const elapsed = performance.now() - started;
    if (!out.success) {
      throw new Error(`${setup.name} ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
    }
    if (i === 0) continue; // the first run warms Deno's caches
    wall.push(elapsed);
    const [user, system] = (await Deno.readTextFile(timeFile)).trim().split(/\s+/).map(Number);
    cpu.push((user + system) * 1000);
  }
  return { wall, cpu };
}

async function timeInProcess(fn: () => Promise<unknown> | unknown, runs: number) {
  const times: number[] = [];
  for (let i = 0; i <= runs; i++) {
    const started = performance.now();
    await fn();
    if (i > 0) times.push(performance.now() - started);
  }
  return times;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function main(): Promise<void> {
  const runs = arg("runs", 5);
  const profiles = arg("profiles", 20_000);
  const depth = arg("depth", 3_000);
  const all = await setups(profiles, depth);
  const report = (what: string, times: number[], cpu?: number[]) => {
    const cpuText = cpu ? median(cpu).toFixed(0) : "";
    const line = `| ${what} | ${median(times).toFixed(0)} | ${
      Math.max(...times).toFixed(0)
    } | ${cpuText} |`;
    console.log(line);
  };
  const reportCli = async (setup: Setup, args: string[]) => {
    const { wall, cpu } = await timeCli(setup, args, runs);
    report(`${setup.name}: CLI \`${args.join(" ")}\``, wall, cpu);
  };
  try {
    console.log(`| case (${runs} runs) | median ms | max ms | CLI CPU ms (median) |`);
    for (const setup of all) {
      await reportCli(setup, ["list"]);
      if (setup.name !== "flat") await reportCli(setup, ["export", "--no-session", "c0"]);
      // In-process: the config and the table (list), or one resolution of the deepest profile.
      const path = setup.env.AWS_CONFIG_FILE;
      const config = await loadConfigFile(path);
      const store = await openTestFileStore(setup.env.AWS_VAULT_FILE_DIR, PASSPHRASE);
      report(
        `${setup.name}: in-process store key listing`,
        await timeInProcess(() => store.keys(), runs),
      );
      const names = await Array.fromAsync(Deno.readDir(setup.env.AWS_VAULT_FILE_DIR));
      const keys = names.map((e) => decodeFileName(e.name));
      const sessions = keys.map(parseSessionKey).filter((s): s is SessionKey => s !== undefined);
      const oidc = keys.filter((k) => k.startsWith("oidc:")).map((k) => k.slice(5));
      report(
        `${setup.name}: in-process load + parse config`,
        await timeInProcess(() => loadConfigFile(path), runs),
      );
      report(
        `${setup.name}: in-process list table`,
        await timeInProcess(() => tableRows(config, keys, oidc, sessions, Date.now()), runs),
      );
      if (setup.name !== "flat") {
        report(
          `${setup.name}: in-process resolve c0`,
          await timeInProcess(
            () => resolveProfile(config, "c0", emptyBaseConfig(), () => undefined),
            runs,
          ),
        );
      }
    }
  } finally {
    for (const setup of all) await setup.cleanup();
  }
}

if (import.meta.main) await main();
