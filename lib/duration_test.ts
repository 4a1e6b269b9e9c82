import { assertEquals, assertThrows } from "../tests/assert.ts";
import { formatDuration, parseDuration } from "./duration.ts";

Deno.test("parseDuration accepts Go syntax", () => {
  assertEquals(parseDuration("1h"), 3_600_000);
  assertEquals(parseDuration("90m"), 5_400_000);
  assertEquals(parseDuration("3600s"), 3_600_000);
  assertEquals(parseDuration("1h30m"), 5_400_000);
  assertEquals(parseDuration("1.5h"), 5_400_000);
  assertEquals(parseDuration("250ms"), 250);
  assertEquals(parseDuration("-5m"), -300_000);
  assertEquals(parseDuration("0"), 0);
});

Deno.test("parseDuration rejects bare numbers and junk", () => {
  assertThrows(() => parseDuration("3600"), Error, 'time: missing unit in duration "3600"');
  for (const bad of ["1x", "", "h", "1h 30m", "1.2.3s"]) {
    assertThrows(() => parseDuration(bad), Error, "invalid duration");
  }
});

Deno.test("formatDuration matches Go's Duration.String()", () => {
  assertEquals(formatDuration(3_600_000), "1h0m0s");
  assertEquals(formatDuration(3_599_000), "59m59s");
  assertEquals(formatDuration(28_740_000), "7h59m0s");
  assertEquals(formatDuration(1500), "1.5s");
  assertEquals(formatDuration(0), "0s");
  assertEquals(formatDuration(-190_000), "-3m10s");
  assertEquals(formatDuration(5), "5ms");
});
