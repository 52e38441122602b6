// A keyboard that counts: real key events sent to whatever has the focus (W3C Actions, as a
// person would press them), never to an element picked by the test. A chord (Ctrl+S, Shift+Tab,
// Alt+V) is one press. Text goes in the way a Khmer input method or a paste commits it (one
// `input` event at the caret of the focused field) and is counted apart, in characters: the issue
// counts navigation keys "besides the text itself".

export const K = {
  TAB: '\uE004',
  ENTER: '\uE007',
  SPACE: '\uE00D',
  SHIFT: '\uE008',
  CONTROL: '\uE009',
  ALT: '\uE00A',
  UP: '\uE013',
  DOWN: '\uE015',
};

const NAMES = { [K.TAB]: 'Tab', [K.ENTER]: 'Enter', [K.SPACE]: 'Space', [K.UP]: 'Up', [K.DOWN]: 'Down' };

export class Keyboard {
  constructor(s) {
    this.s = s;
    this.presses = 0;
    this.chars = 0;
    this.log = [];
  }

  /** One press of `key`, with modifiers held: e.g. press('s', { ctrl: true }). */
  async press(key, { ctrl = false, shift = false, alt = false } = {}) {
    const mods = [ctrl && K.CONTROL, shift && K.SHIFT, alt && K.ALT].filter(Boolean);
    const actions = [
      ...mods.map((m) => ({ type: 'keyDown', value: m })),
      { type: 'keyDown', value: key },
      { type: 'keyUp', value: key },
      ...mods.reverse().map((m) => ({ type: 'keyUp', value: m })),
    ];
    await this.s.cmd('POST', '/actions', { actions: [{ type: 'key', id: 'keyboard', actions }] });
    await this.s.cmd('DELETE', '/actions');
    this.presses += 1;
    const name = NAMES[key] ?? key.toUpperCase();
    this.log.push([ctrl && 'Ctrl', shift && 'Shift', alt && 'Alt', name].filter(Boolean).join('+'));
  }

  async tab(n = 1) {
    for (let i = 0; i < n; i++) await this.press(K.TAB);
  }

  async backTab(n = 1) {
    for (let i = 0; i < n; i++) await this.press(K.TAB, { shift: true });
  }

  async down(n = 1) {
    for (let i = 0; i < n; i++) await this.press(K.DOWN);
  }

  enter() {
    return this.press(K.ENTER);
  }

  space() {
    return this.press(K.SPACE);
  }

  /** The id of the focused element (the tests assert where the keys have led). */
  focused() {
    return this.s.execute('return document.activeElement ? document.activeElement.id : null');
  }

  /** Commits `text` into the focused field, which must be `expectId` (a text field). */
  async text(expectId, text) {
    const got = await this.s.execute(
      `const el = document.activeElement;
       if (!el || !('value' in el) || el.id !== arguments[0]) return el ? el.id || el.tagName : null;
       const at = el.selectionStart ?? el.value.length;
       el.value = el.value.slice(0, at) + arguments[1] + el.value.slice(el.selectionEnd ?? at);
       el.selectionStart = el.selectionEnd = at + arguments[1].length;
       el.dispatchEvent(new InputEvent('input', { bubbles: true, inputType: 'insertText', data: arguments[1] }));
       return true;`,
      [expectId, text],
    );
    if (got !== true) throw new Error(`typing ${JSON.stringify(text)}: the focus is on ${got}, not #${expectId}`);
    this.chars += [...text].length;
  }
}
