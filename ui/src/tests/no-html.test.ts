import { describe, expect, it } from 'vitest';

// User text must always be rendered as text (threat model: stored XSS). Svelte escapes text by
// default; these are the ways around it, and none may appear in the front end.
const sources = import.meta.glob(['../**/*.svelte', '../**/*.ts', '!../tests/**'], {
  query: '?raw',
  import: 'default',
  eager: true,
}) as Record<string, string>;

/** Comments may name the rules; only code counts. */
function code(text: string): string {
  return text
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

const FORBIDDEN: [string, RegExp][] = [
  ['{@html}', /\{@html\b/],
  ['innerHTML', /\binnerHTML\b/],
  ['outerHTML', /\bouterHTML\b/],
  ['insertAdjacentHTML', /\binsertAdjacentHTML\b/],
  ['document.write', /\bdocument\.write/],
  ['eval', /\beval\s*\(/],
  ['new Function', /\bnew\s+Function\s*\(/],
  ['localStorage', /\blocalStorage\b/],
  ['sessionStorage', /\bsessionStorage\b/],
  ['indexedDB', /\bindexedDB\b/],
  ['fetch (no network, ever)', /\bfetch\s*\(/],
];

describe('front-end source rules', () => {
  it('finds the sources', () => {
    expect(Object.keys(sources).length).toBeGreaterThan(10);
  });
  for (const [name, re] of FORBIDDEN) {
    it(`never uses ${name}`, () => {
      const offenders = Object.entries(sources)
        .filter(([, text]) => re.test(code(text)))
        .map(([file]) => file);
      expect(offenders, `${name} found in`).toEqual([]);
    });
  }
});
