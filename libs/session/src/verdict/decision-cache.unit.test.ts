import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DecisionCache } from './decision-cache.js';

describe('DecisionCache', () => {
  it('hands a kept value back for the same text, generation and time before its end', () => {
    const cache = new DecisionCache<string>();
    cache.set('SELECT 1', 0, 1_000, 'allow');
    assert.equal(cache.get('SELECT 1', 0, 999), 'allow');
    assert.equal(cache.get('SELECT  1', 0, 999), undefined, 'exact text only');
    assert.deepEqual([cache.hits, cache.misses], [1, 1]);
  });

  it('drops an entry at its end and under another policy generation', () => {
    const cache = new DecisionCache<string>();
    cache.set('a', 0, 1_000, 'x');
    assert.equal(cache.get('a', 0, 1_000), undefined, 'the end is exclusive');
    cache.set('b', 0, 1_000, 'y');
    assert.equal(cache.get('b', 1, 10), undefined);
    assert.equal(cache.get('b', 0, 10), undefined, 'gone once seen under a newer generation');
  });

  it('keeps nothing without an end, or for a text too long', () => {
    const cache = new DecisionCache<string>();
    cache.set('a', 0, undefined, 'x');
    cache.set('x'.repeat(DecisionCache.MAX_TEXT_LENGTH + 1), 0, 1_000, 'y');
    cache.set('b', 0, Number.POSITIVE_INFINITY, 'z');
    assert.equal(cache.size, 0);
  });

  it('is bounded, least recently used first out', () => {
    const cache = new DecisionCache<number>();
    for (let i = 0; i < DecisionCache.MAX_ENTRIES; i++) cache.set(`q${i}`, 0, 1_000, i);
    assert.equal(cache.get('q0', 0, 1), 0); // q0 is now the most recent
    cache.set('new', 0, 1_000, -1);
    assert.equal(cache.size, DecisionCache.MAX_ENTRIES);
    assert.equal(cache.get('q1', 0, 1), undefined, 'the least recently used went');
    assert.equal(cache.get('q0', 0, 1), 0);
    assert.equal(cache.get('new', 0, 1), -1);
  });
});
