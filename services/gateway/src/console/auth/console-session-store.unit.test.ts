import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConsoleSessionStore } from './console-session-store.js';
import type { ConsoleUser } from './console-user.js';

const user: ConsoleUser = {
  caller: { subject: 'alice', issuer: 'https://idp', groups: ['dba'] },
  name: 'alice',
  tenantId: undefined,
  admin: false,
  auditor: false,
};

describe('ConsoleSessionStore', () => {
  it('finds a session by its id until it expires, and not after sign-out', () => {
    const store = new ConsoleSessionStore();
    const session = store.create(user, Date.now() + 60_000);
    assert.equal(store.get(session.id), session);
    assert.notEqual(session.csrfToken, session.id);
    assert.equal(store.get(session.id, Date.now() + 61_000), undefined, 'expired');
    const other = store.create(user, Date.now() + 60_000);
    store.delete(other.id);
    assert.equal(store.get(other.id), undefined);
    assert.equal(store.get(undefined), undefined);
    assert.equal(store.get('guessed'), undefined);
  });

  it('lets a sign-in in flight finish once', () => {
    const store = new ConsoleSessionStore();
    const id = store.beginSignIn({
      issuerIndex: 0,
      state: 's',
      nonce: 'n',
      codeVerifier: 'v',
      returnTo: '/console/sessions',
    });
    assert.equal(store.takeSignIn(id)?.state, 's');
    assert.equal(store.takeSignIn(id), undefined, 'a replayed callback finds nothing');
  });
});
