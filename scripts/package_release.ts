/**
 * Packs the binaries that scripts/build.ts wrote into dist/ as release assets, and writes
 * SHA256SUMS beside them (the format `sha256sum -c` reads, which install.sh and install.ps1
 * check every download against):
 *
 *   deno run -A scripts/package_release.ts [--dist dist]
 *
 *   dist/release/aws-vault-<version>-linux-amd64.tar.gz     aws-vault, aws-vault.1, README.md
 *   dist/release/aws-vault-<version>-windows-amd64.zip      aws-vault.exe, README.md
 *   dist/release/SHA256SUMS
 *
 * <version> is what `aws-vault --version` prints, without its "v": cmd/app.ts VERSION is the one
 * place the version is written.
 */
import { VERSION } from "../cmd/app.ts";
import { ROOT, TARGETS } from "./build.ts";

/** The os and arch words of an asset name, as aws-vault names its own downloads. */
function assetPlatform(target: string): { os: string; arch: string } {
  const arch = target.startsWith("x86_64") ? "amd64" : target.startsWith("aarch64") ? "arm64" : "";
  const os = target.includes("linux")
    ? "linux"
    : target.includes("darwin")
    ? "darwin"
    : target.includes("windows")
    ? "windows"
    : "";
  if (!os || !arch) throw new Error(`no asset name for target ${target}`);
  return { os, arch };
}

export function assetName(version: string, target: string): string {
  const { os, arch } = assetPlatform(target);
  return `aws-vault-${version.replace(/^v/, "")}-${os}-${arch}.${
    os === "windows" ? "zip" : "tar.gz"
  }`;
}

async function sha256(path: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", await Deno.readFile(path));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

async function run(cmd: string, args: string[], cwd: string): Promise<void> {
  const r = await new Deno.Command(cmd, { args, cwd, stdout: "null", stderr: "piped" }).output();
  if (!r.success) throw new Error(`${cmd} failed: ${new TextDecoder().decode(r.stderr)}`);
}

/** The man page, as `aws-vault --help-man` prints it (kingpin's roff), from the source. */
async function manPage(): Promise<string> {
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", `${ROOT}main.ts`, "--help-man"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(r.stdout);
  if (!r.success || !text.startsWith(".TH aws-vault 1 ")) {
    throw new Error(`--help-man failed: ${new TextDecoder().decode(r.stderr)}`);
  }
  return text;
}

/** Packs every target whose binary is in `dist`; fails when one is missing. */
export async function packageRelease(dist: string, version = VERSION): Promise<string[]> {
  const out = `${dist}/release`;
  await Deno.mkdir(out, { recursive: true });
  const man = await manPage();
  const sums: string[] = [];
  for (const target of TARGETS) {
    const windows = target.includes("windows");
    const binary = `${dist}/aws-vault-${target}${windows ? ".exe" : ""}`;
    const stage = await Deno.makeTempDir({ prefix: "aws-vault-pack-" });
    try {
      const inside = windows ? "aws-vault.exe" : "aws-vault";
      await Deno.copyFile(binary, `${stage}/${inside}`);
      await Deno.chmod(`${stage}/${inside}`, 0o755);
      await Deno.copyFile(`${ROOT}README.md`, `${stage}/README.md`);
      // A man page is for the Unix archives; Windows has no man.
      if (!windows) await Deno.writeTextFile(`${stage}/aws-vault.1`, man);
      const name = assetName(version, target);
      const archive = `${Deno.realPathSync(out)}/${name}`;
      if (windows) {
        await run("python3", ["-m", "zipfile", "-c", archive, inside, "README.md"], stage);
      } else {
        const files = [inside, "aws-vault.1", "README.md"];
        await run("tar", ["-czf", archive, "--owner=0", "--group=0", ...files], stage);
      }
      sums.push(`${await sha256(archive)}  ${name}`);
    } finally {
      await Deno.remove(stage, { recursive: true });
    }
  }
  await Deno.writeTextFile(`${out}/SHA256SUMS`, sums.join("\n") + "\n");
  return sums;
}

if (import.meta.main) {
  const i = Deno.args.indexOf("--dist");
  const sums = await packageRelease(i >= 0 ? Deno.args[i + 1] : `${ROOT}dist`);
  console.log(sums.join("\n"));
}
