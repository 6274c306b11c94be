import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sessionWindow } from './session-window.js';

const NOW = Date.parse('2026-12-03T18:00:00.000Z');

describe('sessionWindow (the sessions page time filter)', () => {
  it('no times: no window', () => {
    assert.deepEqual(sessionWindow({}, NOW), { ok: true, from: undefined, to: undefined });
  });

  it('a range ends now', () => {
    assert.deepEqual(sessionWindow({ range: '24h' }, NOW), {
      ok: true,
      from: '2026-12-02T18:00:00.000Z',
      to: undefined,
    });
    const hour = sessionWindow({ range: '1h' }, NOW);
    assert.equal(hour.ok && hour.from, '2026-12-03T17:00:00.000Z');
  });

  it('datetime-local input is UTC; an offset is honoured', () => {
    assert.deepEqual(sessionWindow({ from: '2026-12-01T08:30', to: '2026-12-01T10:00:00+01:00' }, NOW), {
      ok: true,
      from: '2026-12-01T08:30:00.000Z',
      to: '2026-12-01T09:00:00.000Z',
    });
  });

  it('refuses what is not a time, naming the field', () => {
    const bad = sessionWindow({ from: 'yesterday' }, NOW);
    assert.equal(bad.ok, false);
    assert.match(!bad.ok ? bad.problem : '', /"yesterday" is not a time for "from"/);
    const notADay = sessionWindow({ to: '2026-02-31T00:00' }, NOW);
    assert.match(!notADay.ok ? notADay.problem : '', /not a time for "to"/);
  });

  it('refuses from at or after to, an unknown range, and a range with times', () => {
    const reversed = sessionWindow({ from: '2026-12-02T00:00', to: '2026-12-01T00:00' }, NOW);
    assert.match(!reversed.ok ? reversed.problem : '', /"From" must be before "to"/);
    const range = sessionWindow({ range: '3w' }, NOW);
    assert.match(!range.ok ? range.problem : '', /must be one of 1h, 24h, 7d/);
    const both = sessionWindow({ range: '1h', from: '2026-12-01T00:00' }, NOW);
    assert.match(!both.ok ? both.problem : '', /either a range or a from\/to time/);
  });
});
