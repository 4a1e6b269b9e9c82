/**
 * A private corner of the kernel key retention service for tests, so that no test touches the
 * user's real `aws-vault` keyring and parallel runs never see each other's keys.
 *
 * A sandbox is a keyring with a random name linked into the test process's user keyring, with
 * user permissions added so that another process of ours may join it by name. The CLI runs under
 * `keyctl session <name>` (that keyring becomes its session keyring) with
 * `AWS_VAULT_KEYCTL_SCOPE=session`, so it creates and uses `<sandbox>/aws-vault`, the layout it
 * creates below `@u` for users. The test process reaches the same keys through its user keyring.
 *
 * Caveat for developer machines: keyctl searches nest, so a real `aws-vault --backend=keyctl`
 * whose own `@u/aws-vault` does not exist yet could find a sandbox's while a test runs. (Linking
 * the sandbox into the session keyring instead does not work where that is the shared user-session
 * keyring: other processes do not possess what is linked there.)
 */
import { openKeyctlKeystoreIn } from "../keystore/keyctl.ts";
import type { Keystore } from "../keystore/keystore.ts";
import { runCommand } from "./run_cli.ts";

export interface KeyctlSandbox {
  name: string;
  /** Serial of the sandbox keyring. */
  serial: number;
  /** run_cli.ts `wrap`: joins the sandbox as the session keyring, silently, then execs argv. */
  wrap: string[];
  /** Environment that selects the keyctl backend in the sandbox. */
  env: Record<string, string>;
  /** `<sandbox>/aws-vault`, opened in this process (created when missing). */
  open(): Keystore;
  /** Runs the real `keyctl` with `args` (and `stdin`); throws on failure. */
  keyctl(args: string[], stdin?: string): Promise<string>;
  cleanup(): Promise<void>;
}

export async function keyctl(args: string[], stdin?: string): Promise<string> {
  const out = await runCommand("keyctl", args, { env: Deno.env.toObject(), stdin });
  if (out.code !== 0) throw new Error(`keyctl ${args.join(" ")} failed: ${out.stderr.trim()}`);
  return out.stdout;
}

export async function createKeyctlSandbox(): Promise<KeyctlSandbox> {
  const random = crypto.getRandomValues(new Uint8Array(8));
  const name = `aws-vault-test-${
    Array.from(random, (b) => b.toString(16).padStart(2, "0")).join("")
  }`;
  const serial = Number((await keyctl(["newring", name, "@u"])).trim());
  // Possessor and user: everything, so that `keyctl session <name>` may find and join it.
  await keyctl(["setperm", String(serial), "0x3f3f0000"]);
  return {
    name,
    serial,
    wrap: [
      "sh",
      "-c",
      // keyctl announces the join on stderr; keep that out of the CLI's stderr.
      'exec 3>&2 2>/dev/null; exec keyctl session "$0" sh -c \'exec 2>&3 3>&-; exec "$@"\' sh "$@"',
      name,
    ],
    env: { AWS_VAULT_BACKEND: "keyctl", AWS_VAULT_KEYCTL_SCOPE: "session" },
    open: () => openKeyctlKeystoreIn(serial, "aws-vault", `test keyring ${name}`),
    keyctl,
    cleanup: async () => {
      await keyctl(["clear", String(serial)]).catch(() => {});
      await keyctl(["unlink", String(serial), "@u"]).catch(() => {});
    },
  };
}
