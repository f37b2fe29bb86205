/**
 * A tagged template for HTML that escapes every interpolated string, so no text from the store
 * (a tier name, an alert message, a community description) can become markup. Only values that
 * are already SafeHtml (built by this tag) pass through as they are.
 */

export class SafeHtml {
  constructor(readonly text: string) {}

  toString(): string {
    return this.text;
  }
}

export type HtmlValue = string | number | SafeHtml | readonly SafeHtml[] | null | undefined;

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for an HTML text node or a quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

function renderValue(value: HtmlValue): string {
  if (value === null || value === undefined) return '';
  if (value instanceof SafeHtml) return value.text;
  if (Array.isArray(value)) return (value as readonly SafeHtml[]).map((v) => v.text).join('');
  return escapeHtml(String(value));
}

/**
 * @example html`<td>${tier.name_zh}</td>` // the name escaped; nested html`` values kept as markup
 */
export function html(strings: TemplateStringsArray, ...values: readonly HtmlValue[]): SafeHtml {
  let text = strings[0] ?? '';
  values.forEach((value, index) => {
    text += renderValue(value) + (strings[index + 1] ?? '');
  });
  return new SafeHtml(text);
}

/**
 * JSON for a `<script type="application/json">` element: `<` is written as \u003c so no text
 * can close the element (`</script>`) or open a comment; JSON.parse reads it back unchanged.
 */
export function toScriptJson(value: unknown): SafeHtml {
  return new SafeHtml(JSON.stringify(value).replace(/</g, '\\u003c'));
}

/**
 * A script's source for an inline `<script>` element. `</script` can only occur inside a string
 * or regular expression literal of valid code, where `<\/script` means the same.
 */
export function toInlineScript(source: string): SafeHtml {
  return new SafeHtml(source.replace(/<\/(script)/gi, '<\\/$1'));
}
