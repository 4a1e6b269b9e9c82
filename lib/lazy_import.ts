/**
 * `import()` of a program module named by its path from the repository root (`cmd/export.ts`), with
 * a specifier built at run time. Program modules load what they may not need this way, never with a
 * literal `import()` (tests/lazy_modules_test.ts checks).
 *
 * Why: `deno run` walks every statically analysable `import()` of the program at start-up, even
 * those that never run. For this CLI that walk (every command, backend, FFI binding and the STS
 * client) cost several milliseconds of every `credential_process` call. A run-time specifier is
 * invisible to the walk. It is invisible to the bundler too, which keeps the release bundle in two
 * halves (scripts/bundle.ts): esbuild would give every literal `import()` target a file of its own,
 * and `deno run` would walk those files at start-up as well. The bundle's entry point hands this
 * module a finder for every program module instead.
 */

/** Finds a module of the bundle by its path; undefined if the bundle has no such module. */
type BundledModules = (path: string) => Promise<unknown>;

let bundled: BundledModules | undefined;

/** Called first thing by the bundle's entry point (scripts/bundle.ts), before main.ts runs. */
export function useBundledModules(find: BundledModules): void {
  bundled = find;
}

export function importAtRunTime<T>(path: string): Promise<T> {
  if (bundled) {
    return bundled(path).then((module) =>
      module ?? Promise.reject(new Error(`module ${path} is not in the bundle`))
    ) as Promise<T>;
  }
  // From source: paths are from the repository root, and this file is lib/lazy_import.ts. Built
  // here, not at load: the first `new URL` costs 0.3 ms, which the bundle never needs to pay.
  return import(new URL(`../${path}`, import.meta.url).href);
}
