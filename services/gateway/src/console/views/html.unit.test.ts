import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { html } from './html.js';

describe('html', () => {
  it('escapes every interpolated value that is not already markup', () => {
    const name = `<script>alert("x")</script>&'`;
    assert.equal(
      html`<p title="${name}">${name}</p>`.text,
      '<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;</p>',
    );
  });

  it('nests markup and lists without escaping them twice, and drops empty values', () => {
    const items = ['a<b', 'c'].map((x) => html`<li>${x}</li>`);
    // prettier-ignore
    assert.equal(html`<ul>${items}${null}${false}${undefined}</ul>`.text, '<ul><li>a&lt;b</li><li>c</li></ul>');
  });
});
