/**
 * `import()` with a specifier built at run time, resolved against the caller's `import.meta.url`.
 *
 * Why: `deno run` walks every statically analysable `import()` of the program at start-up, even
 * those that never run. For this CLI that walk (every command, backend, FFI binding and the STS
 * client) cost several milliseconds of every `credential_process` call. A run-time specifier is
 * invisible to the walk. `deno compile` cannot see it either, so every module loaded this way must
 * be listed for `--include` (scripts/build.ts collects the lists: cmd/app.ts LAZY_MODULES,
 * keystore/registry.ts BACKEND_MODULES and sts/chain.ts CHAIN_MODULES).
 */
export function importAtRunTime<T>(base: string, relative: string): Promise<T> {
  return import(new URL(relative, base).href);
}
