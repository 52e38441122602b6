// The rows of the pseudonymisation form (issue 11): each a name or place of the testimony and the
// pseudonym that replaces it everywhere. The core matches and replaces; this only prepares rows.
export type PseudonymRow = { name: string; pseudonym: string };
export type Replacement = { name: string; pseudonym: string };

/** "A", "B", … "Z", "AA", "AB", … for the n-th (0-based) suggested pseudonym. */
export function letters(n: number): string {
  let s = '';
  let i = n;
  do {
    s = String.fromCharCode(65 + (i % 26)) + s;
    i = Math.floor(i / 26) - 1;
  } while (i >= 0);
  return s;
}

/** One row per distinct, non-empty name (people of the incident), with a suggested pseudonym. */
export function suggestedRows(names: string[], pseudonym: (letter: string) => string): PseudonymRow[] {
  const seen = new Set<string>();
  const rows: PseudonymRow[] = [];
  for (const raw of names) {
    const name = raw.trim();
    const key = name.normalize('NFC').toLocaleLowerCase();
    if (!name || seen.has(key)) continue;
    seen.add(key);
    rows.push({ name, pseudonym: pseudonym(letters(rows.length)) });
  }
  return rows;
}

/** The rows the core gets: both sides trimmed, rows left wholly empty dropped. */
export function toReplacements(rows: PseudonymRow[]): Replacement[] {
  return rows
    .map((r) => ({ name: r.name.trim(), pseudonym: r.pseudonym.trim() }))
    .filter((r) => r.name || r.pseudonym);
}

/** Translation keys of what must be fixed before a preview or a copy. */
export function rowProblems(rows: PseudonymRow[]): string[] {
  const reps = toReplacements(rows);
  const out: string[] = [];
  if (!reps.length) out.push('pseudonymise.problem_none');
  if (reps.some((r) => !r.name)) out.push('pseudonymise.problem_name');
  if (reps.some((r) => !r.pseudonym)) out.push('pseudonymise.problem_pseudonym');
  const names = reps.map((r) => r.name.normalize('NFC').toLocaleLowerCase()).filter(Boolean);
  if (new Set(names).size !== names.length) out.push('pseudonymise.problem_duplicate');
  return out;
}

/** How often each row's name was found (counts are per replacement sent, empty rows get null). */
export function countsByRow(rows: PseudonymRow[], counts: number[]): (number | null)[] {
  let k = 0;
  return rows.map((r) => {
    if (!r.name.trim() && !r.pseudonym.trim()) return null;
    const n = counts[k] ?? null;
    k += 1;
    return n;
  });
}
