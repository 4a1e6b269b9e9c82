/**
 * scripts/package_release.ts and install.sh together: fake binaries (shell scripts that print
 * which target they are) are packed as a release, served from a loopback HTTP server, and
 * installed by install.sh under Debian's POSIX sh (dash), with a fake `uname` on PATH to play
 * the other platforms.
 */
import { assert, assertEquals } from "./assert.ts";
import { fileURLToPath } from "node:url";
import { assetName, packageRelease } from "../scripts/package_release.ts";
import { TARGETS } from "../scripts/build.ts";
import { linuxTest } from "./platform.ts";
import { runCommand } from "./run_cli.ts";

const INSTALL_SH = fileURLToPath(new URL("../install.sh", import.meta.url));
const VERSION = "v7.2.0-deno.9";

interface Release {
  dir: string;
  url: string;
  /** Paths the server was asked for. */
  requests: string[];
  close(): Promise<void>;
}

/** Packs one fake binary per target and serves dist/release/ on 127.0.0.1. */
async function fakeRelease(): Promise<Release> {
  const dir = await Deno.makeTempDir({ prefix: "aws-vault-release-" });
  for (const t of TARGETS) {
    const path = `${dir}/aws-vault-${t}${t.includes("windows") ? ".exe" : ""}`;
    await Deno.writeTextFile(path, `#!/bin/sh\necho ${VERSION}-${t}\n`);
  }
  await packageRelease(dir, VERSION);
  const requests: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const name = new URL(req.url).pathname.slice(1);
    requests.push(name);
    try {
      return new Response(await Deno.readFile(`${dir}/release/${name}`));
    } catch {
      return new Response("not found", { status: 404 });
    }
  });
  return {
    dir,
    url: `http://127.0.0.1:${server.addr.port}`,
    requests,
    async close() {
      await server.shutdown();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/** Runs install.sh with `uname -s`/`-m` answering as given. */
async function install(
  release: Release,
  home: string,
  args: string[],
  platform = { s: "Linux", m: "x86_64" },
) {
  const bin = `${home}/fakebin`;
  await Deno.mkdir(bin, { recursive: true });
  await Deno.writeTextFile(
    `${bin}/uname`,
    `#!/bin/sh\ncase "$1" in -s) echo ${platform.s} ;; -m) echo ${platform.m} ;; esac\n`,
  );
  await Deno.chmod(`${bin}/uname`, 0o755);
  const env = { PATH: `${bin}:/usr/bin:/bin`, HOME: home, AWS_VAULT_INSTALL_BASE_URL: release.url };
  return await runCommand("sh", [INSTALL_SH, ...args], { env });
}

async function versionOf(path: string): Promise<string> {
  const out = await new Deno.Command(path, { args: ["--version"], stdout: "piped" }).output();
  return new TextDecoder().decode(out.stdout).trim();
}

function exists(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

async function withRelease(body: (r: Release, home: string) => Promise<void>): Promise<void> {
  const release = await fakeRelease();
  const home = await Deno.makeTempDir({ prefix: "aws-vault-install-home-" });
  try {
    await body(release, home);
  } finally {
    await release.close();
    await Deno.remove(home, { recursive: true });
  }
}

linuxTest(
  "dash, tar and sha256sum",
  "package_release: one archive per target and a SHA256SUMS sha256sum accepts",
  async () => {
    await withRelease(async (release) => {
      const sums = Deno.readTextFileSync(`${release.dir}/release/SHA256SUMS`).trim().split("\n");
      assertEquals(sums.map((l) => l.split("  ")[1]), TARGETS.map((t) => assetName(VERSION, t)));
      assert(sums.some((l) => l.endsWith("  aws-vault-7.2.0-deno.9-linux-amd64.tar.gz")));
      assert(sums.some((l) => l.endsWith("  aws-vault-7.2.0-deno.9-windows-amd64.zip")));
      const check = await new Deno.Command("sha256sum", {
        args: ["-c", "SHA256SUMS"],
        cwd: `${release.dir}/release`,
        stdout: "null",
      }).output();
      assert(check.success, "sha256sum -c failed");
      const zip = await new Deno.Command("python3", {
        args: ["-m", "zipfile", "-l", assetName(VERSION, "x86_64-pc-windows-msvc")],
        cwd: `${release.dir}/release`,
        stdout: "piped",
      }).output();
      assert(new TextDecoder().decode(zip.stdout).includes("aws-vault.exe"));
      const tar = await new Deno.Command("tar", {
        args: ["-tzf", assetName(VERSION, "aarch64-apple-darwin")],
        cwd: `${release.dir}/release`,
        stdout: "piped",
      }).output();
      assertEquals(new TextDecoder().decode(tar.stdout).trim().split("\n"), [
        "aws-vault",
        "aws-vault.1",
        "README.md",
      ]);
    });
  },
);

linuxTest(
  "dash, tar and sha256sum",
  "install.sh: picks this platform's asset, verifies it, installs, and re-installs",
  async () => {
    await withRelease(async (release, home) => {
      const dir = `${home}/bin`;
      const r = await install(release, home, ["--dir", dir]);
      assertEquals(r.code, 0, r.stderr);
      assertEquals(await versionOf(`${dir}/aws-vault`), `${VERSION}-x86_64-unknown-linux-gnu`);
      assert(r.stdout.includes(`Add ${dir} to your PATH`), r.stdout);
      assert(r.stdout.includes("--completion-script-bash"), r.stdout);
      assertEquals(release.requests, [
        "SHA256SUMS",
        assetName(VERSION, "x86_64-unknown-linux-gnu"),
      ]);

      const again = await install(release, home, ["--dir", dir]);
      assertEquals(again.code, 0, again.stderr);
      assert(again.stdout.includes(`Replacing aws-vault ${VERSION}-x86_64`), again.stdout);
      assertEquals([...Deno.readDirSync(dir)].map((e) => e.name), ["aws-vault"]);
    });
  },
);

linuxTest(
  "dash, tar and sha256sum",
  "install.sh: macOS on Apple silicon gets the darwin-arm64 asset",
  async () => {
    await withRelease(async (release, home) => {
      const dir = `${home}/bin`;
      const r = await install(release, home, [`--dir=${dir}`], { s: "Darwin", m: "arm64" });
      assertEquals(r.code, 0, r.stderr);
      assertEquals(await versionOf(`${dir}/aws-vault`), `${VERSION}-aarch64-apple-darwin`);
    });
  },
);

linuxTest(
  "dash, tar and sha256sum",
  "install.sh: a checksum mismatch installs nothing",
  async () => {
    await withRelease(async (release, home) => {
      const asset = `${release.dir}/release/${assetName(VERSION, "x86_64-unknown-linux-gnu")}`;
      const bytes = await Deno.readFile(asset);
      bytes[bytes.length - 1] ^= 0xff;
      await Deno.writeFile(asset, bytes);
      const dir = `${home}/bin`;
      const r = await install(release, home, ["--dir", dir]);
      assertEquals(r.code, 1);
      assert(
        r.stderr.includes("checksum mismatch for aws-vault-7.2.0-deno.9-linux-amd64.tar.gz"),
        r.stderr,
      );
      assert(r.stderr.includes("nothing was installed"), r.stderr);
      assert(!exists(`${dir}/aws-vault`), "a binary was installed");
    });
  },
);

linuxTest(
  "dash, tar and sha256sum",
  "install.sh: a platform without an asset, and a missing release, are clear errors",
  async () => {
    await withRelease(async (release, home) => {
      const sums = `${release.dir}/release/SHA256SUMS`;
      const kept = Deno.readTextFileSync(sums).split("\n").filter((l) =>
        !l.includes("linux-arm64")
      );
      Deno.writeTextFileSync(sums, kept.join("\n"));
      const r = await install(release, home, ["--dir", `${home}/bin`], {
        s: "Linux",
        m: "aarch64",
      });
      assertEquals(r.code, 1);
      assertEquals(
        r.stderr.trim(),
        `install.sh: the release at ${release.url} has no asset for linux-arm64`,
      );

      Deno.removeSync(sums);
      const none = await install(release, home, ["--dir", `${home}/bin`]);
      assertEquals(none.code, 1);
      assert(none.stderr.includes(`could not download ${release.url}/SHA256SUMS`), none.stderr);

      const ppc = await install(release, home, ["--dir", `${home}/bin`], {
        s: "Linux",
        m: "ppc64le",
      });
      assert(
        ppc.stderr.includes("no aws-vault build for this CPU (uname -m: ppc64le)"),
        ppc.stderr,
      );
      assert(!exists(`${home}/bin/aws-vault`));
    });
  },
);

linuxTest(
  "dash, tar and sha256sum",
  "install.sh: another program named aws-vault is kept unless --force",
  async () => {
    await withRelease(async (release, home) => {
      const dir = `${home}/bin`;
      await Deno.mkdir(dir);
      await Deno.writeTextFile(`${dir}/aws-vault`, "#!/bin/sh\necho something else\n");
      await Deno.chmod(`${dir}/aws-vault`, 0o755);
      const r = await install(release, home, ["--dir", dir]);
      assertEquals(r.code, 1);
      assert(r.stderr.includes("exists and is not aws-vault"), r.stderr);
      assertEquals(await versionOf(`${dir}/aws-vault`), "something else");

      const forced = await install(release, home, ["--dir", dir, "--force"]);
      assertEquals(forced.code, 0, forced.stderr);
      assertEquals(await versionOf(`${dir}/aws-vault`), `${VERSION}-x86_64-unknown-linux-gnu`);
    });
  },
);
