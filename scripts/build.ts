/**
 * Builds one self-contained binary per OS with `deno compile`, from the bundle that
 * scripts/bundle.ts writes into dist/bundle/ (the whole program in three files, which starts faster
 * than its modules loaded one by one).
 *
 *   deno task build                 # every release target, into dist/
 *   deno task build --target x86_64-unknown-linux-gnu
 *   DENORT_BIN=/path/to/denort deno task build --target <the host target>   # offline
 *
 * `deno compile` normally downloads the `denort` runtime for each target. Where the internet is not
 * reachable, set DENORT_BIN to a denort binary for the (single) target being built; deno reads
 * that variable itself, we only check that it is used sensibly.
 */
import { bundle, BUNDLE_DIR, COLD_FILE, ENTRY_FILE } from "./bundle.ts";
import { fileURLToPath } from "node:url";

/** The repository root: `deno compile` resolves main.ts and the includes against it. */
export const ROOT = fileURLToPath(new URL("..", import.meta.url));

export const TARGETS = [
  "x86_64-unknown-linux-gnu",
  "aarch64-unknown-linux-gnu",
  "x86_64-apple-darwin",
  "aarch64-apple-darwin",
  "x86_64-pc-windows-msvc",
];

function parseTargets(args: string[]): string[] {
  const i = args.indexOf("--target");
  if (i === -1) return TARGETS;
  const t = args[i + 1];
  if (!t || !TARGETS.includes(t)) {
    throw new Error(`--target must be one of ${TARGETS.join(", ")}`);
  }
  return [t];
}

/** The `deno compile` arguments for one target (the bundle must have been written to bundleDir). */
export function compileArgs(target: string, output: string, bundleDir = BUNDLE_DIR): string[] {
  // -A: the binary reads the config and keystores, runs children (credential_process, pass, sudo),
  // talks to AWS endpoints and binds loopback servers; FFI for the OS keystores. --no-config: the
  // bundle holds every module and npm package it uses, so nothing from deno.json is embedded.
  // --include: the entry imports the bundle's cold half by a run-time URL, which compile cannot see.
  return [
    "compile",
    "-A",
    "--no-check",
    "--no-config",
    "--target",
    target,
    "--output",
    output,
    "--include",
    `${bundleDir}/${COLD_FILE}`,
    `${bundleDir}/${ENTRY_FILE}`,
  ];
}

async function build(target: string): Promise<void> {
  const ext = target.includes("windows") ? ".exe" : "";
  const args = compileArgs(target, `dist/aws-vault-${target}${ext}`);
  console.log(`deno ${args.join(" ")}`);
  const { success } = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT,
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (!success) throw new Error(`build for ${target} failed`);
}

if (import.meta.main) {
  const targets = parseTargets(Deno.args);
  if (Deno.env.get("DENORT_BIN") && targets.length > 1) {
    throw new Error("DENORT_BIN is one runtime binary: build a single --target with it");
  }
  await bundle();
  for (const t of targets) await build(t);
}
