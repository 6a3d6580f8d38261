/**
 * DOM building without HTML strings. Text from users only ever becomes Text nodes (append of a
 * string) or attribute values (setAttribute), never markup: this file is why the demo has no
 * innerHTML anywhere.
 */

export type Child = Node | string | null | undefined | false;
export type Attrs = Record<string, string | number | boolean | null | undefined>;

/** Creates `<tag attrs>children</tag>`; attributes that are null, undefined or false are left out. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children) {
    if (child !== null && child !== undefined && child !== false) element.append(child);
  }
  return element;
}

/** The element with this id, checked to be of the expected class (the page's skeleton is static). */
export function byId<T extends HTMLElement>(id: string, type: new () => T): T {
  const element = document.getElementById(id);
  if (!(element instanceof type)) throw new Error(`demo: #${id} is missing from index.html`);
  return element;
}

/** The closest ancestor (or self) of an event target that carries `data-action`. */
export function actionTarget(event: Event): HTMLElement | null {
  const target = event.target;
  if (!(target instanceof Element)) return null;
  const found = target.closest('[data-action]');
  return found instanceof HTMLElement ? found : null;
}
