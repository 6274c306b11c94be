import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CONTENT_SECURITY_POLICY } from '../auth/console-http.js';
import type { ConsoleSession } from '../auth/console-user.js';
import { recordingSection } from './recording-section.js';

const session = (roles: { admin?: boolean; auditor?: boolean }): ConsoleSession => ({
  id: 'id',
  csrfToken: 'csrf',
  expiresAtMs: 0,
  flash: undefined,
  user: {
    caller: { subject: 'alice', issuer: 'https://idp', groups: [] },
    name: 'alice',
    tenantId: undefined,
    admin: roles.admin ?? false,
    auditor: roles.auditor ?? false,
  },
});

describe('recordingSection', () => {
  it('embeds the player for auditors and admins, with the one CSP addition it needs', () => {
    for (const roles of [{ auditor: true }, { admin: true }]) {
      const { body, policy } = recordingSection('s-1', { recorded: true }, session(roles));
      assert.match(body.text, /data-cast="\/console\/sessions\/s-1\/recording\.cast"/);
      assert.match(body.text, /src="\/console\/assets\/asciinema-player\.js"/);
      assert.doesNotMatch(body.text, /<script>|style="/, 'nothing inline');
      assert.equal(
        policy,
        CONTENT_SECURITY_POLICY.replace("script-src 'self'", "script-src 'self' 'wasm-unsafe-eval'"),
      );
    }
  });

  it('says there is no recording, or that only auditors and admins may play it; no player, the default CSP', () => {
    const none = recordingSection('s-1', { recorded: false }, session({ auditor: true }));
    assert.match(none.body.text, /No recording/);
    const refused = recordingSection('s-1', { recorded: true }, session({}));
    assert.match(refused.body.text, /Only auditors and admins/);
    for (const { body, policy } of [none, refused]) {
      assert.equal(policy, undefined);
      assert.doesNotMatch(body.text, /data-cast|asciinema-player/);
    }
  });
});
