// "Did you mean ...?" for a mistyped flag. A flag the user started typing (`--credit` for
// `--credits-json`) is the likeliest meaning, so prefix matches win; otherwise the closest flags
// by edit distance, with commander's thresholds (at most 3 edits, at least 40% alike).

const MAX_DISTANCE = 3;
const MIN_SIMILARITY = 0.4;
const MIN_PREFIX = 3;

/** Optimal string alignment distance (Levenshtein plus swapped neighbours). */
export function editDistance(a, b) {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** The flags (with `--`) a mistyped `--word` most likely meant; empty when none is close. */
export function similarFlags(flag, candidates) {
  const word = flag.replace(/^--/, "").split("=")[0].toLowerCase();
  const names = [...new Set(candidates.map((c) => c.replace(/^--/, "")))].filter((c) => c.length > 1);
  if (word.length >= MIN_PREFIX) {
    const prefixed = names.filter((c) => c.startsWith(word) && c !== word);
    if (prefixed.length > 0) return prefixed.sort((a, b) => a.length - b.length || a.localeCompare(b)).map((c) => `--${c}`);
  }
  let best = MAX_DISTANCE + 1;
  let similar = [];
  for (const c of names) {
    const distance = editDistance(word, c);
    const length = Math.max(word.length, c.length);
    if ((length - distance) / length <= MIN_SIMILARITY) continue;
    if (distance < best) {
      best = distance;
      similar = [c];
    } else if (distance === best) similar.push(c);
  }
  return similar.sort((a, b) => a.localeCompare(b)).map((c) => `--${c}`);
}

export function suggestion(flag, candidates) {
  const similar = similarFlags(flag, candidates);
  if (similar.length === 0) return "";
  return similar.length === 1 ? `\n(Did you mean ${similar[0]}?)` : `\n(Did you mean one of ${similar.join(", ")}?)`;
}

/**
 * Replaces commander's unknown-option report on `cmd` and all its subcommands with one that
 * uses similarFlags (the candidates are the command's visible long flags and its parents').
 */
export function installFlagSuggestions(cmd) {
  cmd.unknownOption = function unknownOption(flag) {
    if (this._allowUnknownOption) return;
    let extra = "";
    if (flag.startsWith("--")) {
      const candidates = [];
      for (let c = this; c; c = c.parent) {
        for (const o of c.createHelp().visibleOptions(c)) if (o.long) candidates.push(o.long);
      }
      extra = suggestion(flag, candidates);
    }
    this.error(`error: unknown option '${flag}'${extra}`, { code: "commander.unknownOption" });
  };
  for (const sub of cmd.commands) installFlagSuggestions(sub);
}
