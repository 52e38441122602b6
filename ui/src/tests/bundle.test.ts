import { describe, expect, it } from 'vitest';
import en from '../i18n/en.json';
import { BUNDLE_KINDS, exchangeErrorKey } from '../lib/bundle/errors';
import { countEntries, total, TYPE_ORDER, withheldKey } from '../lib/bundle/summary';
import { fieldsToTake, initialChoice, shown } from '../lib/bundle/merge';

describe('bundle errors', () => {
  it('every bundle error kind of the core has its own translated message', () => {
    for (const kind of BUNDLE_KINDS) {
      expect(exchangeErrorKey({ kind, message: '' }), kind).toBe(`import.reject.${kind}`);
    }
  });

  it('falls back to the shared messages for other kinds', () => {
    expect(exchangeErrorKey({ kind: 'locked', message: '' })).toBe('errors.locked');
    expect(exchangeErrorKey({ kind: 'cancelled', message: '' })).toBe('evidence.cancelled');
    expect(exchangeErrorKey({ kind: 'no_such_kind', message: '' })).toBe('errors.unknown');
  });
});

describe('export summary', () => {
  it('lists non-zero counts in reading order', () => {
    expect(countEntries({ attachment: 2, incident: 1, person: 0, zzz: 1 })).toEqual([
      ['incident', 1],
      ['attachment', 2],
      ['zzz', 1],
    ]);
    expect(countEntries(null)).toEqual([]);
    expect(total({ a: 2, b: 3 })).toBe(5);
  });

  it('every record type and withholding reason is translated', () => {
    for (const ty of TYPE_ORDER) expect(`export.type_${ty}` in en, ty).toBe(true);
    for (const code of ['no_consent', 'consent_withdrawn', 'witness_only', 'attachment_of_withheld', 'contacts', 'other'] as const) {
      expect(withheldKey({ reason_code: code }) in en, code).toBe(true);
    }
    for (const s of ['all', 'selected', 'since_last']) expect(`export.scope_${s}` in en).toBe(true);
    for (const s of ['export', 'import', 'conflicts', 'keys']) expect(`export.tab_${s}` in en).toBe(true);
    for (const g of ['added', 'updated', 'unchanged', 'stale', 'conflicts']) expect(`import.${g}` in en).toBe(true);
    expect('shell.exchange' in en).toBe(true);
  });
});

describe('field-by-field conflict merge', () => {
  const fields = [
    { field: 'title', columns: ['title'], local: 'HQ title', incoming: 'monitor title', differs: true },
    { field: 'description', columns: ['description'], local: 'a', incoming: 'b', differs: true },
    { field: 'place_name', columns: ['place_name'], local: 'Phnom Penh', incoming: 'Phnom Penh', differs: false },
    {
      field: 'start_date', columns: ['start_date', 'start_precision'],
      local: { start_date: null, start_precision: 'unknown' },
      incoming: { start_date: '2015-10-26', start_precision: 'day' }, differs: true,
    },
    { field: 'children.incident_kind', columns: ['incident_kind'], local: [{ kind: 'assault' }], incoming: [{ kind: 'assault' }, { kind: 'threat' }], differs: true },
  ];

  it('starts every differing field on this vault side, and takes only what the user moved', () => {
    const choice = initialChoice(fields);
    expect(choice).toEqual({ title: 'local', description: 'local', start_date: 'local', 'children.incident_kind': 'local' });
    expect(fieldsToTake(fields, choice)).toEqual([]);
    choice.description = 'incoming';
    choice['children.incident_kind'] = 'incoming';
    choice.place_name = 'incoming';
    expect(fieldsToTake(fields, choice), 'equal fields are never sent').toEqual(['description', 'children.incident_kind']);
  });

  it('shows values as plain text', () => {
    expect(shown(fields[3].incoming)).toBe('2015-10-26 · day');
    expect(shown(fields[3].local)).toBe('—');
    expect(shown(fields[4].incoming)).toBe('assault, threat');
    expect(shown('')).toBe('—');
  });
});
