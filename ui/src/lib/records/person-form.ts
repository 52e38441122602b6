// The person editor's state and its conversion into the core's PersonInput (an update replaces
// every field, so contacts, which this editor does not show, are passed through unchanged).
import { dateMatchesPrecision } from '../dates';
import type { DateField } from './incident-form';
import type { Affiliation, NameInput, PersonInput, PersonRecord } from './types';

export interface PersonForm {
  /** `was` and `script` remember a stored name's script while the name is unchanged. */
  names: { name: string; kind: 'original' | 'romanisation' | 'alias'; was?: string; script?: string | null }[];
  sex: string;
  birth: DateField;
  nationalities: string;
  occupation: string;
  affiliations: { organisation: string; role: string; org_type: string; start_date: string; end_date: string }[];
  notes: string;
}

const s = (v: string | null | undefined) => v ?? '';

export function personForm(p: PersonRecord): PersonForm {
  return {
    names: p.names.map((n) => ({ name: n.name, kind: n.kind ?? 'alias', was: n.name, script: n.script ?? null })),
    sex: p.sex ?? 'unknown',
    birth: { date: s(p.birth?.date), precision: p.birth?.date ? (p.birth.precision ?? 'day') : 'day' },
    nationalities: p.nationalities.join(', '),
    occupation: s(p.occupation),
    affiliations: p.affiliations.map((a) => ({
      organisation: a.organisation,
      role: s(a.role),
      org_type: s(a.org_type),
      start_date: s(a.start_date),
      end_date: s(a.end_date),
    })),
    notes: p.notes,
  };
}

/** Translation keys of what is wrong. */
export function personProblems(f: PersonForm): string[] {
  const out: string[] = [];
  if (!f.names.some((n) => n.name.trim())) out.push('person.name_required');
  if (!dateMatchesPrecision(f.birth.date.trim(), f.birth.precision)) out.push('incident.date_invalid');
  if (f.affiliations.some((a) => !a.organisation.trim() && (a.role.trim() || a.org_type.trim()))) {
    out.push('person_page.organisation_required');
  }
  return out;
}

const opt = (v: string) => (v.trim() ? v.trim() : null);

export function toPersonInput(f: PersonForm, keep: Pick<PersonRecord, 'contacts'>): PersonInput {
  // An edited or new name is sent without a script, so the core guesses it from the letters.
  const names: NameInput[] = f.names
    .filter((n) => n.name.trim())
    .map((n) => ({ name: n.name.trim(), kind: n.kind, script: n.was === n.name.trim() ? (n.script ?? null) : null }));
  const affiliations: Affiliation[] = f.affiliations
    .filter((a) => a.organisation.trim())
    .map((a) => ({
      organisation: a.organisation.trim(),
      role: opt(a.role),
      org_type: opt(a.org_type),
      start_date: opt(a.start_date),
      end_date: opt(a.end_date),
    }));
  const birth = f.birth.date.trim();
  return {
    names,
    sex: f.sex || null,
    birth: birth ? { date: birth, precision: f.birth.precision } : { date: null, precision: 'unknown' },
    nationalities: f.nationalities.split(/[,،、]/).map((n) => n.trim()).filter(Boolean),
    affiliations,
    occupation: opt(f.occupation),
    notes: f.notes.trim() || null,
    contacts: keep.contacts ?? [],
  };
}
