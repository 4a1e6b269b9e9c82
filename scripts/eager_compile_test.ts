import { assertEquals } from "../tests/assert.ts";
import { eagerTopLevelFunctions } from "./eager_compile.ts";

/** Runs `code` as a module and returns what it exported as `result`. */
async function evaluate(code: string): Promise<unknown> {
  const url = `data:text/javascript;base64,${new TextEncoder().encode(code).toBase64()}`;
  return (await import(url)).result;
}

Deno.test("top-level functions become hoisted parenthesized expressions, meaning the same", async () => {
  const code = [
    "var early = later(2);",
    "function later(n) { return helper(n) * 10; }",
    "class Box { get() { return 1; } }",
    "async function* pairs() { yield 1; }",
    "function helper(n) {",
    "  const inner = function notTopLevel() { return n; };",
    "  const text = `",
    "}",
    "function fake() {}",
    "`;",
    "  return inner() + text.length * 0;",
    "}",
    "export const result = [early, later.name, typeof pairs, new Box().get()];",
  ].join("\n");
  const { code: eager, count } = eagerTopLevelFunctions(code);
  assertEquals(count, 3);
  assertEquals(eager.split("\n").slice(0, 1), [
    "var later = (function later(n) { return helper(n) * 10; });",
  ]);
  // The function inside the template literal and the nested one are text, not declarations.
  assertEquals(eager.match(/^var \w+ = \(/gm)?.length, 3);
  assertEquals(await evaluate(eager), await evaluate(code));
  assertEquals(await evaluate(eager), [20, "later", "function", 1]);
});

Deno.test("a file without top-level functions is unchanged", () => {
  const code = "export const x = () => 1;\nclass A {}\n";
  assertEquals(eagerTopLevelFunctions(code), { code, count: 0 });
});
