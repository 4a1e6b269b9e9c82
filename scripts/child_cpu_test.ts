import { assert, assertEquals } from "../tests/assert.ts";
import { posixTest } from "../tests/platform.ts";
import { runTimed } from "./child_cpu.ts";

posixTest(
  "posix_spawn and wait4",
  "runTimed reports the exit code, wall time and CPU time",
  async () => {
    // About 0.2 s of CPU in the child: a busy loop in sh, which prints nothing we would see.
    const busy = await runTimed("/bin/sh", [
      "-c",
      "i=0; while [ $i -lt 60000 ]; do i=$((i+1)); done; echo out",
    ], {});
    assertEquals(busy.code, 0);
    assert(busy.cpuMs > 20, `CPU ${busy.cpuMs} ms`);
    assert(busy.wallMs >= busy.cpuMs * 0.5, `wall ${busy.wallMs} ms, CPU ${busy.cpuMs} ms`);
    // The environment is exactly what is given, and the exit code comes back.
    const code = await runTimed("/bin/sh", ["-c", "exit $((${#X} + 40))"], { X: "abc" });
    assertEquals(code.code, 43);
    const idle = await runTimed("/bin/sh", ["-c", "sleep 0.2"], {});
    assert(idle.wallMs >= 190 && idle.cpuMs < 100, JSON.stringify(idle));
  },
);
