import { assertEquals } from "../tests/assert.ts";
import { renderTable } from "./tab_writer.ts";

Deno.test("renderTable: every column padded to max(minWidth, widest cell + padding)", () => {
  const out = renderTable([["a", "bb", "c"], ["a-very-long-profile-name-here", "-", "ü"]], {
    minWidth: 25,
    padding: 2,
  });
  assertEquals(
    out,
    "a" + " ".repeat(30) + "bb" + " ".repeat(23) + "c" + " ".repeat(24) + "\n" +
      "a-very-long-profile-name-here  " + "-" + " ".repeat(24) + "ü" + " ".repeat(24) + "\n",
  );
});

Deno.test("renderTable: widths count code points, not UTF-16 units", () => {
  const out = renderTable([["😀", "x"]], { minWidth: 0, padding: 1 });
  assertEquals(out, "😀 x \n");
});
