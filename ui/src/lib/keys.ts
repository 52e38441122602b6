// Keyboard rules of the record editors: Enter in a one-line field never submits the form (a
// half-typed incident must not be saved by a stray Enter), Ctrl+S (⌘S) saves from anywhere.

type KeyLike = Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'metaKey' | 'altKey' | 'shiftKey' | 'isComposing'> & {
  code?: string;
};

/** Inputs whose Enter would submit the form implicitly (HTML "implicit submission"). */
const SUBMITTING_INPUTS = new Set([
  'text', 'search', 'url', 'tel', 'email', 'password', 'number', 'date', 'datetime-local', 'month',
  'time', 'week', 'checkbox', 'radio',
]);

/** True when Enter on `target` would save the whole form: the editor swallows it. */
export function isImplicitSubmit(e: KeyLike, target: EventTarget | null): boolean {
  if (e.key !== 'Enter' || e.isComposing) return false;
  const el = target as { tagName?: string; type?: string } | null;
  return el?.tagName === 'INPUT' && SUBMITTING_INPUTS.has((el.type ?? 'text').toLowerCase());
}

/**
 * The Latin letter of the key pressed, whatever the layout: with a Khmer layout active `key` is a
 * Khmer letter, so the physical key (`code`, e.g. "KeyS") decides, as it does for Ctrl+C.
 */
export function letterOf(e: { key: string; code?: string }): string {
  const m = /^Key([A-Z])$/.exec(e.code ?? '');
  return m ? m[1].toLowerCase() : (e.key ?? '').toLowerCase();
}

/** Ctrl+S (or ⌘S on a Mac keyboard), without Alt or Shift, in any keyboard layout. */
export function isSaveShortcut(e: KeyLike): boolean {
  return (e.ctrlKey || e.metaKey) && !e.altKey && !e.shiftKey && letterOf(e) === 's';
}

/** Ctrl+L (⌘L): lock, in any keyboard layout. */
export function isLockShortcut(e: KeyLike): boolean {
  return (e.ctrlKey || e.metaKey) && !e.altKey && !e.shiftKey && letterOf(e) === 'l';
}

/** The letter of an Alt+letter shortcut (Alt alone, no Ctrl, ⌘ or Shift), or null. */
export function altLetter(e: KeyLike): string | null {
  if (!e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) return null;
  const l = letterOf(e);
  return /^[a-z]$/.test(l) ? l : null;
}

/**
 * Arrow keys inside a group that is one Tab stop (the incident kinds): the index that gets the
 * focus next, or null when the key is not for the group. Wraps around at both ends.
 */
export function rovingIndex(key: string, index: number, count: number): number | null {
  if (count <= 0) return null;
  switch (key) {
    case 'ArrowDown':
    case 'ArrowRight':
      return (index + 1) % count;
    case 'ArrowUp':
    case 'ArrowLeft':
      return (index - 1 + count) % count;
    case 'Home':
      return 0;
    case 'End':
      return count - 1;
    default:
      return null;
  }
}

/**
 * The editor's keydown handler on its <form>: swallows implicit submission and turns Ctrl+S into a
 * normal submit (so validation and the one save path run).
 */
export function editorKeys(form: () => HTMLFormElement | null) {
  return (e: KeyboardEvent) => {
    if (isSaveShortcut(e)) {
      e.preventDefault();
      form()?.requestSubmit();
    } else if (isImplicitSubmit(e, e.target)) {
      e.preventDefault();
    }
  };
}
