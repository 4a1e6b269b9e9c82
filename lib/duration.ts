/**
 * Go `time.Duration` syntax, as kingpin and aws-vault use it: `1h`, `90m`, `3600s`, `1h30m`,
 * `1.5h`, `-5m`; units ns, us, µs, ms, s, m, h. A bare number other than "0" is an error.
 * Values are milliseconds (sub-millisecond parts are kept as fractions).
 */
const UNITS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  "µs": 1e-3,
  "μs": 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

export function parseDuration(text: string): number {
  const s = text.trim();
  if (s === "0" || s === "+0" || s === "-0") return 0;
  if (/^[+-]?(\d+\.?\d*|\.\d+)$/.test(s)) {
    throw new Error(`time: missing unit in duration "${text}"`);
  }
  const m = /^([+-]?)((?:(?:\d+\.?\d*|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+)$/.exec(s);
  if (!m) throw new Error(`time: invalid duration "${text}"`);
  let total = 0;
  for (const part of m[2].matchAll(/(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g)) {
    total += Number(part[1]) * UNITS[part[2]];
  }
  return m[1] === "-" ? -total : total;
}

/** Go's `Duration.String()`: `1h0m0s`, `59m59s`, `1.5s`, `0s`, `-3m10s`. */
export function formatDuration(ms: number): string {
  if (ms === 0) return "0s";
  const neg = ms < 0;
  let rest = Math.abs(ms);
  let out: string;
  if (rest < 1000) {
    out = rest >= 1
      ? `${trim(rest)}ms`
      : rest >= 1e-3
      ? `${trim(rest * 1e3)}µs`
      : `${trim(rest * 1e6)}ns`;
  } else {
    const h = Math.floor(rest / 3_600_000);
    rest -= h * 3_600_000;
    const m = Math.floor(rest / 60_000);
    rest -= m * 60_000;
    const s = `${trim(rest / 1000)}s`;
    out = h > 0 ? `${h}h${m}m${s}` : m > 0 ? `${m}m${s}` : s;
  }
  return neg ? "-" + out : out;
}

function trim(n: number): string {
  return String(Number(n.toFixed(9)));
}
