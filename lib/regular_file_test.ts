import { assertEquals, assertThrows } from "../tests/assert.ts";
import { formatBytes, readRegularFileSync, UnreadableFileError } from "./regular_file.ts";

Deno.test("readRegularFileSync: reads a regular file up to the limit, refuses one past it", () => {
  const dir = Deno.makeTempDirSync({ prefix: "aws-vault-regular-file-" });
  try {
    const path = `${dir}/f`;
    Deno.writeFileSync(path, new Uint8Array(100).fill(7));
    assertEquals(readRegularFileSync(path, { maxBytes: 100 }).length, 100);
    assertThrows(
      () => readRegularFileSync(path, { maxBytes: 99 }),
      UnreadableFileError,
      `${path} is larger than 99 bytes, the most this tool reads`,
    );
    Deno.writeFileSync(`${dir}/empty`, new Uint8Array());
    assertEquals(readRegularFileSync(`${dir}/empty`, { maxBytes: 1 }).length, 0);
    assertThrows(
      () => readRegularFileSync(dir, { maxBytes: 1 }),
      UnreadableFileError,
      `${dir} is a directory, not a regular file`,
    );
    assertThrows(
      () => readRegularFileSync(`${dir}/missing`, { maxBytes: 1 }),
      Deno.errors.NotFound,
    );
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("formatBytes: binary units when exact", () => {
  assertEquals(
    [formatBytes(32 * 1024 * 1024), formatBytes(64 * 1024), formatBytes(1000)],
    ["32 MiB", "64 KiB", "1000 bytes"],
  );
});
