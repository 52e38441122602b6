// The field-by-field choice of the Conflicts screen: which side each field comes from, and what
// the shell is asked to take from the incoming version.
import type { ConflictField } from './types';

export type Side = 'local' | 'incoming';

/** Every differing field starts on this vault's side: nothing changes until the user chooses. */
export function initialChoice(fields: ConflictField[]): Record<string, Side> {
  const out: Record<string, Side> = {};
  for (const f of fields) if (f.differs) out[f.field] = 'local';
  return out;
}

/** The fields to take from the incoming version (only differing ones: the rest are equal). */
export function fieldsToTake(fields: ConflictField[], choice: Record<string, Side>): string[] {
  return fields.filter((f) => f.differs && choice[f.field] === 'incoming').map((f) => f.field);
}

/** A field's value as one line of text: strings as they are, a date with its precision, child
 * rows by their most telling column. */
export function shown(value: unknown): string {
  if (value === null || value === undefined || value === '') return '—';
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) {
    if (value.length === 0) return '—';
    return value
      .map((row) => {
        if (row && typeof row === 'object') {
          const r = row as Record<string, unknown>;
          for (const k of ['kind', 'code', 'name', 'to_id', 'organisation', 'value']) {
            if (typeof r[k] === 'string') return r[k] as string;
          }
          return JSON.stringify(r);
        }
        return String(row);
      })
      .join(', ');
  }
  if (typeof value === 'object') {
    const parts = Object.values(value as Record<string, unknown>).filter((v) => v !== null && v !== '' && v !== 'unknown');
    return parts.length ? parts.map(String).join(' · ') : '—';
  }
  return String(value);
}
