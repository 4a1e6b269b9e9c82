/**
 * TAB pressed in interactive bash, zsh and fish (each in its own tmux server on a private
 * socket), with our script loaded: a partial command and a partial profile name are completed on
 * the command line.
 */
import { assertEquals } from "./assert.ts";
import { type ShellHome, shellHome } from "./shell_home.ts";
import { linuxTest } from "./platform.ts";

const SHELLS: Record<string, { argv: string[]; load: (script: string) => string }> = {
  bash: { argv: ["bash", "--norc", "--noprofile"], load: (s) => `source '${s}'` },
  zsh: {
    argv: ["zsh", "-f"],
    load: (s) => `autoload -Uz compinit && compinit -u -D && source '${s}'`,
  },
  fish: { argv: ["fish", "--no-config"], load: (s) => `source '${s}'` },
};

class Tmux {
  constructor(private readonly h: ShellHome, readonly socket: string) {}

  async run(...args: string[]): Promise<string> {
    const out = await new Deno.Command("tmux", {
      args: ["-S", this.socket, "-f", "/dev/null", ...args],
      env: { ...this.h.env, TERM: "xterm" },
      clearEnv: true,
      cwd: this.h.home,
      stdin: "null",
    }).output();
    const err = new TextDecoder().decode(out.stderr);
    if (!out.success) throw new Error(`tmux ${args[0]}: ${err}`);
    return new TextDecoder().decode(out.stdout);
  }

  /** The screen's lines until `wanted` is on one of them (or 30 s passed). */
  async waitFor(wanted: RegExp): Promise<string> {
    let screen = "";
    for (let i = 0; i < 300; i++) {
      // -N keeps trailing spaces: a completed word is followed by one.
      screen = await this.run("capture-pane", "-p", "-N", "-t", "t");
      if (wanted.test(screen)) return screen;
      await new Promise((r) => setTimeout(r, 100));
    }
    return screen;
  }
}

async function tabCompletes(shell: string, script: string): Promise<[boolean, boolean]> {
  const h = await shellHome();
  const tmux = new Tmux(h, `${h.home}/tmux.sock`);
  try {
    await tmux.run("new-session", "-d", "-x", "150", "-y", "40", "-s", "t", ...SHELLS[shell].argv);
    await tmux.run("send-keys", "-t", "t", SHELLS[shell].load(h.script(script)), "Enter");
    await tmux.run("send-keys", "-t", "t", "echo loaded", "Enter");
    await tmux.waitFor(/^loaded\s*$/m);

    await tmux.run("send-keys", "-t", "t", "aws-vault lo", "Tab");
    const command = /aws-vault login $/m.test(await tmux.waitFor(/aws-vault login $/m));
    await tmux.run("send-keys", "-t", "t", "C-u");
    await tmux.run("send-keys", "-t", "t", "aws-vault exec prod-a", "Tab");
    const profile = /aws-vault exec prod-admin $/m.test(
      await tmux.waitFor(/aws-vault exec prod-admin $/m),
    );
    return [command, profile];
  } finally {
    await tmux.run("kill-server").catch(() => "");
    // The server removes its socket as it exits.
    for (let i = 0; i < 50 && await Deno.stat(tmux.socket).then(() => true, () => false); i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    await h.cleanup();
  }
}

linuxTest(
  "tmux and the shells",
  "bash, zsh, fish: TAB completes a command and a profile with our scripts",
  async () => {
    const cases = Object.keys(SHELLS).map((shell) => [shell, `ours.${shell}`]);
    const results = await Promise.all(cases.map(([shell, script]) => tabCompletes(shell, script)));
    const wanted = cases.map(([, script]) => `${script}: command, profile`);
    assertEquals(
      cases.map(([, script], i) =>
        `${script}: ${results[i][0] ? "command" : "NO COMMAND"}, ${
          results[i][1] ? "profile" : "NO PROFILE"
        }`
      ),
      wanted,
    );
  },
);
