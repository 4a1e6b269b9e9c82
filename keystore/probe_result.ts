/** What a backend probe for `aws-vault doctor` finds (keystore/probe.ts and its helpers). */

export interface ProbeResult {
  status: "ok" | "warn" | "fail";
  message: string;
  fix: string;
  /** Item keys, when the probe listed them itself. */
  keys?: string[];
  /** Whether the opened keystore's keys() lists items without a prompt or a change. */
  listable: boolean;
  /** Whether items can be read without any prompt (the doctor then tries each one). */
  readable: boolean;
}

/** A result with nothing listable or readable unless `extra` says so. */
export function result(
  status: ProbeResult["status"],
  message: string,
  fix = "",
  extra: Partial<ProbeResult> = {},
): ProbeResult {
  return { status, message, fix, listable: false, readable: false, ...extra };
}
