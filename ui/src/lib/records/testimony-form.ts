// The testimony editor's state, its checks (mirroring the core's rules) and its conversion.
import type { Publication, TestimonyInput } from './types';

export interface TestimonyForm {
  witness_id: string;
  anonymous: boolean;
  interviewer: string;
  interviewed_at: string;
  interview_place: string;
  /** km | en | fr | other */
  language: string;
  language_other: string;
  body: string;
  consent: {
    internal_use: boolean;
    share_with_hq: boolean;
    legal_proceedings: boolean;
    publication: Publication;
    method: string;
    given_at: string;
  };
}

export function emptyTestimony(): TestimonyForm {
  return {
    witness_id: '',
    anonymous: false,
    interviewer: '',
    interviewed_at: '',
    interview_place: '',
    language: 'km',
    language_other: '',
    body: '',
    consent: {
      internal_use: false,
      share_with_hq: false,
      legal_proceedings: false,
      publication: 'none',
      method: '',
      given_at: '',
    },
  };
}

const DATE_OR_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?$/;
const LANG_TAG = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;

/** Translation keys of what is wrong, in the order the form shows the fields. */
export function testimonyProblems(f: TestimonyForm): string[] {
  const out: string[] = [];
  if (f.anonymous && f.consent.publication === 'named') out.push('testimony.problem_named_anonymous');
  if (f.interviewed_at.trim() && !DATE_OR_TIME.test(f.interviewed_at.trim())) out.push('testimony.problem_date');
  if (f.language === 'other' && !LANG_TAG.test(f.language_other.trim())) out.push('testimony.problem_language');
  if (!f.body.trim()) out.push('testimony.problem_body');
  return out;
}

const opt = (v: string) => (v.trim() ? v.trim() : null);

export function toTestimonyInput(incidentId: string, f: TestimonyForm): TestimonyInput {
  return {
    incident_id: incidentId,
    witness_id: f.anonymous ? null : opt(f.witness_id),
    anonymous: f.anonymous,
    interviewer: opt(f.interviewer),
    interviewed_at: opt(f.interviewed_at),
    interview_place: opt(f.interview_place),
    language: f.language === 'other' ? opt(f.language_other) : f.language,
    body: f.body,
    consent: {
      internal_use: f.consent.internal_use,
      share_with_hq: f.consent.share_with_hq,
      legal_proceedings: f.consent.legal_proceedings,
      publication: f.consent.publication,
      method: opt(f.consent.method),
      given_at: opt(f.consent.given_at),
    },
  };
}
