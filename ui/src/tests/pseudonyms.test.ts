import { describe, expect, it } from 'vitest';
import { countsByRow, letters, rowProblems, suggestedRows, toReplacements } from '../lib/evidence/pseudonyms';

describe('pseudonymisation rows', () => {
  it('suggests one pseudonym per distinct person, in order', () => {
    const rows = suggestedRows(['Sok Dara', ' sok dara ', '', 'ចាន់ សុខា', 'Kem'], (l) => `Person ${l}`);
    expect(rows).toEqual([
      { name: 'Sok Dara', pseudonym: 'Person A' },
      { name: 'ចាន់ សុខា', pseudonym: 'Person B' },
      { name: 'Kem', pseudonym: 'Person C' },
    ]);
  });

  it('counts letters past Z', () => {
    expect([0, 1, 25, 26, 27, 51, 52].map(letters)).toEqual(['A', 'B', 'Z', 'AA', 'AB', 'AZ', 'BA']);
  });

  it('sends trimmed rows and drops the wholly empty ones', () => {
    expect(toReplacements([{ name: ' Dara ', pseudonym: ' A ' }, { name: ' ', pseudonym: '' }])).toEqual([{ name: 'Dara', pseudonym: 'A' }]);
  });

  it('names every problem before anything is sent', () => {
    expect(rowProblems([{ name: '', pseudonym: '' }])).toEqual(['pseudonymise.problem_none']);
    expect(rowProblems([{ name: 'Dara', pseudonym: '' }])).toEqual(['pseudonymise.problem_pseudonym']);
    expect(rowProblems([{ name: '', pseudonym: 'A' }])).toEqual(['pseudonymise.problem_name']);
    expect(rowProblems([{ name: 'Dara', pseudonym: 'A' }, { name: 'DARA', pseudonym: 'B' }])).toEqual(['pseudonymise.problem_duplicate']);
    expect(rowProblems([{ name: 'Dara', pseudonym: 'A' }, { name: '', pseudonym: '' }])).toEqual([]);
  });

  it('puts each count beside its row, skipping empty rows', () => {
    const rows = [{ name: 'Dara', pseudonym: 'A' }, { name: '', pseudonym: '' }, { name: 'Sokha', pseudonym: 'B' }];
    expect(countsByRow(rows, [3, 0])).toEqual([3, null, 0]);
  });
});
