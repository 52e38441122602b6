import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render } from '@testing-library/svelte';
import { setLang } from '../lib/i18n.svelte';
import { matchTerms, resolveTyped } from '../lib/records/vocab';
import TermCombobox from '../components/TermCombobox.svelte';

// A slice of the vault's perpetrator_type vocabulary (migration 0021), same labels.
const TYPES = [
  { code: 'police', label_en: 'Police', label_km: 'ប៉ូលិស', label_fr: 'Police' },
  { code: 'military_police', label_en: 'Military police', label_km: 'ប៉ូលិសយោធា', label_fr: 'Police militaire' },
  { code: 'gendarmerie', label_en: 'Royal Gendarmerie', label_km: 'កងរាជអាវុធហត្ថ', label_fr: 'Gendarmerie royale' },
  {
    code: 'bodyguard_unit',
    label_en: "Bodyguard unit (e.g. the Prime Minister's Bodyguard Headquarters)",
    label_km: 'កងអង្គរក្ស (ឧ. បញ្ជាការដ្ឋានអង្គរក្សនាយករដ្ឋមន្ត្រី)',
    label_fr: 'Unité de gardes du corps (p. ex. le quartier général des gardes du corps du Premier ministre)',
  },
  { code: 'private_security', label_en: 'Private security or company guards', label_km: 'សន្តិសុខឯកជន ឬអ្នកយាមក្រុមហ៊ុន', label_fr: 'Sécurité privée ou gardes d’entreprise' },
];
const codes = (ts: { code: string }[]) => ts.map((t) => t.code);

describe('perpetrator type matching', () => {
  it('matches the code or a label in any language, starts before contains', () => {
    expect(codes(matchTerms(TYPES, 'police', 'en'))).toEqual(['police', 'military_police']);
    expect(codes(matchTerms(TYPES, 'ប៉ូលិស', 'km'))).toEqual(['police', 'military_police']);
    expect(codes(matchTerms(TYPES, 'GENDARM', 'km'))).toEqual(['gendarmerie']);
    expect(codes(matchTerms(TYPES, 'អង្គរក្ស', 'en'))).toEqual(['bodyguard_unit']);
    expect(codes(matchTerms(TYPES, 'guard', 'en'))).toEqual(['bodyguard_unit', 'private_security']);
    expect(matchTerms(TYPES, '', 'en')).toHaveLength(TYPES.length);
    expect(matchTerms(TYPES, 'soldiers', 'en')).toEqual([]);
  });

  it('leaving the field chooses the one term the text stands for, never a guess', () => {
    expect(resolveTyped(TYPES, 'ប៉ូលិស', 'km'), 'an exact label wins over a longer one containing it').toBe('police');
    expect(resolveTyped(TYPES, ' police ', 'en')).toBe('police');
    expect(resolveTyped(TYPES, 'Police militaire', 'en'), 'a label of another language').toBe('military_police');
    expect(resolveTyped(TYPES, 'អង្គរក្ស', 'km'), 'the only term containing it').toBe('bodyguard_unit');
    expect(resolveTyped(TYPES, 'gendarmerie', 'fr')).toBe('gendarmerie');
    expect(resolveTyped(TYPES, 'guard', 'en'), 'two terms match: no choice').toBeNull();
    expect(resolveTyped(TYPES, 'pol', 'en'), 'a prefix of two terms: no choice').toBeNull();
    expect(resolveTyped(TYPES, 'soldiers', 'en')).toBeNull();
    expect(resolveTyped(TYPES, '', 'en')).toBeNull();
  });
});

describe('TermCombobox', () => {
  afterEach(() => {
    cleanup();
    setLang('en');
  });

  it('shows a code by its label in the UI language and legacy text as it is', () => {
    setLang('km');
    const { container } = render(TermCombobox, { id: 'f', terms: TYPES, value: 'gendarmerie' });
    expect((container.querySelector('#f') as HTMLInputElement).value).toBe('កងរាជអាវុធហត្ថ');
    cleanup();
    const legacy = render(TermCombobox, { id: 'g', terms: TYPES, value: 'State security' });
    expect((legacy.container.querySelector('#g') as HTMLInputElement).value).toBe('State security');
    expect(legacy.container.querySelector('#g-legacy'), 'legacy text is marked as not in the list').not.toBeNull();
  });

  it('arrows and Enter choose; typed text that stands for one term is chosen on leaving', async () => {
    const { container } = render(TermCombobox, { id: 'f', terms: TYPES, value: '' });
    const input = container.querySelector('#f') as HTMLInputElement;
    await fireEvent.focus(input);
    await fireEvent.input(input, { target: { value: 'police' } });
    expect(container.querySelectorAll('[role=option]')).toHaveLength(2);
    await fireEvent.keyDown(input, { key: 'ArrowDown' });
    await fireEvent.keyDown(input, { key: 'Enter' });
    expect(input.value).toBe('Military police');
    expect(input.dataset.code).toBe('military_police');

    await fireEvent.input(input, { target: { value: 'ប៉ូលិស' } });
    await fireEvent.blur(input);
    expect(input.dataset.code, 'the exact Khmer label is chosen on Tab').toBe('police');
    expect(input.value).toBe('Police');

    await fireEvent.focus(input);
    await fireEvent.input(input, { target: { value: 'guard' } });
    await fireEvent.blur(input);
    expect(input.dataset.code, 'ambiguous text is not turned into a code').toBe('guard');
    expect(container.querySelector('#f-legacy')).not.toBeNull();
  });
});
