/**
 * Makes V8 compile a bundle file's top-level functions with the file, so that their bytecode is in
 * Deno's code cache; scripts/bundle.ts applies it to the entry half of the release bundle.
 *
 * Why: V8 compiles a function the first time it is called, unless it is a parenthesized function
 * expression, which it compiles eagerly with the script. Deno's code cache holds only what was
 * compiled with the module, so a function compiled lazily is compiled again by every process: the
 * 80-odd functions a cached `credential_process` call runs cost it about 2 ms each time (V8's
 * `--log-function-events`; docs/BENCHMARKS.md has the figures).
 *
 * Each top-level `function f(...) {...}` becomes `var f = (function f(...) {...});`, moved to the top
 * of the file in its original order. That keeps the declarations' meaning: they were created before
 * any statement of the file ran, and so are these, and a named function expression keeps its name
 * for stack traces. Classes and nested functions are left as they are.
 */
import { parse } from "acorn";

interface Node {
  type: string;
  start: number;
  end: number;
  id?: { name: string } | null;
}

/** `code` with its top-level function declarations eagerly compiled; `count` says how many. */
export function eagerTopLevelFunctions(code: string): { code: string; count: number } {
  const program = parse(code, { ecmaVersion: "latest", sourceType: "module" }) as unknown as {
    body: Node[];
  };
  const functions = program.body.filter((n) => n.type === "FunctionDeclaration" && n.id);
  const hoisted: string[] = [];
  let rest = "";
  let from = 0;
  for (const f of functions) {
    rest += code.slice(from, f.start);
    hoisted.push(`var ${f.id!.name} = (${code.slice(f.start, f.end)});\n`);
    from = f.end;
  }
  rest += code.slice(from);
  return { code: hoisted.join("") + rest, count: functions.length };
}
