import { describe, expect, it, vi } from 'vitest';
vi.mock('@tauri-apps/api/core', () => ({ invoke: vi.fn(), Channel: class {} }));
import {
  filesOf,
  formTestimonies,
  newTestimonyRow,
  pastedName,
  testimoniesProblems,
  toCaptureInput,
  witnessChoices,
} from '../lib/records/capture';
import { emptyForm, newAct, toNewIncident } from '../lib/records/incident-form';
import { emptyTestimony } from '../lib/records/testimony-form';

describe('one-screen capture', () => {
  it('sends the testimonies without an incident id: the core gives them the new one', () => {
    const form = emptyForm();
    form.title = 'ការវាយដំ';
    const t = emptyTestimony();
    t.body = 'text';
    const input = toCaptureInput(form, [t]);
    expect(input.incident.title).toBe('ការវាយដំ');
    expect(input.testimonies).toHaveLength(1);
    expect(input.testimonies[0].incident_id).toBe('');
  });

  it('names which testimony has a problem', () => {
    const ok = emptyTestimony();
    ok.body = 'x';
    const empty = emptyTestimony();
    const problems = testimoniesProblems([ok, empty]);
    expect(problems).toEqual([{ field: 'testimony-2', key: 'testimony.problem_body', params: { row: 2 } }]);
  });

  it('takes only files from a paste, never its text', () => {
    const file = { name: 'a.png', type: 'image/png' } as File;
    const data = {
      items: [
        { kind: 'string', getAsFile: () => null },
        { kind: 'file', getAsFile: () => file },
      ],
      files: [],
    } as unknown as DataTransfer;
    expect(filesOf(data)).toEqual([file]);
    expect(filesOf({ items: [{ kind: 'string', getAsFile: () => null }], files: [] } as unknown as DataTransfer)).toEqual([]);
    expect(filesOf(null)).toEqual([]);
  });

  it('gives a pasted screenshot a name by its type', () => {
    expect(pastedName({ name: 'image.png', type: 'image/png' }, 3)).toBe('pasted-3.png');
    expect(pastedName({ name: '', type: 'image/jpeg' }, 1)).toBe('pasted-1.jpg');
    expect(pastedName({ name: 'ផ្ទះ.jpg', type: 'image/jpeg' }, 1)).toBe('ផ្ទះ.jpg');
  });

  it('keeps testimonies in the incident form, so they are autosaved with its draft', () => {
    const form = emptyForm();
    const a = newTestimonyRow(form);
    const b = newTestimonyRow(form);
    expect(a.key).not.toBe(b.key);
    expect(form.testimonies).toHaveLength(2);
    // Consent starts with nothing given: the monitor ticks what the witness agreed to.
    expect(a.form.consent.share_with_hq).toBe(false);
    // The draft is stored as JSON: testimonies must survive that round trip.
    const back = JSON.parse(JSON.stringify(form));
    expect(back.testimonies[1].form).toEqual(b.form);
  });

  it('offers as witness every person of the acts: stored by id, new by the reference the save resolves', () => {
    const form = emptyForm();
    const stored = newAct(form, 'witness');
    stored.person = { ...stored.person, mode: 'existing', id: 'p-1', label: 'សុខា' };
    const fresh = newAct(form, 'victim');
    fresh.person = { ...fresh.person, mode: 'new', original: 'ដារ៉ា' };
    const group = newAct(form, 'perpetrator');
    group.person = { ...group.person, mode: 'group' };
    form.acts.push(stored, fresh, group);
    const choices = witnessChoices(form);
    expect(choices.map(([, name]) => name)).toEqual(['សុខា', 'ដារ៉ា']);
    expect(choices[0][0]).toBe('p-1');
    // The reference must be the one toNewIncident gives the new person, or the core cannot resolve it.
    expect(Object.keys(toNewIncident(form).people)).toContain(choices[1][0]);
    const row = newTestimonyRow(form);
    row.form.witness_id = choices[1][0];
    row.form.body = 'x';
    expect(formTestimonies(form)[0].witness_id).toBe(choices[1][0]);
    form.acts = form.acts.filter((a) => a.key !== fresh.key);
    expect(formTestimonies(form)[0].witness_id, 'a witness no longer in the incident must not be sent').toBe('');
  });

  it('reads an old draft without testimonies as none', () => {
    const form = emptyForm();
    delete form.testimonies;
    expect(formTestimonies(form)).toEqual([]);
    expect(toCaptureInput(form, formTestimonies(form)).testimonies).toEqual([]);
  });
});
