// The incident editor's state as plain data (so it can be autosaved as a draft inside the vault),
// its checks, and its conversion into the core's IncidentInput. No Svelte here: tested directly.
import { dateMatchesPrecision } from '../dates';
import type { TestimonyForm } from './testimony-form';
import type { FuzzyDate, Precision } from '../types';
import type {
  IncidentEdit,
  IncidentFullInput,
  IncidentRecord,
  InvolvementInput,
  PersonInput,
  ProceedingGroup,
  ProceedingInput,
} from './types';

export interface DateField {
  date: string;
  precision: Precision;
}

/** Who an act is about: a stored person, a person created with the incident, or a group. */
export interface PersonChoice {
  mode: 'existing' | 'new' | 'group';
  /** The stored person's id (mode existing). */
  id: string;
  /** What the row shows for a stored person. */
  label: string;
  /** Names of a new person. */
  original: string;
  latin: string;
  /** Similar people were shown and the monitor said this is someone else. */
  confirmedNew: boolean;
}

export interface ActRow {
  key: string;
  /** Set for an act already stored (edit mode): sent with its id, so it is changed in place. */
  storedId?: string;
  /** A stored act marked for removal on save (left out of the edit). */
  removed?: boolean;
  person: PersonChoice;
  role: string;
  act_type: string;
  method: string;
  injuries: string;
  perpetrator_type: string;
  perpetrator_unit: string;
  degree: string;
  count_min: string;
  count_max: string;
  group_description: string;
  notes: string;
}

export interface ProceedingRow {
  key: string;
  /** Set for a proceeding already stored (edit mode): changed in place on save. */
  storedId?: string;
  /** The stored person of a stored proceeding (used when no act row is chosen). */
  personId?: string | null;
  /** A stored proceeding against a group of unnamed people: kept as it is through an edit. */
  group?: ProceedingGroup | null;
  /** The act row whose person this proceeding concerns. */
  actKey: string;
  kind: string;
  date: DateField;
  authority: string;
  case_number: string;
  charges: string;
  law_cited: string;
  sentence_months: string;
  in_absentia: boolean;
  detention_place: string;
  notes: string;
}

export interface LinkRow {
  key: string;
  incident_id: string;
  relation: string;
}

/** A testimony taken before the new incident's first save (saved with it by `capture_save`). */
export interface TestimonyRow {
  key: string;
  form: TestimonyForm;
}

export interface IncidentForm {
  title: string;
  description: string;
  kinds: string[];
  start: DateField;
  end: DateField;
  place_name: string;
  admin_area: string;
  latitude: string;
  longitude: string;
  verification: 'alleged' | 'verified';
  sensitivity: 'normal' | 'high' | 'restricted';
  acts: ActRow[];
  proceedings: ProceedingRow[];
  related: LinkRow[];
  /** Testimonies of a new incident, part of its draft (absent in drafts made before them). */
  testimonies?: TestimonyRow[];
  /** Next number for row keys and local person references. */
  seq: number;
  /** The stored version the edit started from (null for a new incident). */
  version?: number | null;
}

export function emptyForm(): IncidentForm {
  return {
    title: '',
    description: '',
    kinds: [],
    start: { date: '', precision: 'day' },
    end: { date: '', precision: 'day' },
    place_name: '',
    admin_area: '',
    latitude: '',
    longitude: '',
    verification: 'alleged',
    sensitivity: 'normal',
    acts: [],
    proceedings: [],
    related: [],
    testimonies: [],
    seq: 1,
    version: null,
  };
}

function nextKey(form: IncidentForm, prefix: string): string {
  const k = `${prefix}${form.seq}`;
  form.seq += 1;
  return k;
}

export function newAct(form: IncidentForm, role = 'victim'): ActRow {
  return {
    key: nextKey(form, 'a'),
    person: { mode: 'new', id: '', label: '', original: '', latin: '', confirmedNew: false },
    role,
    act_type: '',
    method: '',
    injuries: '',
    perpetrator_type: '',
    perpetrator_unit: '',
    degree: '',
    count_min: '',
    count_max: '',
    group_description: '',
    notes: '',
  };
}

export function newProceeding(form: IncidentForm, actKey = ''): ProceedingRow {
  return {
    key: nextKey(form, 'r'),
    actKey,
    kind: 'arrest',
    date: { date: '', precision: 'day' },
    authority: '',
    case_number: '',
    charges: '',
    law_cited: '',
    sentence_months: '',
    in_absentia: false,
    detention_place: '',
    notes: '',
  };
}

export function newLink(form: IncidentForm): LinkRow {
  return { key: nextKey(form, 'l'), incident_id: '', relation: 'related' };
}

const s = (v: string | null | undefined) => v ?? '';

function dateField(d: FuzzyDate | undefined): DateField {
  const date = s(d?.date);
  const p = d?.precision ?? 'unknown';
  return { date, precision: date ? p : 'day' };
}

/** The editable state of a stored incident; its acts and proceedings are editable stored rows. */
export function formFromIncident(i: IncidentRecord): IncidentForm {
  const form = emptyForm();
  Object.assign(form, {
    title: i.title,
    description: i.description,
    kinds: [...i.kinds],
    start: dateField(i.start),
    end: dateField(i.end),
    place_name: s(i.place?.name),
    admin_area: s(i.place?.admin_area),
    latitude: i.place?.latitude == null ? '' : String(i.place.latitude),
    longitude: i.place?.longitude == null ? '' : String(i.place.longitude),
    verification: i.verification,
    sensitivity: i.sensitivity,
    related: i.related.map((l, n) => ({ key: `s${n}`, incident_id: l.incident_id, relation: l.relation })),
  });
  form.acts = i.involvements.map((v) => ({
    key: `v${v.id}`,
    storedId: v.id,
    removed: false,
    person: v.person_id
      ? { mode: 'existing', id: v.person_id, label: s(v.person_name), original: '', latin: '', confirmedNew: false }
      : { mode: 'group', id: '', label: '', original: '', latin: '', confirmedNew: false },
    role: v.role,
    act_type: s(v.act_type),
    method: s(v.method),
    injuries: s(v.injuries),
    perpetrator_type: s(v.perpetrator_type),
    perpetrator_unit: s(v.perpetrator_unit),
    degree: s(v.degree),
    count_min: v.counting?.min == null ? '' : String(v.counting.min),
    count_max: v.counting?.max == null ? '' : String(v.counting.max),
    group_description: s(v.counting?.description),
    notes: s(v.notes),
  }));
  form.proceedings = (i.proceedings ?? []).map((p) => ({
    key: `q${p.id}`,
    storedId: p.id,
    personId: p.person_id,
    group: p.group ?? null,
    actKey: form.acts.find((a) => a.person.mode === 'existing' && a.person.id === p.person_id)?.key ?? '',
    kind: p.kind,
    date: dateField(p.date),
    authority: s(p.authority),
    case_number: s(p.case_number),
    charges: s(p.charges),
    law_cited: s(p.law_cited),
    sentence_months: p.sentence_months == null ? '' : String(p.sentence_months),
    in_absentia: !!p.in_absentia,
    detention_place: s(p.detention_place),
    notes: s(p.notes),
  }));
  form.version = i.version ?? null;
  return form;
}

/**
 * A restored draft of an existing incident: the draft's edits of stored acts and proceedings that
 * still exist, stored acts the draft does not know (fresh), and the draft's new rows. The version
 * is the one the draft started from, so saving a draft made before someone else's save is refused
 * as stale instead of overwriting it.
 */
export function mergeDraft(fresh: IncidentForm, draft: IncidentForm): IncidentForm {
  const stored = new Map(fresh.acts.map((a) => [a.key, a]));
  const draftActs = new Map(draft.acts.map((a) => [a.key, a]));
  const storedProcs = new Set(fresh.proceedings.map((p) => p.storedId));
  const acts = [
    ...fresh.acts.map((a) => {
      const d = draftActs.get(a.key);
      return d ? { ...a, ...d, storedId: a.storedId, removed: d.removed ?? false } : { ...a, removed: false };
    }),
    ...draft.acts.filter((a) => !a.storedId && !stored.has(a.key)),
  ];
  return {
    ...fresh,
    ...draft,
    acts,
    proceedings: draft.proceedings.filter(
      (p) => (p.storedId ? storedProcs.has(p.storedId) : acts.some((a) => a.key === p.actKey)),
    ),
    seq: Math.max(fresh.seq, draft.seq ?? 1),
    version: draft.version ?? fresh.version ?? null,
  };
}

/** What a problem is about and its translation key (the screen translates it). */
export interface Problem {
  field: string;
  key: string;
  params?: Record<string, string | number>;
}

const INT = /^\d+$/;

function checkDate(field: string, d: DateField, out: Problem[]) {
  if (!dateMatchesPrecision(d.date.trim(), d.precision)) out.push({ field, key: 'incident.date_invalid' });
}

function num(v: string): number | null {
  const t = v.trim();
  if (t === '') return null;
  const n = Number(t);
  return Number.isFinite(n) ? n : NaN;
}

export function personName(p: PersonChoice): string {
  if (p.mode === 'existing') return p.label;
  if (p.mode === 'new') return p.original.trim() || p.latin.trim();
  return '';
}

/**
 * Everything the core would refuse, found before saving. `duplicates` maps an act row key to the
 * number of similar stored people shown for its new person.
 */
export function validate(form: IncidentForm, duplicates: Record<string, number> = {}): Problem[] {
  const out: Problem[] = [];
  if (!form.title.trim()) out.push({ field: 'title', key: 'incident.title_required' });
  checkDate('start', form.start, out);
  checkDate('end', form.end, out);
  const lat = num(form.latitude);
  const lon = num(form.longitude);
  if ((lat === null) !== (lon === null)) out.push({ field: 'coordinates', key: 'editor.coordinates_both' });
  else if (lat !== null && lon !== null) {
    if (Number.isNaN(lat) || lat < -90 || lat > 90 || Number.isNaN(lon) || lon < -180 || lon > 180) {
      out.push({ field: 'coordinates', key: 'editor.coordinates_range' });
    }
  }
  form.acts.forEach((a, n) => {
    if (a.removed) return;
    const row = n + 1;
    if (!a.role) out.push({ field: `act-${a.key}-role`, key: 'editor.act_role_required', params: { row } });
    if (a.person.mode === 'existing' && !a.person.id) {
      out.push({ field: `act-${a.key}-person`, key: 'editor.act_person_required', params: { row } });
    }
    if (a.person.mode === 'new') {
      if (!a.person.original.trim() && !a.person.latin.trim()) {
        out.push({ field: `act-${a.key}-person`, key: 'editor.act_name_required', params: { row } });
      } else if ((duplicates[a.key] ?? 0) > 0 && !a.person.confirmedNew) {
        out.push({ field: `act-${a.key}-person`, key: 'editor.act_duplicate_unconfirmed', params: { row } });
      }
    }
    const min = a.count_min.trim();
    const max = a.count_max.trim();
    if ((min && !INT.test(min)) || (max && !INT.test(max))) {
      out.push({ field: `act-${a.key}-count`, key: 'editor.count_invalid', params: { row } });
    } else if (min && max && Number(min) > Number(max)) {
      out.push({ field: `act-${a.key}-count`, key: 'editor.count_order', params: { row } });
    }
  });
  form.proceedings.forEach((p, n) => {
    const row = n + 1;
    const act = form.acts.find((a) => a.key === p.actKey && !a.removed);
    // A stored proceeding whose act row is gone (or was never in the form) keeps its person.
    const storedPerson = !act && !!p.storedId && (!!p.personId || !!p.group);
    if (!storedPerson && (!act || act.person.mode === 'group')) {
      out.push({ field: `proc-${p.key}-person`, key: 'editor.proc_person_required', params: { row } });
    }
    if (!p.kind) out.push({ field: `proc-${p.key}-kind`, key: 'editor.proc_kind_required', params: { row } });
    if (!dateMatchesPrecision(p.date.date.trim(), p.date.precision)) {
      out.push({ field: `proc-${p.key}-date`, key: 'editor.proc_date_invalid', params: { row } });
    }
    const m = p.sentence_months.trim();
    if (m && (!INT.test(m) || Number(m) > 1200)) {
      out.push({ field: `proc-${p.key}-sentence`, key: 'editor.sentence_invalid', params: { row } });
    }
  });
  form.related.forEach((l, n) => {
    if (!l.incident_id) out.push({ field: `link-${l.key}`, key: 'editor.link_required', params: { row: n + 1 } });
  });
  return out;
}

const opt = (v: string) => (v.trim() ? v.trim() : null);

function fuzzy(d: DateField): FuzzyDate {
  const date = d.date.trim();
  return date ? { date, precision: d.precision } : { date: null, precision: 'unknown' };
}

export function newPersonInput(p: PersonChoice): PersonInput {
  const names: PersonInput['names'] = [];
  if (p.original.trim()) names.push({ name: p.original.trim(), kind: 'original' });
  if (p.latin.trim()) names.push({ name: p.latin.trim(), kind: 'romanisation' });
  return { names };
}

export function involvementInput(a: ActRow, person: string | null): InvolvementInput {
  const group = a.person.mode === 'group';
  const min = a.count_min.trim();
  const max = a.count_max.trim();
  return {
    person,
    role: a.role,
    act_type: opt(a.act_type),
    method: opt(a.method),
    injuries: opt(a.injuries),
    perpetrator_type: opt(a.perpetrator_type),
    perpetrator_unit: opt(a.perpetrator_unit),
    degree: opt(a.degree),
    counting: {
      unit: group ? 'group' : 'individual',
      min: min ? Number(min) : null,
      max: max ? Number(max) : null,
      description: opt(a.group_description),
    },
    notes: opt(a.notes),
  };
}

export function proceedingInput(p: ProceedingRow, person: string | null, incidentId: string | null): ProceedingInput {
  const m = p.sentence_months.trim();
  return {
    ...(person ? { person } : { group: p.group ?? null }),
    incident_id: incidentId,
    kind: p.kind,
    date: fuzzy(p.date),
    authority: opt(p.authority),
    case_number: opt(p.case_number),
    charges: opt(p.charges),
    law_cited: opt(p.law_cited),
    sentence_months: m ? Number(m) : null,
    in_absentia: p.in_absentia,
    detention_place: opt(p.detention_place),
    notes: opt(p.notes),
  };
}

/** The incident's own fields (all an update may change). */
export function ownFields(form: IncidentForm): IncidentFullInput {
  const lat = num(form.latitude);
  const lon = num(form.longitude);
  return {
    title: form.title.trim(),
    description: form.description,
    kinds: [...form.kinds],
    start: fuzzy(form.start),
    end: fuzzy(form.end),
    place: {
      name: opt(form.place_name),
      admin_area: opt(form.admin_area),
      latitude: lat,
      longitude: lon,
    },
    verification: form.verification,
    sensitivity: form.sensitivity,
    related: form.related.map((l) => ({ incident_id: l.incident_id, relation: l.relation.trim() || 'related' })),
    people: {},
    involvements: [],
    proceedings: [],
  };
}

/** A new incident with its people, acts and proceedings: one all-or-nothing `incident_add`. */
export function toNewIncident(form: IncidentForm): IncidentFullInput {
  const input = ownFields(form);
  const refOf = new Map<string, string | null>();
  for (const a of form.acts) {
    if (a.person.mode === 'new') {
      const ref = `p_${a.key}`;
      input.people[ref] = newPersonInput(a.person);
      refOf.set(a.key, ref);
    } else if (a.person.mode === 'existing') {
      refOf.set(a.key, a.person.id);
    } else {
      refOf.set(a.key, null);
    }
    input.involvements.push(involvementInput(a, refOf.get(a.key) ?? null));
  }
  for (const p of form.proceedings) {
    const person = refOf.get(p.actKey);
    if (person) input.proceedings.push(proceedingInput(p, person, null));
  }
  return input;
}

/**
 * One whole edit of a stored incident: its own fields, every act and proceeding still in the form
 * (stored ones by id, changed in place; new ones without), new people by a local reference. Acts
 * marked removed and stored proceedings deleted from the form are left out, so the core removes
 * them. One `incident_update` call, all or nothing.
 */
export function toEdit(form: IncidentForm): IncidentEdit {
  const input = ownFields(form);
  const refOf = new Map<string, string | null>();
  const acts = form.acts.filter((a) => !a.removed);
  for (const a of acts) {
    if (a.person.mode === 'new') {
      const ref = `p_${a.key}`;
      input.people[ref] = newPersonInput(a.person);
      refOf.set(a.key, ref);
    } else if (a.person.mode === 'existing') {
      refOf.set(a.key, a.person.id);
    } else {
      refOf.set(a.key, null);
    }
    input.involvements.push({ ...involvementInput(a, refOf.get(a.key) ?? null), id: a.storedId ?? null });
  }
  for (const p of form.proceedings) {
    const person = refOf.has(p.actKey) ? refOf.get(p.actKey) : p.storedId ? p.personId : null;
    // A stored proceeding against a group keeps its group: leaving it out would remove it.
    if (person || (p.storedId && p.group)) {
      input.proceedings.push({ ...proceedingInput(p, person ?? null, null), id: p.storedId ?? null });
    }
  }
  return { ...input, version: form.version ?? null };
}
