import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { setLang } from '../lib/i18n.svelte';

// The real shell is replaced by a fake `invoke` answering by command name.
type Handler = (args: Record<string, unknown>) => unknown;
let handlers: Record<string, Handler> = {};
const invoke = vi.fn(async (cmd: string, args: Record<string, unknown> = {}) => {
  const h = handlers[cmd];
  if (!h) throw { kind: 'unknown', message: `no fake for ${cmd}` };
  return h(args);
});
vi.mock('@tauri-apps/api/core', () => ({
  invoke: (cmd: string, args?: Record<string, unknown>) => invoke(cmd, args),
  // The evidence panel on the person page listens for drops over a channel.
  Channel: class {
    onmessage: ((m: unknown) => void) | null = null;
  },
}));

import TestimonyEditor from '../screens/records/TestimonyEditor.svelte';
import Incidents from '../screens/Incidents.svelte';
import IncidentRecords from '../screens/records/IncidentRecords.svelte';
import PersonPage from '../screens/records/PersonPage.svelte';
import IncidentEditor from '../screens/records/IncidentEditor.svelte';
import { emptyTestimony as emptyTestimonyForm } from '../lib/records/testimony-form';

const INCIDENT = {
  id: '0190f1f0-0000-7000-8000-0000000000a1',
  title: 'ការវាយដំ',
  description: '',
  kinds: [],
  start: { date: null, precision: 'unknown' },
  end: { date: null, precision: 'unknown' },
  place: {},
  verification: 'alleged',
  sensitivity: 'normal',
  related: [],
  proceedings: [],
  testimony_ids: [],
  involvements: [
    { id: 'v1', person_id: 'p1', person_name: 'សុខ ចាន់', role: 'witness', counting: { unit: 'individual' }, notes: '' },
  ],
};
const TERMS = {
  role: [
    { code: 'victim', label_en: 'Victim', label_km: 'ជនរងគ្រោះ', label_fr: 'Victime' },
    { code: 'perpetrator', label_en: 'Alleged perpetrator', label_km: 'ជនល្មើស', label_fr: 'Auteur présumé' },
    { code: 'witness', label_en: 'Witness', label_km: 'សាក្សី', label_fr: 'Témoin' },
  ],
  incident_kind: [
    { code: 'arbitrary_arrest', label_en: 'Arbitrary arrest', label_km: 'ការចាប់ខ្លួនដោយបំពាន', label_fr: 'Arrestation arbitraire' },
    { code: 'assault', label_en: 'Assault', label_km: 'ការវាយប្រហារ', label_fr: 'Agression' },
  ],
  proceeding_kind: [
    { code: 'arrest', label_en: 'Arrest', label_km: 'ការចាប់ខ្លួន', label_fr: 'Arrestation' },
    { code: 'released', label_en: 'Released', label_km: 'ការដោះលែង', label_fr: 'Libération' },
  ],
};

beforeEach(() => {
  invoke.mockClear();
  setLang('en');
  handlers = {
    incident_get: () => INCIDENT,
    incident_list: () => [INCIDENT],
    draft_get: () => null,
    draft_save: () => null,
    draft_discard: () => null,
    capture_pending: () => [],
    vocabulary: ({ name }) => TERMS[name as keyof typeof TERMS] ?? [],
  };
});
afterEach(cleanup);

describe('TestimonyEditor', () => {
  it('shows consent per purpose first, and saves it with the testimony', async () => {
    handlers.testimony_add = () => 'new-id';
    const onsaved = vi.fn();
    const { container } = render(TestimonyEditor, { incidentId: INCIDENT.id, oncancel: () => {}, onsaved });
    await screen.findByLabelText('Internal use by our team');
    const firstGroup = container.querySelector('form > fieldset');
    expect(firstGroup?.id, 'the consent panel is the first thing in the form').toBe('consent-panel');
    expect(screen.getByText(/stays on this computer/), 'no HQ consent is spelled out').toBeTruthy();

    await fireEvent.click(screen.getByLabelText('Internal use by our team'));
    await fireEvent.click(screen.getByLabelText('Use in legal proceedings'));
    await fireEvent.click(screen.getByLabelText(/Anonymous witness/));
    expect((screen.getByLabelText('Publish with the name') as HTMLInputElement).disabled).toBe(true);
    await fireEvent.input(screen.getByLabelText('What the witness said'), { target: { value: 'គាត់បានឃើញ <b>ប៉ូលិស</b>' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(onsaved).toHaveBeenCalledWith('new-id'));
    const call = invoke.mock.calls.find(([c]) => c === 'testimony_add');
    expect(call?.[1]).toMatchObject({
      input: {
        incident_id: INCIDENT.id,
        anonymous: true,
        witness_id: null,
        body: 'គាត់បានឃើញ <b>ប៉ូលិស</b>',
        consent: { internal_use: true, share_with_hq: false, legal_proceedings: true, publication: 'none' },
      },
    });
    expect(invoke.mock.calls.some(([c]) => c === 'draft_discard'), 'the draft is discarded on save').toBe(true);
  });
});

describe('PersonPage', () => {
  it('shows the current detention status prominently, and names as text', async () => {
    handlers.person_get = () => ({
      id: 'p1',
      name: 'សុខ ចាន់ <img src=x onerror=alert(1)>',
      names: [
        { name: 'សុខ ចាន់ <img src=x onerror=alert(1)>', kind: 'original', script: 'Khmr' },
        { name: 'Sok Chan', kind: 'romanisation', script: 'Latn' },
      ],
      nationalities: ['KH'],
      affiliations: [{ organisation: 'Free Trade Union', role: 'organiser' }],
      notes: '',
      detained: true,
      birth: {},
    });
    handlers.person_involvements = () => [{ involvement_id: 'v1', incident_id: INCIDENT.id, incident_title: INCIDENT.title, role: 'victim' }];
    handlers.person_proceedings = () => [
      { id: 'r1', person_id: 'p1', incident_id: null, kind: 'arrest', date: { date: '2024-03-16', precision: 'day' }, detention_place: 'Prey Sar', notes: '' },
    ];
    handlers.person_merge_group = () => ({ identity_id: 'p1', members: [{ id: 'p1', name: 'Sok Chan', device_id: 'd1', merged: null }] });
    const { container } = render(PersonPage, { id: 'p1', onback: () => {}, onopenincident: () => {} });
    const status = await screen.findByText('Detained now');
    expect(status.closest('#detention-status')?.textContent).toContain('Arrest on 2024-03-16');
    expect(status.closest('#detention-status')?.textContent).toContain('Prey Sar');
    expect(screen.getByText('Sok Chan')).toBeTruthy();
    expect(screen.getByText('Free Trade Union')).toBeTruthy();
    expect(screen.getByText('Victim')).toBeTruthy();
    expect(container.querySelector('img'), 'names are text, never HTML').toBeNull();
    expect(container.querySelector('#person-merge-group'), 'a person never merged shows no merge group').toBeNull();
  });
});

describe('IncidentEditor', () => {
  it('takes a testimony before the first save, consent first, in the draft and in the one capture_save', async () => {
    handlers.capture_save = () => ({ incident_id: 'x', testimony_ids: ['t'], attachment_ids: [] });
    handlers.search = () => [];
    const onsaved = vi.fn();
    render(IncidentEditor, { oncancel: () => {}, onsaved });
    await fireEvent.input(await screen.findByLabelText('Title'), { target: { value: 'Beating' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Add a victim' }));
    await fireEvent.input(screen.getByLabelText('Name in the original script'), { target: { value: 'ដារ៉ា' } });
    await fireEvent.keyDown(window, { key: 't', code: 'KeyT', altKey: true });
    const consent = document.getElementById('testimony-1-consent-internal') as HTMLInputElement;
    expect(consent, 'Alt+T adds a testimony in the new-incident editor').toBeTruthy();
    await waitFor(() => expect(document.activeElement, 'the focus is on its first consent box').toBe(consent));
    const panel = document.getElementById('testimony-1');
    expect(panel?.querySelector('fieldset')?.id, 'consent comes first, as in the testimony editor').toBe('testimony-1-consent-panel');
    await fireEvent.click(consent);
    const witness = document.getElementById('testimony-1-testimony-witness') as HTMLSelectElement;
    const option = [...witness.options].find((o) => o.textContent?.includes('ដារ៉ា'));
    expect(option, 'the victim just added may be the witness').toBeTruthy();
    await fireEvent.change(witness, { target: { value: option!.value } });

    // An empty statement is refused, saying which testimony.
    await fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await screen.findByText('Testimony 1: Write what the witness said.');
    expect(invoke.mock.calls.some(([c]) => c === 'capture_save')).toBe(false);

    await fireEvent.input(document.getElementById('testimony-1-testimony-body')!, { target: { value: 'គាត់បាននិយាយ' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(onsaved).toHaveBeenCalledWith('x'));
    const input = invoke.mock.calls.find(([c]) => c === 'capture_save')?.[1]?.input as {
      incident: { people: Record<string, unknown> };
      testimonies: { body: string; witness_id: string; consent: { internal_use: boolean } }[];
    };
    expect(input.testimonies).toHaveLength(1);
    expect(input.testimonies[0].body).toBe('គាត់បាននិយាយ');
    expect(input.testimonies[0].consent.internal_use).toBe(true);
    expect(Object.keys(input.incident.people), 'the witness is the new person\'s reference').toContain(input.testimonies[0].witness_id);
  });

  it('Discard draft also clears the photos shown: the list is asked again', async () => {
    handlers.draft_get = () => ({ title: 'Half', acts: [], proceedings: [], related: [] });
    let pending = [{ id: 'a', original_name: 'a.jpg', media_type: 'image/jpeg', size: 1, sha256: 'x', has_thumbnail: false, thumbnail_note: null, created_at: '' }];
    handlers.capture_pending = () => pending;
    render(IncidentEditor, { oncancel: () => {}, onsaved: () => {} });
    await screen.findByText('a.jpg');
    pending = [];
    await fireEvent.click(screen.getByRole('button', { name: 'Discard the draft' }));
    await waitFor(() => expect(screen.queryByText('a.jpg'), 'the erased photo is no longer shown').toBeNull());
  });

  it('keeps the testimonies in the autosaved draft', async () => {
    render(IncidentEditor, { oncancel: () => {}, onsaved: () => {} });
    await fireEvent.input(await screen.findByLabelText('Title'), { target: { value: 'Draft' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Add a testimony' }));
    await fireEvent.input(document.getElementById('testimony-1-testimony-body')!, { target: { value: 'ពាក្យសាក្សី' } });
    // Leaving the editor flushes the draft: the testimony is in it.
    cleanup();
    await waitFor(() =>
      expect(
        invoke.mock.calls.some(
          ([c, a]) =>
            c === 'draft_save' &&
            (a as { value: { testimonies?: { form: { body: string } }[] } }).value.testimonies?.[0]?.form.body === 'ពាក្យសាក្សី',
        ),
        'the draft saved inside the vault holds the testimony',
      ).toBe(true),
    );
    // Opened again with that draft, the testimony is back.
    handlers.draft_get = () => ({
      title: 'Draft', acts: [], proceedings: [], related: [], seq: 3,
      testimonies: [{ key: 't1', form: { ...emptyTestimonyForm(), body: 'ពាក្យសាក្សី' } }],
    });
    render(IncidentEditor, { oncancel: () => {}, onsaved: () => {} });
    await screen.findByText('Your unsaved draft was restored.');
    expect((document.getElementById('testimony-1-testimony-body') as HTMLTextAreaElement).value).toBe('ពាក្យសាក្សី');
  });

  it('offers the incident kinds of the vault vocabulary, labelled in the UI language', async () => {
    setLang('km');
    render(IncidentEditor, { oncancel: () => {}, onsaved: () => {} });
    // The kinds and their Khmer labels come from the vault, not from a list in the UI.
    expect(await screen.findByLabelText('ការចាប់ខ្លួនដោយបំពាន')).toBeTruthy();
    expect(screen.getByLabelText('ការវាយប្រហារ')).toBeTruthy();
    expect(screen.queryByLabelText(/torture|ទារុណកម្ម/i)).toBeNull();
    expect(invoke.mock.calls.some(([c, a]) => c === 'vocabulary' && (a as { name: string }).name === 'incident_kind')).toBe(true);
  });

  it('restores a draft kept in the vault', async () => {
    handlers.draft_get = ({ kind, key }) =>
      kind === 'incident' && key === 'new' ? { title: 'Half-typed title', acts: [], proceedings: [], related: [] } : null;
    render(IncidentEditor, { oncancel: () => {}, onsaved: () => {} });
    await screen.findByText('Your unsaved draft was restored.');
    expect((screen.getByLabelText('Title') as HTMLInputElement).value).toBe('Half-typed title');
  });

  it('shows similar people before creating a new one and refuses to save until decided', async () => {
    handlers.search = () => [{ id: 'p1', type: 'person', title: 'សុខ ចាន់' }];
    handlers.capture_save = () => ({ incident_id: 'x', testimony_ids: [], attachment_ids: [] });
    render(IncidentEditor, { oncancel: () => {}, onsaved: () => {} });
    await fireEvent.input(await screen.findByLabelText('Title'), { target: { value: 'Beating' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Add a victim' }));
    await fireEvent.input(screen.getByLabelText('Name in the original script'), { target: { value: 'សុខ' } });
    await screen.findByText(/similar name are already recorded/, {}, { timeout: 2000 });
    await fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await screen.findByText(/Choose one of them, or confirm this is a different person/);
    expect(invoke.mock.calls.some(([c]) => c === 'capture_save'), 'nothing is created while undecided').toBe(false);

    await fireEvent.click(screen.getByRole('button', { name: 'Yes, this person' }));
    await fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(invoke.mock.calls.some(([c]) => c === 'capture_save')).toBe(true));
    const input = (invoke.mock.calls.find(([c]) => c === 'capture_save')?.[1]?.input as { incident: { people: object; involvements: { person: string }[] } }).incident;
    expect(input.people, 'the stored person is used, no new one').toEqual({});
    expect(input.involvements[0].person).toBe('p1');
  });

  it('saves an edit of a stored incident in one call: stored acts changed in place, nothing added or removed one by one', async () => {
    handlers.incident_get = () => ({
      ...INCIDENT,
      version: 4,
      proceedings: [
        { id: 'q1', person_id: 'p1', incident_id: INCIDENT.id, kind: 'arrest', date: { date: '2024-01-10', precision: 'day' },
          in_absentia: false, notes: '' },
      ],
    });
    handlers.incident_update = () => null;
    const onsaved = vi.fn();
    render(IncidentEditor, { id: INCIDENT.id, oncancel: () => {}, onsaved });
    const notes = await screen.findByLabelText('Notes', { selector: '#act-1-notes' });
    await fireEvent.input(notes, { target: { value: 'seen from the gate' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(onsaved).toHaveBeenCalled());
    const writes = invoke.mock.calls.map(([c]) => c).filter((c) => !/^(incident_get|incident_list|vocabulary|draft_)/.test(c));
    expect(writes, 'an edit is one core operation: one call, never a sequence of adds and removes').toEqual(['incident_update']);
    const input = invoke.mock.calls.find(([c]) => c === 'incident_update')?.[1]?.input as {
      version: number;
      involvements: { id: string; notes: string; person: string }[];
      proceedings: { id: string; person: string }[];
    };
    expect(input.version, 'the edit names the version it was made from').toBe(4);
    expect(input.involvements).toEqual([expect.objectContaining({ id: 'v1', person: 'p1', notes: 'seen from the gate' })]);
    expect(input.proceedings, 'stored proceedings are sent back by id, or the core would remove them').toEqual([
      expect.objectContaining({ id: 'q1', person: 'p1', kind: 'arrest' }),
    ]);
  });
});

describe('Incidents search', () => {
  const hit = (n: number) => ({ id: `i${n}`, type: 'incident', title: `Beating ${n}` });

  it('says how many match in all when a page is full, and counts nothing more otherwise', async () => {
    handlers.person_list = () => [];
    handlers.search = () => Array.from({ length: 500 }, (_, n) => hit(n));
    handlers.search_count = ({ cap }) => ({ count: cap, capped: true });
    render(Incidents, {});
    const box = await screen.findByLabelText('Search incidents, people and testimony');
    await fireEvent.input(box, { target: { value: 'police' } });
    await screen.findByText('Results shown: 500 of more than 10000. Add a word or a filter to narrow the search.');
    const counted = invoke.mock.calls.filter(([cmd]) => cmd === 'search_count');
    expect(counted.length, 'a full page asks for the count once').toBe(1);
    expect(counted[0][1]).toEqual({ query: { text: 'police' }, cap: 10000 });

    handlers.search = () => [hit(1), hit(2), hit(3)];
    invoke.mockClear();
    await fireEvent.input(box, { target: { value: 'police Kampot' } });
    await screen.findByText('Results found: 3');
    expect(invoke.mock.calls.some(([cmd]) => cmd === 'search_count'), 'a page that is not full is the whole count').toBe(false);
  });
});

describe('IncidentRecords', () => {
  it('lists a testimony with its consent as it stands, never first as recorded', async () => {
    const recorded = { internal_use: true, share_with_hq: true, legal_proceedings: false, publication: 'none' };
    handlers.testimony_list = () => [
      { id: 't1', version: 1, incident_id: INCIDENT.id, anonymous: true, body: 'They came at dawn', consent: recorded },
    ];
    let answer: (v: unknown) => void = () => {};
    handlers.consent_state = () => new Promise((resolve) => (answer = resolve));
    const { container } = render(IncidentRecords, {
      incident: INCIDENT,
      onopenperson: () => {},
      onopenincident: () => {},
      ontestimony: () => {},
    });
    await waitFor(() => expect(invoke.mock.calls.some(([cmd]) => cmd === 'consent_state')).toBe(true));
    await new Promise((r) => setTimeout(r, 50));
    expect(container.textContent, 'nothing of the testimony is listed before its consent is read').not.toContain('Share with headquarters');
    answer({ effective: { ...recorded, share_with_hq: false }, withdrawals: [] });
    const row = await screen.findByText('They came at dawn');
    const item = row.closest('li');
    expect(item?.textContent).toContain('Internal use by our team');
    expect(item?.textContent, 'a withdrawn consent is not shown as given').not.toContain('Share with headquarters');
  });
});
