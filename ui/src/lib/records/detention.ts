// Which proceeding put a detained person in custody, for the person page's status banner. The
// core decides whether someone is detained (Person.detained); this only finds the step to show,
// with the same rule: the latest step that changes custody (an arrest, a detention, a sentence
// not passed in absentia) starts it, a release, an acquittal or a flight ends it.
import type { Proceeding } from './types';

const STARTS = new Set(['arrest', 'detained', 'sentenced']);
const ENDS = new Set(['released', 'acquitted', 'fled']);

export function currentDetention(chronological: Proceeding[]): Proceeding | null {
  let last: Proceeding | null = null;
  for (const p of chronological) {
    if (STARTS.has(p.kind)) {
      if (p.kind === 'sentenced' && (p.in_absentia || p.sentence_months === 0)) continue;
      last = p;
    } else if (ENDS.has(p.kind)) {
      last = null;
    }
  }
  return last;
}
