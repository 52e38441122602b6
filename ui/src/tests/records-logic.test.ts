import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import en from '../i18n/en.json';
import {
  emptyForm,
  formFromIncident,
  mergeDraft,
  newAct,
  newProceeding,
  ownFields,
  toEdit,
  toNewIncident,
  validate,
} from '../lib/records/incident-form';
import { autosaver } from '../lib/records/autosave';
import { sortIncidents, toQuery, emptyFilters, validFilterDate, resultCountLine } from '../lib/records/listing';
import { currentDetention } from '../lib/records/detention';
import { emptyTestimony, testimonyProblems, toTestimonyInput } from '../lib/records/testimony-form';
import { parseMinutes } from '../lib/records/prefs';
import type { IncidentRecord, Proceeding } from '../lib/records/types';

const keysOf = (ps: { key: string }[]) => ps.map((p) => p.key);

describe('incident form checks', () => {
  it('asks for a title and dates that match their precision', () => {
    const f = emptyForm();
    f.start = { date: '2024-13', precision: 'month' };
    f.end = { date: '2024', precision: 'day' };
    expect(keysOf(validate(f))).toEqual(['incident.title_required', 'incident.date_invalid', 'incident.date_invalid']);
  });

  it('wants both coordinates or neither, in range', () => {
    const f = emptyForm();
    f.title = 'x';
    f.latitude = '11.5';
    expect(keysOf(validate(f))).toEqual(['editor.coordinates_both']);
    f.longitude = '200';
    expect(keysOf(validate(f))).toEqual(['editor.coordinates_range']);
    f.longitude = '104.9';
    expect(validate(f)).toEqual([]);
  });

  it('never creates a new person silently when similar people were shown', () => {
    const f = emptyForm();
    f.title = 'x';
    const a = newAct(f, 'victim');
    a.person.original = 'សុខ ចាន់';
    f.acts.push(a);
    expect(validate(f, { [a.key]: 2 }).map((p) => p.key)).toEqual(['editor.act_duplicate_unconfirmed']);
    a.person.confirmedNew = true;
    expect(validate(f, { [a.key]: 2 })).toEqual([]);
    expect(validate(f, {}), 'no similar people: nothing to confirm').toEqual([]);
  });

  it('checks group counts and that a proceeding names a person, not a group', () => {
    const f = emptyForm();
    f.title = 'x';
    const g = newAct(f, 'perpetrator');
    g.person.mode = 'group';
    g.count_min = '20';
    g.count_max = '5';
    f.acts.push(g);
    f.proceedings.push(newProceeding(f, g.key));
    expect(keysOf(validate(f))).toEqual(['editor.count_order', 'editor.proc_person_required']);
    g.count_min = 'many';
    expect(keysOf(validate(f))).toContain('editor.count_invalid');
  });

  it('every problem it can report is translated', () => {
    const keys = [
      'incident.title_required', 'incident.date_invalid', 'editor.coordinates_both', 'editor.coordinates_range',
      'editor.act_role_required', 'editor.act_person_required', 'editor.act_name_required',
      'editor.act_duplicate_unconfirmed', 'editor.count_invalid', 'editor.count_order',
      'editor.proc_person_required', 'editor.proc_kind_required', 'editor.proc_date_invalid',
      'editor.sentence_invalid', 'editor.link_required',
      'testimony.problem_named_anonymous', 'testimony.problem_date', 'testimony.problem_language', 'testimony.problem_body',
      ...['none', 'anonymous', 'named'].map((p) => `testimony.publication_${p}`),
      ...['km', 'en', 'fr', 'other'].map((l) => `testimony.language_${l}`),
      ...['date_desc', 'date_asc', 'title'].map((s) => `filters.sort_${s}`),
      ...['alleged', 'verified'].map((v) => `editor.verification_${v}`),
      ...['normal', 'high', 'restricted'].map((v) => `editor.sensitivity_${v}`),
    ];
    expect(keys.filter((k) => !(k in en))).toEqual([]);
  });
});

describe('incident form → IncidentInput', () => {
  it('sends new people by local reference, groups without a person, and proceedings by reference', () => {
    const f = emptyForm();
    f.title = ' ការវាយដំ ';
    f.kinds = ['assault'];
    f.start = { date: '2024-03-15', precision: 'day' };
    f.latitude = '11.55';
    f.longitude = '104.92';
    const victim = newAct(f, 'victim');
    victim.person.original = 'សុខ ចាន់';
    victim.person.latin = 'Sok Chan';
    const unit = newAct(f, 'perpetrator');
    unit.person.mode = 'group';
    unit.perpetrator_unit = 'Brigade 70';
    unit.count_min = '10';
    unit.count_max = '20';
    const known = newAct(f, 'witness');
    known.person = { mode: 'existing', id: '0190f1f0-0000-7000-8000-000000000001', label: 'Dara', original: '', latin: '', confirmedNew: false };
    f.acts.push(victim, unit, known);
    const arrest = newProceeding(f, victim.key);
    arrest.date = { date: '2024-03-16', precision: 'day' };
    arrest.detention_place = 'Prey Sar';
    f.proceedings.push(arrest);

    const input = toNewIncident(f);
    expect(input.title).toBe('ការវាយដំ');
    expect(input.place).toEqual({ name: null, admin_area: null, latitude: 11.55, longitude: 104.92 });
    const ref = `p_${victim.key}`;
    expect(input.people).toEqual({
      [ref]: { names: [{ name: 'សុខ ចាន់', kind: 'original' }, { name: 'Sok Chan', kind: 'romanisation' }] },
    });
    expect(input.involvements.map((i) => i.person)).toEqual([ref, null, known.person.id]);
    expect(input.involvements[1].counting).toEqual({ unit: 'group', min: 10, max: 20, description: null });
    expect(input.involvements[1].perpetrator_unit).toBe('Brigade 70');
    expect(input.involvements[0].counting?.unit).toBe('individual');
    expect(input.proceedings).toEqual([
      expect.objectContaining({ person: ref, kind: 'arrest', incident_id: null, detention_place: 'Prey Sar', date: { date: '2024-03-16', precision: 'day' } }),
    ]);
  });

  it('an update carries only the incident’s own fields', () => {
    const f = emptyForm();
    f.title = 't';
    f.acts.push(newAct(f));
    const own = ownFields(f);
    expect(own.people).toEqual({});
    expect(own.involvements).toEqual([]);
    expect(own.start).toEqual({ date: null, precision: 'unknown' });
  });

  it('a restored draft of a stored incident keeps the fresh stored acts and the draft’s new ones', () => {
    const stored = {
      id: 'i1', title: 'Stored', description: '', kinds: [], start: { date: '2024', precision: 'year' }, end: {},
      place: {}, verification: 'alleged', sensitivity: 'normal', related: [], proceedings: [], testimony_ids: [],
      involvements: [{ id: 'v1', person_id: 'p1', person_name: 'A', role: 'victim', counting: { unit: 'individual' }, notes: '' }],
    } as unknown as IncidentRecord;
    const fresh = formFromIncident(stored);
    expect(fresh.start).toEqual({ date: '2024', precision: 'year' });
    const draft = structuredClone(fresh);
    draft.title = 'Edited';
    draft.acts[0].removed = true;
    draft.acts.push(newAct(draft));
    const merged = mergeDraft(fresh, draft);
    expect(merged.title).toBe('Edited');
    expect(merged.acts.map((a) => [a.storedId ?? 'new', a.removed ?? false])).toEqual([['v1', true], ['new', false]]);
  });
});

describe('incident edits', () => {
  const stored = {
    id: 'i1', title: 'Stored', description: '', kinds: [], start: {}, end: {}, place: {}, verification: 'alleged',
    sensitivity: 'normal', related: [], testimony_ids: [], version: 3,
    involvements: [
      { id: 'v1', person_id: 'p1', person_name: 'A', role: 'victim', counting: { unit: 'individual' }, notes: '' },
      { id: 'v2', person_id: 'p2', person_name: 'B', role: 'witness', counting: { unit: 'individual' }, notes: '' },
    ],
    proceedings: [
      { id: 'q1', person_id: 'p2', incident_id: 'i1', kind: 'arrest', date: { date: '2024', precision: 'year' }, in_absentia: false, notes: '' },
    ],
  } as unknown as IncidentRecord;

  it('changes, adds and removes acts and proceedings in one edit', () => {
    const f = formFromIncident(stored);
    expect(f.version).toBe(3);
    expect(f.proceedings.map((p) => [p.storedId, p.actKey]), 'stored proceedings are editable rows').toEqual([['q1', 'vv2']]);
    f.acts[0].injuries = 'bruises';
    f.acts[1].removed = true;
    const a = newAct(f, 'witness');
    a.person.latin = 'Keo Malis';
    f.acts.push(a);
    f.proceedings[0].authority = 'court';
    f.proceedings.push({ ...newProceeding(f, 'vv1'), kind: 'released' });
    expect(validate(f), 'a stored proceeding of a removed act keeps its person').toEqual([]);
    const e = toEdit(f);
    expect(e.version).toBe(3);
    expect(e.involvements.map((i) => [i.id, i.person])).toEqual([['v1', 'p1'], [null, `p_${a.key}`]]);
    expect(e.involvements[0].injuries).toBe('bruises');
    expect(e.people[`p_${a.key}`]).toEqual({ names: [{ name: 'Keo Malis', kind: 'romanisation' }] });
    expect(e.proceedings.map((p) => [p.id, p.person, p.kind])).toEqual([['q1', 'p2', 'arrest'], [null, 'p1', 'released']]);
    expect(e.proceedings[0].authority).toBe('court');
  });

  it('keeps a stored proceeding against a group of unnamed people through an edit', () => {
    const withGroup = {
      ...stored,
      proceedings: [
        ...((stored as unknown as { proceedings: unknown[] }).proceedings),
        { id: 'q2', person_id: null, group: { description: 'three bodyguards', size_min: 3, size_max: 3 },
          incident_id: 'i1', kind: 'charged', date: { date: '2015-11', precision: 'month' }, in_absentia: false, notes: '' },
      ],
    } as unknown as IncidentRecord;
    const f = formFromIncident(withGroup);
    f.title = 'Stored, retitled';
    expect(validate(f), 'a stored group proceeding names no person and needs none').toEqual([]);
    const e = toEdit(f);
    const q2 = e.proceedings.find((p) => p.id === 'q2');
    expect(q2, 'leaving the group proceeding out of the edit would delete it').toBeTruthy();
    expect(q2?.group).toEqual({ description: 'three bodyguards', size_min: 3, size_max: 3 });
    expect(q2?.person ?? null).toBeNull();
  });

  it('validates stored acts too, now that they are edited in place', () => {
    const f = formFromIncident(stored);
    f.acts[0].count_min = 'many';
    expect(keysOf(validate(f))).toEqual(['editor.count_invalid']);
  });
});

describe('autosaved drafts', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('saves only changes, every interval, and discards after the last save', async () => {
    const calls: string[] = [];
    const s = autosaver({ a: 1 }, async (v) => void calls.push(`save ${JSON.stringify(v)}`), async () => void calls.push('discard'), {
      intervalMs: 1000,
    });
    s.update({ a: 1 });
    await vi.advanceTimersByTimeAsync(1500);
    expect(calls, 'an untouched form is not saved').toEqual([]);
    s.update({ a: 2 });
    await vi.advanceTimersByTimeAsync(1000);
    expect(calls).toEqual(['save {"a":2}']);
    await vi.advanceTimersByTimeAsync(3000);
    expect(calls, 'nothing new, nothing saved').toHaveLength(1);
    s.update({ a: 3 });
    await s.discard();
    await vi.advanceTimersByTimeAsync(3000);
    expect(calls, 'a discard drops unsaved changes and stops the timer').toEqual(['save {"a":2}', 'discard']);
  });

  it('retries a failed save at the next tick', async () => {
    let fail = true;
    const saved: unknown[] = [];
    const s = autosaver({}, async (v) => {
      if (fail) throw new Error('locked');
      saved.push(v);
    }, async () => {}, { intervalMs: 1000 });
    s.update({ x: 1 });
    await vi.advanceTimersByTimeAsync(1000);
    fail = false;
    await vi.advanceTimersByTimeAsync(1000);
    expect(saved).toEqual([{ x: 1 }]);
    s.stop();
  });
});

describe('incident list', () => {
  const list = [
    { id: '1', title: 'Bravo', start: { date: '2024-02-09' } },
    { id: '2', title: 'alpha', start: { date: null } },
    { id: '3', title: 'Charlie', start: { date: '2024-03' } },
  ];
  it('sorts by date both ways with undated last, or by title', () => {
    expect(sortIncidents(list, 'date_desc').map((i) => i.id)).toEqual(['3', '1', '2']);
    expect(sortIncidents(list, 'date_asc').map((i) => i.id)).toEqual(['1', '3', '2']);
    expect(sortIncidents(list, 'title').map((i) => i.id)).toEqual(['2', '1', '3']);
  });
  it('builds the search query from the filled filters only', () => {
    const f = emptyFilters();
    f.kind = 'assault';
    f.place = ' ភ្នំពេញ ';
    expect(toQuery('', f)).toEqual({ kind: 'assault', place: 'ភ្នំពេញ' });
    expect(toQuery('abc', emptyFilters())).toEqual({ text: 'abc' });
    expect(validFilterDate('2024-03')).toBe(true);
    expect(validFilterDate('March')).toBe(false);
  });
});

describe('detention status', () => {
  const p = (kind: string, extra: Partial<Proceeding> = {}) => ({ id: kind, kind, ...extra }) as Proceeding;
  it('the latest custody step decides', () => {
    expect(currentDetention([p('arrest')])?.kind).toBe('arrest');
    expect(currentDetention([p('arrest'), p('released')])).toBeNull();
    expect(currentDetention([p('arrest'), p('charged')])?.kind).toBe('arrest');
    expect(currentDetention([p('sentenced', { in_absentia: true })])).toBeNull();
    expect(currentDetention([p('warrant')])).toBeNull();
  });
});

describe('testimony form', () => {
  it('refuses a named publication for an anonymous witness and an empty statement', () => {
    const f = emptyTestimony();
    f.anonymous = true;
    f.consent.publication = 'named';
    expect(testimonyProblems(f)).toEqual(['testimony.problem_named_anonymous', 'testimony.problem_body']);
  });
  it('sends consent per purpose as given', () => {
    const f = emptyTestimony();
    f.body = 'គាត់បាននិយាយថា…';
    f.consent.internal_use = true;
    f.consent.legal_proceedings = true;
    f.consent.publication = 'anonymous';
    f.anonymous = true;
    f.witness_id = 'ignored-when-anonymous';
    const input = toTestimonyInput('inc', f);
    expect(input).toMatchObject({
      incident_id: 'inc',
      witness_id: null,
      anonymous: true,
      language: 'km',
      consent: { internal_use: true, share_with_hq: false, legal_proceedings: true, publication: 'anonymous' },
    });
  });
});

describe('auto-lock minutes', () => {
  it('accepts whole minutes from 1 to 240', () => {
    expect(parseMinutes('15')).toBe(15);
    expect(parseMinutes('240')).toBe(240);
    expect(parseMinutes('0')).toBeNull();
    expect(parseMinutes('241')).toBeNull();
    expect(parseMinutes('1.5')).toBeNull();
    expect(parseMinutes('')).toBeNull();
    expect(parseMinutes(7), 'a number field gives a number').toBe(7);
    expect(parseMinutes(null)).toBeNull();
  });
});

import { personForm, personProblems, toPersonInput } from '../lib/records/person-form';
import type { PersonRecord } from '../lib/records/types';

describe('person form', () => {
  const stored = {
    id: 'p1',
    name: 'សុខ ចាន់ថា',
    names: [
      { name: 'សុខ ចាន់ថា', kind: 'original', script: 'Khmr' },
      { name: 'Sok Chantha', kind: 'romanisation', script: 'Latn' },
    ],
    sex: 'female',
    birth: { date: '1990', precision: 'year' },
    nationalities: ['KH'],
    affiliations: [{ organisation: 'Free Trade Union', role: 'organiser' }],
    occupation: null,
    notes: '',
    contacts: [{ kind: 'phone', value: '012 345 678' }],
    detained: false,
  } as unknown as PersonRecord;

  it('keeps contacts and unchanged scripts, and lets the core guess a changed name’s script', () => {
    const f = personForm(stored);
    f.names[1].name = 'Sok Chanthea';
    f.names.push({ name: 'Thea', kind: 'alias' });
    f.nationalities = 'KH, TH';
    const input = toPersonInput(f, stored);
    expect(input.contacts, 'an update must not drop contacts it does not show').toEqual(stored.contacts);
    expect(input.names).toEqual([
      { name: 'សុខ ចាន់ថា', kind: 'original', script: 'Khmr' },
      { name: 'Sok Chanthea', kind: 'romanisation', script: null },
      { name: 'Thea', kind: 'alias', script: null },
    ]);
    expect(input.nationalities).toEqual(['KH', 'TH']);
    expect(input.birth).toEqual({ date: '1990', precision: 'year' });
    expect(input.affiliations).toEqual([{ organisation: 'Free Trade Union', role: 'organiser', org_type: null, start_date: null, end_date: null }]);
  });

  it('needs a name and an organisation for each affiliation', () => {
    const f = personForm(stored);
    f.names = [{ name: ' ', kind: 'original' }];
    f.affiliations.push({ organisation: '', role: 'member', org_type: '', start_date: '', end_date: '' });
    expect(personProblems(f)).toEqual(['person.name_required', 'person_page.organisation_required']);
  });
});

describe('resultCountLine', () => {
  it('gives the whole count only when it is more than the page shows', () => {
    expect(resultCountLine(3, null)).toEqual({ key: 'incidents.results_count', params: { count: 3 } });
    expect(resultCountLine(500, { count: 500, capped: false })).toEqual({ key: 'incidents.results_count', params: { count: 500 } });
    expect(resultCountLine(500, { count: 8123, capped: false })).toEqual({ key: 'incidents.results_of', params: { shown: 500, count: 8123 } });
    expect(resultCountLine(500, { count: 10000, capped: true })).toEqual({ key: 'incidents.results_of_more', params: { shown: 500, count: 10000 } });
  });
});
