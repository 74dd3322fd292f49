/**
 * Override identifiers may contain `*`: any run of characters (possibly empty); every other
 * character is literal and the whole identifier must match. Matching is iterative (greedy with
 * backtracking to the last star), so hostile patterns such as `*a*a*a*…b` cost O(n·m) at worst,
 * never exponential time.
 */
export function wildcardMatch(pattern: string, input: string): boolean {
  let p = 0;
  let s = 0;
  let star = -1;
  let mark = 0;
  while (s < input.length) {
    if (p < pattern.length && pattern[p] !== "*" && pattern[p] === input[s]) {
      p++;
      s++;
    } else if (p < pattern.length && pattern[p] === "*") {
      star = p++;
      mark = s;
    } else if (star !== -1) {
      p = star + 1;
      s = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === "*") p++;
  return p === pattern.length;
}

/**
 * Order in which wildcard overrides are tried (first match wins): the pattern with more literal
 * characters first (`user_*_prod` before `user_*` before `*`), then the older one, then by id.
 */
export function compareWildcards(a: { identifier: string; createdAt: number; id: string }, b: { identifier: string; createdAt: number; id: string }): number {
  const literal = (s: string) => s.length - (s.match(/\*/g)?.length ?? 0);
  return literal(b.identifier) - literal(a.identifier) || a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}
