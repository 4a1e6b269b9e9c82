/**
 * Keeps the layout in docs/ARCHITECTURE.md true: every import of a program module (static,
 * dynamic or `typeof import(...)`) points down the layer table below, and the module graph has
 * no cycle, type-only imports included. Tests and scripts may import anything.
 */
import { assert, assertEquals } from "./assert.ts";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/**
 * Each room and the rooms it may import, besides itself ("sts/" allows every room under it).
 * Listed from the top down; the first prefix that matches a path names its room.
 */
const ROOMS: [room: string, mayImport: string[]][] = [
  ["main.ts", ["cmd/", "lib/"]],
  ["cmd/", ["server/", "sts/", "keystore/", "lib/"]],
  ["server/", ["sts/", "keystore/", "lib/"]],
  ["sts/aws/", ["sts/config/", "lib/"]],
  // The wincredui prompt driver calls CredUI through ffi/credui.ts.
  ["sts/mfa/", ["sts/config/", "ffi/", "lib/"]],
  ["sts/config/", ["lib/"]],
  // The engine: chain, providers, session cache, locks, rotate, console login.
  ["sts/", ["sts/aws/", "sts/mfa/", "sts/config/", "keystore/", "lib/"]],
  ["keystore/", ["ffi/", "lib/"]],
  ["ffi/", ["lib/"]],
  // The Unix exec child needs posix_spawn and tcsetpgrp, which Deno.Command does not offer.
  ["lib/child", ["ffi/", "lib/"]],
  // The no-echo prompt turns console echo off on Windows through kernel32 (ffi/kernel32.ts).
  ["lib/tty.ts", ["ffi/", "lib/"]],
  ["lib/", []],
];

function roomOf(path: string): string {
  const hit = ROOMS.find(([room]) => path === room || path.startsWith(room));
  if (!hit) throw new Error(`${path} is in no room of tests/layout_test.ts`);
  return hit[0];
}

function programModules(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of Deno.readDirSync(`${ROOT}${dir}`)) {
      const path = dir === "" ? e.name : `${dir}/${e.name}`;
      if (e.isDirectory) {
        if (["cmd", "server", "sts", "keystore", "ffi", "lib"].includes(path.split("/")[0])) {
          walk(path);
        }
      } else if (e.name.endsWith(".ts") && !e.name.endsWith("_test.ts")) {
        if (dir !== "" || path === "main.ts") out.push(path);
      }
    }
  };
  walk("");
  return out.sort();
}

/** The repository paths a module imports by relative specifier. */
function relativeImports(path: string): string[] {
  const text = Deno.readTextFileSync(`${ROOT}${path}`);
  const specs = [
    ...text.matchAll(/\bfrom\s+"(\.{1,2}\/[^"]+)"/g),
    ...text.matchAll(/\bimport\s*\(\s*"(\.{1,2}\/[^"]+)"\s*\)/g),
    ...text.matchAll(/^import\s+"(\.{1,2}\/[^"]+)"/gm),
  ].map((m) => m[1]);
  const base = new URL(path, "file:///r/");
  return [...new Set(specs.map((s) => new URL(s, base).pathname.slice("/r/".length)))];
}

Deno.test("every program module sits in a room and imports only the rooms below it", () => {
  const wrong: string[] = [];
  for (const path of programModules()) {
    const room = roomOf(path);
    const allowed = ROOMS.find(([r]) => r === room)![1];
    for (const target of relativeImports(path)) {
      const targetRoom = roomOf(target);
      if (targetRoom !== room && !allowed.some((a) => targetRoom.startsWith(a))) {
        wrong.push(`${path} -> ${target}`);
      }
    }
  }
  assertEquals(wrong, []);
});

Deno.test("the module graph has no import cycle", () => {
  const graph = new Map(programModules().map((p) => [p, relativeImports(p)]));
  const state = new Map<string, "open" | "done">();
  const cycles: string[] = [];
  const visit = (node: string, trail: string[]) => {
    if (state.get(node) === "done") return;
    if (state.get(node) === "open") {
      cycles.push([...trail.slice(trail.indexOf(node)), node].join(" -> "));
      return;
    }
    state.set(node, "open");
    for (const next of graph.get(node) ?? []) visit(next, [...trail, node]);
    state.set(node, "done");
  };
  for (const node of graph.keys()) visit(node, []);
  assertEquals(cycles, []);
});

Deno.test("the layout check sees the program", () => {
  const modules = programModules();
  assert(modules.includes("sts/chain.ts") && modules.includes("sts/config/ini.ts"));
  assert(relativeImports("sts/chain.ts").includes("sts/config/profile_resolve.ts"));
  // A dynamic import counts too: cmd/export.ts loads the chain only when it runs.
  assert(relativeImports("cmd/export.ts").includes("sts/chain.ts"));
});
