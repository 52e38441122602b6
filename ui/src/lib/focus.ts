/** Svelte action: move keyboard focus to the element when it appears (screen changes). */
export function focusOnMount(node: HTMLElement): void {
  queueMicrotask(() => node.focus());
}
