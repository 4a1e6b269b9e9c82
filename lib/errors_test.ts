import { assertEquals } from "../tests/assert.ts";
import { ConfigLoadError, errorMessage, UserError, withoutDenoErrorText } from "./errors.ts";
import { posixTest } from "../tests/platform.ts";

function thrownBy(f: () => unknown): unknown {
  try {
    f();
  } catch (err) {
    return err;
  }
  throw new Error("expected a throw");
}

posixTest(
  "POSIX errno texts",
  "errorMessage: Deno's OS error text in Go's words, naming the path once",
  () => {
    const dir = thrownBy(() => Deno.readFileSync("/"));
    assertEquals(errorMessage(dir), "/: is a directory");
    const missing = thrownBy(() => Deno.readFileSync("/nonexistent-aws-vault/config"));
    assertEquals(errorMessage(missing), "/nonexistent-aws-vault/config: no such file or directory");
    const wrapped = new UserError(
      `Error loading config file /nonexistent-aws-vault/config: ${(missing as Error).message}`,
    );
    assertEquals(
      errorMessage(wrapped),
      "Error loading config file /nonexistent-aws-vault/config: no such file or directory",
    );
    const spawn = thrownBy(() => new Deno.Command("/nonexistent-aws-vault/cmd").outputSync());
    assertEquals(
      errorMessage(spawn),
      "Failed to spawn '/nonexistent-aws-vault/cmd': no such file or directory",
    );
    assertEquals(
      withoutDenoErrorText("The system cannot find the file specified. (os error 2)"),
      "the system cannot find the file specified",
    );
    assertEquals(
      withoutDenoErrorText("AccessDenied: not authorized (really)"),
      "AccessDenied: not authorized (really)",
    );
  },
);

Deno.test("ConfigLoadError carries aws-vault's prefix", () => {
  assertEquals(new ConfigLoadError("Loop").message, "Error loading config: Loop");
});
