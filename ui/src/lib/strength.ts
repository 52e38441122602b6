// Passphrase strength feedback for the create-vault and change-passphrase forms.
// A rough entropy estimate with penalties for the patterns people under stress fall back on
// (repeats, keyboard/number runs, common words, local names). It is advice; the core decides
// (saksi_core::vault::strength: zxcvbn score >= 3 with the same local words, checked with and
// without spaces) and its refusal (kind weak_passphrase) is shown when the two disagree.

export type Score = 0 | 1 | 2 | 3 | 4;
export type Tip = 'common' | 'repeat' | 'longer';

export interface Strength {
  score: Score;
  /** Long enough and score >= MIN_SCORE: the form may be submitted. */
  acceptable: boolean;
  tooShort: boolean;
  tips: Tip[];
  bits: number;
}

// The core's minimum (saksi_core::vault::keyfile::MIN_PASSPHRASE_CHARS); the shell reports it too.
export const MIN_CHARS = 8;
// The core's minimum score (saksi_core::vault::strength::MIN_SCORE).
export const MIN_SCORE = 3;

const COMMON = [
  'password', 'passw0rd', 'p@ssw0rd', 'motdepasse', '123456', '12345678', '123456789',
  'qwerty', 'azerty', 'letmein', 'welcome', 'admin', 'iloveyou', 'saksi', 'secret',
  'abc123', 'cambodia', 'kampuchea', 'phnompenh',
  // As in the core (vault/strength.rs LOCAL_WORDS): Khmer names as romanised, places, the work.
  'sokha', 'dara', 'sophea', 'chanthy', 'vanna', 'sothea', 'bopha', 'sophal', 'vannak', 'visal',
  'rithy', 'pisey', 'sopheap', 'kosal', 'channa', 'piseth', 'rotha', 'vuthy', 'sambath', 'sokun',
  'thida', 'chenda', 'kunthea', 'malis', 'sopheak', 'veasna', 'sovann', 'sreymom', 'samnang',
  'sokhom', 'khmer', 'siemreap', 'battambang', 'kampot', 'kandal', 'takeo', 'kampong', 'mekong',
  'angkor', 'sihanoukville', 'ខ្មែរ', 'កម្ពុជា', 'ភ្នំពេញ', 'licadho', 'humanrights', 'evidence',
];

function poolSize(chars: string[]): number {
  let pool = 0;
  if (chars.some((c) => /[a-z]/.test(c))) pool += 26;
  if (chars.some((c) => /[A-Z]/.test(c))) pool += 26;
  if (chars.some((c) => /[0-9]/.test(c))) pool += 10;
  if (chars.some((c) => /[ -/:-@[-`{-~]/.test(c))) pool += 33;
  // Khmer, accented Latin and any other script: a large alphabet.
  if (chars.some((c) => c.codePointAt(0)! > 0x7e)) pool += 100;
  return Math.max(pool, 1);
}

/** Characters that add little: the same as the previous one, or one step up/down from it. */
function predictableCount(chars: string[]): number {
  let n = 0;
  for (let i = 1; i < chars.length; i++) {
    const a = chars[i - 1].codePointAt(0)!;
    const b = chars[i].codePointAt(0)!;
    if (Math.abs(a - b) <= 1) n++;
  }
  return n;
}

export function assess(passphrase: string, minChars: number = MIN_CHARS): Strength {
  const chars = Array.from(passphrase);
  const tips: Tip[] = [];
  if (chars.length === 0) {
    return { score: 0, acceptable: false, tooShort: true, tips, bits: 0 };
  }
  const predictable = predictableCount(chars);
  const effective = chars.length - predictable * 0.75;
  let bits = effective * Math.log2(poolSize(chars));

  const lower = passphrase.toLowerCase();
  // With and without spaces: "phnom penh" is "phnompenh" to an attacker.
  const joined = lower.replace(/\s+/g, '');
  const common = COMMON.filter((w) => lower.includes(w) || joined.includes(w));
  if (common.length > 0) {
    // The common word is worth a handful of bits, not length × pool.
    const covered = common.reduce((n, w) => n + w.length, 0);
    const rest = Math.max(chars.length - covered, 0);
    bits = Math.min(bits, rest * Math.log2(poolSize(chars)) + 10);
    tips.push('common');
  }
  if (predictable >= 3 && predictable >= chars.length / 4) tips.push('repeat');

  let score: Score;
  if (bits < 28) score = 0;
  else if (bits < 40) score = 1;
  else if (bits < 60) score = 2;
  else if (bits < 80) score = 3;
  else score = 4;

  const tooShort = chars.length < minChars;
  if (tooShort && score > 1) score = 1;
  if (score < 3) tips.push('longer');
  return { score, acceptable: !tooShort && score >= MIN_SCORE, tooShort, tips, bits };
}
