import { assertEquals, assertThrows } from "../tests/assert.ts";
import { pathFromFileUrl } from "./file_url.ts";

Deno.test("pathFromFileUrl: POSIX paths keep slashes and lose escapes", () => {
  assertEquals(pathFromFileUrl("file:///work/a%20b/main.ts", "linux"), "/work/a b/main.ts");
  assertEquals(pathFromFileUrl(new URL("file:///tmp/%25x/"), "darwin"), "/tmp/%x/");
});

Deno.test("pathFromFileUrl: Windows drive letters and UNC shares", () => {
  assertEquals(pathFromFileUrl("file:///C:/Users/me/x%20y.ts", "windows"), "C:\\Users\\me\\x y.ts");
  assertEquals(pathFromFileUrl("file:///Z:/work/", "windows"), "Z:\\work\\");
  assertEquals(
    pathFromFileUrl("file://server/share/dir/f.ts", "windows"),
    "\\\\server\\share\\dir\\f.ts",
  );
});

Deno.test("pathFromFileUrl: the running module's own path exists on this OS", () => {
  assertEquals(Deno.statSync(pathFromFileUrl(import.meta.url)).isFile, true);
});

Deno.test("pathFromFileUrl refuses other schemes", () => {
  assertThrows(() => pathFromFileUrl("https://example.com/x.ts"), TypeError, "not a file URL");
});
