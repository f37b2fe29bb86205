/** The HTML tag escapes what the store holds; the script helpers keep a script element closed. */
import { describe, expect, it } from 'vitest';
import { escapeHtml, html, toInlineScript, toScriptJson } from './html.js';

describe('html', () => {
  it('escapes the five characters that can start markup or end an attribute', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
  });

  it('escapes interpolated strings and keeps nested html as markup', () => {
    const name = '<b>金卡</b>';
    const items = [html`<li>${name}</li>`, html`<li>${3}</li>`];
    const text = html`<ul>
      ${items}
    </ul>`.text;
    expect(text).toContain('<li>&lt;b&gt;金卡&lt;/b&gt;</li>');
    expect(text).toContain('<li>3</li>');
    expect(text).not.toContain('<b>');
  });

  it('writes JSON no text can close the script element with, and reads back the same', () => {
    const value = { message: '</script><script>alert(1)</script><!--', n: 1 };
    const text = toScriptJson(value).text;
    expect(text).not.toContain('<');
    expect(JSON.parse(text)).toEqual(value);
  });

  it('writes </script inside a script as <\\/script, which JavaScript reads the same', () => {
    const source = 'var s = "</script>"; var r = /<\\/SCRIPT/;';
    const text = toInlineScript(source).text;
    expect(text).not.toMatch(/<\/script/i);
    expect(text).toBe('var s = "<\\/script>"; var r = /<\\/SCRIPT/;');
  });
});
