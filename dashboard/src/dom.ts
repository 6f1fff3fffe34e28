// A tiny element builder: attributes set as attributes (never innerHTML), children appended as nodes or text.

type Attr = string | number | boolean | null | undefined
type Child = Node | string | number | null | undefined | false

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, Attr> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag)
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue
    if (v === true) node.setAttribute(k, '')
    else node.setAttribute(k, String(v))
  }
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue
    node.append(typeof c === 'number' ? String(c) : c)
  }
  return node
}

export function option(value: string, label: string, selected: boolean): HTMLOptionElement {
  const o = el('option', { value }, label)
  o.selected = selected
  return o
}
