/**
 * The interactive profile picker of the ByteNess fork (cli/global.go pickAwsProfile, "Choose AWS
 * profile:"): shown when a command that takes a profile gets none and stdin and stderr are a
 * terminal. Type to filter (case-insensitive substring), arrows or Ctrl-P/Ctrl-N to move, Enter
 * to choose, Esc or Ctrl-C to give up. It draws on stderr and reads stdin in raw mode, so stdout
 * stays clean for `export`.
 */
import { UserError } from "../lib/errors.ts";

export const PICKER_TITLE = "Choose AWS profile:";
const VISIBLE_ROWS = 10;

export interface PickerState {
  filter: string;
  /** Index into the filtered list. */
  cursor: number;
}

export type PickerKey =
  | { kind: "char"; text: string }
  | { kind: "up" | "down" | "enter" | "backspace" | "cancel" };

/** Splits a chunk read from a raw-mode terminal into keys; unknown sequences are dropped. */
export function decodeKeys(chunk: string): PickerKey[] {
  const keys: PickerKey[] = [];
  for (let i = 0; i < chunk.length; i++) {
    const c = chunk[i];
    if (c === "\x1b") {
      const next = chunk[i + 1];
      if (next !== "[" && next !== "O") {
        keys.push({ kind: "cancel" }); // a lone Esc
        continue;
      }
      // CSI or SS3: parameters, then one final letter (`\x1b[A`, `\x1bOB`, `\x1b[1;5A`).
      let j = i + 2;
      while (j < chunk.length && /[0-9;]/.test(chunk[j])) j++;
      const final = chunk[j];
      if (final === "A") keys.push({ kind: "up" });
      else if (final === "B") keys.push({ kind: "down" });
      i = j;
    } else if (c === "\r" || c === "\n") keys.push({ kind: "enter" });
    else if (c === "\x03" || c === "\x04") keys.push({ kind: "cancel" });
    else if (c === "\x10") keys.push({ kind: "up" });
    else if (c === "\x0e") keys.push({ kind: "down" });
    else if (c === "\x7f" || c === "\x08") keys.push({ kind: "backspace" });
    else if (c >= " ") keys.push({ kind: "char", text: c });
  }
  return keys;
}

export function filtered(names: string[], filter: string): string[] {
  const f = filter.toLowerCase();
  return names.filter((n) => n.toLowerCase().includes(f));
}

/** One key applied to the state: the new state, or the outcome when the key ends the picker. */
export function applyKey(
  names: string[],
  state: PickerState,
  key: PickerKey,
): PickerState | { chosen: string } | { cancelled: true } {
  const shown = filtered(names, state.filter);
  switch (key.kind) {
    case "char":
      return { filter: state.filter + key.text, cursor: 0 };
    case "backspace":
      return { filter: state.filter.slice(0, -1), cursor: 0 };
    case "up":
      return { ...state, cursor: Math.max(0, state.cursor - 1) };
    case "down":
      return { ...state, cursor: Math.min(Math.max(0, shown.length - 1), state.cursor + 1) };
    case "enter":
      return shown.length > 0 ? { chosen: shown[state.cursor] } : state;
    case "cancel":
      return { cancelled: true };
  }
}

/** The lines to draw: the title with the filter, then a window of the list around the cursor. */
export function render(names: string[], state: PickerState): string[] {
  const shown = filtered(names, state.filter);
  const first = Math.max(0, Math.min(state.cursor - VISIBLE_ROWS + 1, shown.length - VISIBLE_ROWS));
  const rows = shown.slice(first, first + VISIBLE_ROWS).map((name, k) =>
    `${first + k === state.cursor ? ">" : " "} ${name}`
  );
  if (shown.length === 0) rows.push("  (no profile matches)");
  return [`? ${PICKER_TITLE} ${state.filter}`, ...rows];
}

/** Runs the picker on the terminal and returns the chosen profile name. */
export async function pickProfile(names: string[]): Promise<string> {
  if (names.length === 0) {
    throw new UserError("unable to select a 'profile'. Try --help: the AWS config has no profiles");
  }
  const out = (text: string) => Deno.stderr.writeSync(new TextEncoder().encode(text));
  let state: PickerState = { filter: "", cursor: 0 };
  let drawn = 0;
  const draw = (lines: string[]) => {
    // Back to the first line drawn last time, clear to the end of the screen, draw again.
    out((drawn > 1 ? `\x1b[${drawn - 1}A` : "") + "\r\x1b[J" + lines.join("\r\n"));
    drawn = lines.length;
  };
  Deno.stdin.setRaw(true);
  try {
    draw(render(names, state));
    const buf = new Uint8Array(64);
    while (true) {
      const n = await Deno.stdin.read(buf);
      if (n === null) return cancelled(draw);
      for (const key of decodeKeys(new TextDecoder().decode(buf.subarray(0, n)))) {
        const next = applyKey(names, state, key);
        if ("cancelled" in next) return cancelled(draw);
        if ("chosen" in next) {
          draw([`? ${PICKER_TITLE} ${next.chosen}`]);
          out("\r\n");
          return next.chosen;
        }
        state = next;
      }
      draw(render(names, state));
    }
  } finally {
    Deno.stdin.setRaw(false);
  }
}

function cancelled(draw: (lines: string[]) => void): never {
  draw([`? ${PICKER_TITLE}`]);
  Deno.stderr.writeSync(new TextEncoder().encode("\r\n"));
  throw new UserError("unable to select a 'profile'. Try --help: the profile picker was cancelled");
}
