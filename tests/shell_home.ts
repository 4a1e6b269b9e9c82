/**
 * A HOME for the shell completion tests: a config with a few profiles, our completion scripts,
 * and `aws-vault` on PATH running our main.ts from source.
 */
import { assertEquals } from "./assert.ts";
import { baseEnv, cliCommand, runCli, shellLine, tempHome } from "./run_cli.ts";

const SHELL_TEST_CONFIG = `[default]
region = us-east-1

[profile prod]
region = eu-west-1

[profile prod-admin]
source_profile = prod

[profile dev]
`;

export interface ShellHome {
  home: string;
  env: Record<string, string>;
  /** Path of a script: "ours.bash", "ours.zsh", ... */
  script(name: string): string;
  cleanup(): Promise<void>;
}

/** A HOME with a config, our scripts, and `aws-vault` on PATH running main.ts. */
export async function shellHome(): Promise<ShellHome> {
  const { home, cleanup } = await tempHome();
  await Deno.mkdir(`${home}/bin`);
  await Deno.writeTextFile(`${home}/.aws/config`, SHELL_TEST_CONFIG);
  const quoted = shellLine(cliCommand());
  await Deno.writeTextFile(`${home}/bin/aws-vault`, `#!/bin/sh\nexec ${quoted} "$@"\n`, {
    mode: 0o755,
  });
  const env = { ...baseEnv(home), PATH: `${home}/bin:${baseEnv(home).PATH}` };
  for (const shell of ["bash", "zsh", "fish", "pwsh"]) {
    const r = await runCli([`--completion-script-${shell}`], { home });
    assertEquals([r.code, r.stderr], [0, ""]);
    await Deno.writeTextFile(`${home}/ours.${shell}`, r.stdout);
  }
  return {
    home,
    env,
    script: (name) => `${home}/${name}`,
    cleanup,
  };
}

/** Runs `fn` with a fresh shell HOME, removed afterwards. */
export async function withShellHome(fn: (h: ShellHome) => Promise<void>): Promise<void> {
  const h = await shellHome();
  try {
    await fn(h);
  } finally {
    await h.cleanup();
  }
}
