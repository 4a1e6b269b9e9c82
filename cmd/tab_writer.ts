/**
 * The subset of Go's text/tabwriter that `aws-vault list` uses: every cell is terminated by a tab,
 * so every column (the last included) is padded to its width, which is the widest cell plus
 * `padding`, and at least `minWidth`. Widths count Unicode code points, as Go counts runes.
 */
export interface TableOptions {
  minWidth: number;
  padding: number;
}

/** Renders rows of tab-terminated cells, one line each, every line ending with "\n". */
export function renderTable(rows: string[][], opts: TableOptions): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? opts.minWidth, runeCount(cell) + opts.padding);
    });
  }
  return rows
    .map((row) =>
      row.map((cell, i) => cell + " ".repeat(widths[i] - runeCount(cell))).join("") + "\n"
    )
    .join("");
}

function runeCount(text: string): number {
  return [...text].length;
}
