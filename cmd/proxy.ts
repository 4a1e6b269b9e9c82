/**
 * `aws-vault proxy` (hidden; alias `server`): the root-run helper that `exec --ec2-server` starts
 * with `sudo -b`. It forwards 169.254.169.254:80 to the metadata emulator on 127.0.0.1.
 * `--stop` asks a running proxy to shut down.
 */
import type { CommandContext } from "./command.ts";
import type { ArgSpec, FlagSpec } from "./parser.ts";
import { UsageError, UserError } from "../lib/errors.ts";
import { errorMessage } from "../lib/errors.ts";
import { DEFAULT_TARGET_PORT, requestProxyStop, runProxy } from "../server/ec2_proxy.ts";

export const flags: FlagSpec[] = [
  { name: "stop", kind: "bool", help: "Stop the proxy" },
  {
    name: "target-port",
    kind: "string",
    help: "Port of the metadata server on 127.0.0.1 (set by exec --ec2-server)",
    default: String(DEFAULT_TARGET_PORT),
    hidden: true,
    placeholder: "PORT",
  },
  {
    name: "listen",
    kind: "string",
    help: "Address to listen on (only for tests; the alias is added only for 169.254.169.254)",
    default: "169.254.169.254:80",
    hidden: true,
    placeholder: "HOST:PORT",
  },
];

export const args: ArgSpec[] = [];

export async function run(ctx: CommandContext): Promise<number> {
  const listen = parseListen(ctx.flags.string("listen"));
  if (ctx.flags.bool("stop")) {
    try {
      await requestProxyStop(listen);
    } catch (err) {
      throw new UserError(
        `stopping the proxy on ${listen.hostname}:${listen.port}: ${errorMessage(err)}`,
      );
    }
    return 0;
  }
  const targetPort = parsePort(ctx.flags.string("target-port"), "--target-port");
  try {
    await runProxy({ listen, targetPort });
  } catch (err) {
    throw new UserError(`listening on ${listen.hostname}:${listen.port}: ${errorMessage(err)}`);
  }
  return 0;
}

function parseListen(value: string): { hostname: string; port: number } {
  const i = value.lastIndexOf(":");
  if (i <= 0) throw new UsageError(`invalid value for --listen: '${value}' is not HOST:PORT`);
  return { hostname: value.slice(0, i), port: parsePort(value.slice(i + 1), "--listen") };
}

function parsePort(value: string, flag: string): number {
  const port = /^\d{1,5}$/.test(value) ? Number(value) : NaN;
  if (!(port >= 1 && port <= 65535)) {
    throw new UsageError(`invalid value for ${flag}: '${value}' is not a port number`);
  }
  return port;
}
