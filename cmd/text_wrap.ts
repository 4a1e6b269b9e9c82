/**
 * Wraps a one-paragraph help text as kingpin v2 does: kingpin passes every description through Go's
 * `go/doc.ToText`, whose line breaker (go/doc/comment's `wrap`) does not fill lines greedily. It
 * minimises, over the whole paragraph, first the squared overflow of lines that cannot fit, then
 * the sum of the squared free space left on every line but the last, plus a penalty of 64 for each
 * line that does not end in `.`, `,`, `:` or `;`. So `Name of macOS keychain to use, if it ...`
 * may break after the comma although the next word fits. Widths count code points, as Go does.
 */

interface Score {
  /** Squared overflow of lines longer than the width (minimised first). */
  over: number;
  /** Squared free space plus punctuation penalties. */
  free: number;
}

const NO_PUNCTUATION_PENALTY = 64;

/** Returns the lines (without newlines) of `text` wrapped to at most `width` code points. */
export function wrapText(text: string, width: number): string[] {
  const words = text.split(/\s+/).filter((w) => w !== "");
  if (words.length === 0) return [];
  if (width < 0) return [words.join(" ")];
  const starts = lineStarts(words, width);
  const lines: string[] = [];
  for (let k = 0; k + 1 < starts.length; k++) {
    lines.push(words.slice(starts[k], starts[k + 1]).join(" "));
  }
  return lines;
}

/** Indexes of the first word of every line, then words.length. */
function lineStarts(words: string[], width: number): number[] {
  const n = words.length;
  // total[j]: code points of words[0..j) with one separating space after each.
  const total = [0];
  for (const w of words) total.push(total[total.length - 1] + [...w].length + 1);

  const weight = (i: number, j: number): Score => {
    const len = total[j] - 1 - total[i];
    if (j === n && len <= width) return { over: 0, free: 0 };
    const penalty = /[.,:;]$/.test(words[j - 1]) ? 0 : NO_PUNCTUATION_PENALTY;
    const square = (width - len) * (width - len);
    return len > width ? { over: square, free: penalty } : { over: 0, free: square + penalty };
  };

  // The least-weight line sequence, found as Go finds it (Hirschberg and Larmore, "The least
  // weight subsequence problem", FOCS 1985, basic algorithm), so that lines with equal scores
  // break where Go breaks them. best[m]: least score of words[0..m); from[m]: its last line start.
  const best: Score[] = [{ over: 0, free: 0 }];
  const score = (i: number, j: number): Score => add(best[i], weight(i, j));
  const from: number[] = [-1];
  const candidates = [0];
  // True when b can never again be the best start (a start after it is as good from the point
  // where b overtakes a).
  const bridge = (a: number, b: number, c: number): boolean => {
    let lo = 0;
    let hi = n + 1 - c;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compare(score(a, c + mid), score(b, c + mid)) > 0) hi = mid;
      else lo = mid + 1;
    }
    const k = c + lo;
    return k > n || compare(score(c, k), score(b, k)) <= 0;
  };
  for (let m = 1; m < n; m++) {
    best.push(score(candidates[0], m));
    from.push(candidates[0]);
    while (
      candidates.length > 1 &&
      compare(score(candidates[1], m + 1), score(candidates[0], m + 1)) <= 0
    ) candidates.shift();
    while (
      candidates.length > 1 &&
      bridge(candidates[candidates.length - 2], candidates[candidates.length - 1], m)
    ) candidates.pop();
    if (compare(score(m, n), score(candidates[candidates.length - 1], n)) < 0) {
      candidates.push(m);
      if (
        candidates.length === 2 &&
        compare(score(candidates[1], m + 1), score(candidates[0], m + 1)) <= 0
      ) candidates.shift();
    }
  }
  from.push(candidates[0]);
  const starts = [n];
  for (let m = n; m > 0; m = from[m]) starts.unshift(from[m]);
  return starts;
}

function add(a: Score, b: Score): Score {
  return { over: a.over + b.over, free: a.free + b.free };
}

function compare(a: Score, b: Score): number {
  if (a.over !== b.over) return a.over < b.over ? -1 : 1;
  if (a.free !== b.free) return a.free < b.free ? -1 : 1;
  return 0;
}
