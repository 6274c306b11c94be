import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CONTENT_SECURITY_POLICY } from '../auth/console-http.js';
import { recordingSection } from './recording-section.js';

describe('recordingSection', () => {
  it('embeds the player for a recorded terminal, with the one CSP addition it needs', () => {
    const { body, policy } = recordingSection('s-1', { recorded: true });
    assert.match(body.text, /data-cast="\/console\/sessions\/s-1\/recording\.cast"/);
    assert.match(body.text, /src="\/console\/assets\/asciinema-player\.js"/);
    assert.doesNotMatch(body.text, /<script>|style="/, 'nothing inline');
    assert.equal(
      policy,
      CONTENT_SECURITY_POLICY.replace("script-src 'self'", "script-src 'self' 'wasm-unsafe-eval'"),
    );
  });

  it('says there is no recording; no player, the default CSP', () => {
    const { body, policy } = recordingSection('s-1', { recorded: false });
    assert.match(body.text, /No recording/);
    assert.equal(policy, undefined);
    assert.doesNotMatch(body.text, /data-cast|asciinema-player/);
  });
});
