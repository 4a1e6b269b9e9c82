/**
 * The Windows lane: runs the test suite with Deno's own Windows build under Wine, on Linux.
 * `.ci/run` calls it after the Linux suite; by hand: `deno run -A scripts/windows_lane.ts [files]`.
 * Then it runs tests/wine_console_test.ts on Linux, which types at deno.exe through a terminal.
 *
 * Getting deno.exe to run under Debian's Wine 8.0 takes three fixes, done once into a cache:
 * - deno.exe comes from the npm package `@deno/win32-x64` at the running Deno's version.
 * - Wine 8.0 has no bcryptprimitives.dll, which deno.exe imports for `ProcessPrng`: a DLL of ours
 *   next to deno.exe forwards it to `advapi32.SystemFunction036` (RtlGenRandom), linked from a
 *   .def file by `x86_64-w64-mingw32-ld` (Debian's binutils-mingw-w64-x86-64).
 * - V8 aborts in SegmentedTable::InitializeTable: Wine exports `MapViewOfFile3` but not the
 *   placeholder reservations V8 uses with it. V8 looks the function up by name at run time, so a
 *   copy of deno.exe whose one `MapViewOfFile3\0` string names a function that does not exist
 *   takes V8's path for older Windows.
 * Wine copies Linux variables into Windows programs, so Wine runs with a cleared environment.
 * Wine is not Windows (it accepts credential blobs over 2560 bytes, for one): this lane
 * complements the native Windows runner in .github/workflows, it does not replace it.
 */
import { pathFromFileUrl } from "../lib/file_url.ts";
import { CACHE, DENO_EXE, exists, PREFIX, VERSION, wineEnv } from "./wine.ts";

const ROOT = pathFromFileUrl(new URL("..", import.meta.url));
/** The suite takes 4-5 minutes on a quiet machine, and more than twice that on a loaded one. */
const LANE_TIMEOUT_MINUTES = 30;

const IMPORT_NAME = "MapViewOfFile3\0";
const MISSING_NAME = "MapViewOfFileX\0";

const BCRYPTPRIMITIVES_DEF = `LIBRARY bcryptprimitives.dll
EXPORTS
ProcessPrng = advapi32.SystemFunction036
`;

function fail(message: string): never {
  console.error(`windows lane: ${message}`);
  Deno.exit(1);
}

async function run(cmd: string, args: string[], opts: Deno.CommandOptions = {}): Promise<void> {
  const out = await new Deno.Command(cmd, { stdout: "piped", stderr: "piped", ...opts, args })
    .output()
    .catch((err) => fail(`cannot run ${cmd}: ${err.message}`));
  if (!out.success) {
    const text = new TextDecoder().decode(out.stderr).trim().split("\n").slice(-5).join("\n");
    fail(`${cmd} ${args.join(" ")} exited ${out.code}: ${text}`);
  }
}

/** The index of the only occurrence of `needle` in `hay`; fails loudly on none or several. */
function onlyOccurrence(hay: Uint8Array, needle: Uint8Array): number {
  const found: number[] = [];
  const first = needle[0];
  for (let i = hay.indexOf(first); i >= 0 && i <= hay.length - needle.length;) {
    let j = 1;
    while (j < needle.length && hay[i + j] === needle[j]) j++;
    if (j === needle.length) found.push(i);
    i = hay.indexOf(first, i + 1);
  }
  if (found.length !== 1) {
    fail(
      `expected one ${JSON.stringify(new TextDecoder().decode(needle))} in deno.exe, ` +
        `found ${found.length}: this Deno build needs the lane updated`,
    );
  }
  return found[0];
}

/** deno.exe from npm, patched, with the forwarding bcryptprimitives.dll beside it. */
async function prepareDenoExe(): Promise<void> {
  if (exists(DENO_EXE) && exists(`${CACHE}/bin/bcryptprimitives.dll`)) return;
  const work = await Deno.makeTempDir({ prefix: "aws-vault-wine-" });
  try {
    await run("npm", ["pack", `@deno/win32-x64@${VERSION}`, "--pack-destination", work], {
      cwd: work,
    });
    await run("tar", ["-xzf", `deno-win32-x64-${VERSION}.tgz`, "package/deno.exe"], { cwd: work });
    const exe = await Deno.readFile(`${work}/package/deno.exe`);
    const at = onlyOccurrence(exe, new TextEncoder().encode(IMPORT_NAME));
    exe.set(new TextEncoder().encode(MISSING_NAME), at);
    await Deno.writeTextFile(`${work}/bcryptprimitives.def`, BCRYPTPRIMITIVES_DEF);
    await run("x86_64-w64-mingw32-ld", [
      "--dll",
      "-e",
      "0",
      "-o",
      `${work}/bcryptprimitives.dll`,
      `${work}/bcryptprimitives.def`,
    ]);
    await Deno.mkdir(`${CACHE}/bin`, { recursive: true });
    await Deno.copyFile(`${work}/bcryptprimitives.dll`, `${CACHE}/bin/bcryptprimitives.dll`);
    // Last, so that an interrupted preparation is redone.
    await Deno.writeFile(`${DENO_EXE}.tmp`, exe);
    await Deno.rename(`${DENO_EXE}.tmp`, DENO_EXE);
  } finally {
    await Deno.remove(work, { recursive: true });
  }
}

async function prepareWinePrefix(): Promise<void> {
  if (!exists(`${PREFIX}/system.reg`)) {
    await Deno.mkdir(PREFIX, { recursive: true });
    await run("wineboot", ["-i"], { env: wineEnv(), clearEnv: true });
  }
  // Go programs (esbuild, which `deno bundle` runs) load ProcessPrng from the system directory.
  const system = `${PREFIX}/drive_c/windows/system32/bcryptprimitives.dll`;
  if (!exists(system)) await Deno.copyFile(`${CACHE}/bin/bcryptprimitives.dll`, system);
}

async function main(): Promise<number> {
  const started = performance.now();
  await prepareDenoExe();
  await prepareWinePrefix();
  const prepared = performance.now();
  console.log(
    `windows lane: deno.exe ${VERSION} under ${await wineVersion()}, ` +
      `prepared in ${seconds(started, prepared)} s`,
  );
  const child = new Deno.Command("wine", {
    args: [DENO_EXE, "test", "-A", "--parallel", ...Deno.args],
    cwd: ROOT,
    env: wineEnv(),
    clearEnv: true,
    stdin: "null",
    stdout: "inherit",
    stderr: "inherit",
  }).spawn();
  // deno test has no per-test timeout: a test that waits forever (a browser that never calls
  // back, say) must fail the lane, not use up CI's time.
  let timedOut = false;
  const timer = setTimeout(() => {
    console.error(`windows lane: the suite ran over ${LANE_TIMEOUT_MINUTES} minutes; stopped`);
    timedOut = true;
    child.kill("SIGKILL");
  }, LANE_TIMEOUT_MINUTES * 60_000);
  const suite = await child.status;
  clearTimeout(timer);
  // The test processes it started are Windows processes of this prefix: end them all.
  if (timedOut) await run("wineserver", ["-k"], { env: wineEnv(), clearEnv: true });
  const tested = performance.now();
  console.log(`windows lane: the suite ran under Wine in ${seconds(prepared, tested)} s`);
  // The console prompts need a terminal around Wine, which only Linux can give it.
  const console_ = await new Deno.Command(Deno.execPath(), {
    args: ["test", "-A", "tests/wine_console_test.ts"],
    cwd: ROOT,
    env: { AWS_VAULT_WINE_LANE: "1" },
    stdin: "null",
    stdout: "inherit",
    stderr: "inherit",
  }).spawn().status;
  console.log(`windows lane: console test in ${seconds(tested, performance.now())} s`);
  return suite.success && console_.success ? 0 : 1;
}

function seconds(from: number, to: number): string {
  return ((to - from) / 1000).toFixed(1);
}

async function wineVersion(): Promise<string> {
  const out = await new Deno.Command("wine", { args: ["--version"], stderr: "null" }).output();
  return new TextDecoder().decode(out.stdout).trim();
}

if (import.meta.main) Deno.exit(await main());
