/**
 * Fault run (issue 10): `aws-vault add --env cN` killed with SIGKILL at random moments, over and
 * over, on one config and one file-backend store. After every kill the config must still parse and
 * keep every section added before, and every item must decrypt; temp files a kill leaves behind
 * must be removed by a later write once they are stale.
 *
 *   deno run -A scripts/fault_kill9_add.ts [--runs=200] [--max-delay-ms=N]
 *
 * The kill comes after a random delay up to --max-delay-ms, by default the duration of one uncut
 * `add` measured first, so that kills land all along the run (start-up, store write, config edit).
 *
 * Prints how many runs were killed mid-way, how many temp files were left, and whether the final
 * `add` (after ageing the leftovers past STALE_TEMP_MS) removed them. Figures go in
 * docs/RELIABILITY.md.
 */
import { loadConfigFile } from "../sts/config/config.ts";
import { STALE_TEMP_MS } from "../lib/atomic_file.ts";
import { baseEnv, cliCommand, tempHome } from "../tests/run_cli.ts";
import { openTestFileStore } from "../tests/file_store.ts";

const PASSPHRASE = "kill9";

function arg(name: string, fallback: number): number {
  const found = Deno.args.find((a) => a.startsWith(`--${name}=`));
  return found ? Number(found.slice(name.length + 3)) : fallback;
}

function temps(dir: string): string[] {
  return [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) =>
    /\.tmp(-[0-9a-f]{12})?$/.test(n)
  );
}

async function main(): Promise<void> {
  const runs = arg("runs", 200);
  const { home, cleanup } = await tempHome();
  const config = `${home}/.aws/config`;
  const keys = `${home}/keys`;
  await Deno.writeTextFile(config, "# kept\n[default]\nregion = eu-west-1\n");
  const env = {
    ...baseEnv(home),
    AWS_VAULT_BACKEND: "file",
    AWS_VAULT_FILE_DIR: keys,
    AWS_VAULT_FILE_PASSPHRASE: PASSPHRASE,
    AWS_ACCESS_KEY_ID: "AKIAIOSFODNN7EXAMPLE",
    AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
  };
  const [exe, ...pre] = cliCommand();
  const run = (profile: string) =>
    new Deno.Command(exe, {
      args: [...pre, "add", "--env", profile],
      env,
      clearEnv: true,
      stdout: "null",
      stderr: "null",
    }).spawn();

  const started = performance.now();
  await run("warm-up").status;
  const maxDelay = arg("max-delay-ms", Math.ceil(performance.now() - started));
  let killed = 0;
  let completed = 0;
  const added = new Set<string>();
  const problems: string[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      const profile = `c${i}`;
      const child = run(profile);
      const delay = Math.floor(Math.random() * maxDelay);
      const timer = setTimeout(() => {
        try {
          child.kill("SIGKILL");
        } catch {
          // Finished first.
        }
      }, delay);
      const status = await child.status;
      clearTimeout(timer);
      if (status.signal === "SIGKILL") killed++;
      else if (status.success) completed++;
      // The config parses, keeps its first bytes and every section added so far.
      const text = await Deno.readTextFile(config);
      if (!text.startsWith("# kept\n[default]\nregion = eu-west-1\n")) {
        problems.push(`run ${i}: start changed`);
      }
      const file = await loadConfigFile(config).catch((err) => {
        problems.push(`run ${i}: ${err.message}`);
        return undefined;
      });
      if (file?.hasProfile(profile)) added.add(profile);
      for (const name of added) {
        if (!file?.hasProfile(name)) problems.push(`run ${i}: lost [profile ${name}]`);
      }
    }
    // Every item decrypts.
    const store = await openTestFileStore(keys, PASSPHRASE);
    let items = 0;
    for (const key of await store.keys()) {
      await store.get(key).then(() => items++, (err) => problems.push(`${key}: ${err.message}`));
    }
    const left = [...temps(`${home}/.aws`), ...temps(keys)];
    // Age the leftovers past the threshold; one more add must remove them.
    const old = new Date(Date.now() - STALE_TEMP_MS - 60_000);
    for (const name of temps(`${home}/.aws`)) Deno.utimeSync(`${home}/.aws/${name}`, old, old);
    for (const name of temps(keys)) Deno.utimeSync(`${keys}/${name}`, old, old);
    const final = await run("final").status;
    const after = [...temps(`${home}/.aws`), ...temps(keys)];
    console.log(
      `${runs} runs (kill after 0-${maxDelay} ms): ${killed} killed, ${completed} completed; ${added.size} sections added and ` +
        `kept; ${items} items decrypt; temp files left by kills: ${left.length}; ` +
        `after ageing and one more add (exit ${final.code}): ${after.length}`,
    );
    console.log(problems.length === 0 ? "no problem found" : problems.join("\n"));
    if (problems.length > 0 || after.length > 0) Deno.exitCode = 1;
  } finally {
    await cleanup();
  }
}

if (import.meta.main) await main();
