import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findMatches } from './find-hits.js';
import { jwtDetector } from './jwt.js';

const find = (text: string) => findMatches(jwtDetector, text);
const signed =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c';
const unsigned = 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZ2VudC03In0.';

describe('JWT detector', () => {
  it('finds signed and unsigned tokens', () => {
    assert.deepEqual(find(signed), [signed]);
    assert.deepEqual(find(unsigned), [unsigned]);
  });

  it('finds a token inside a header line', () => {
    assert.deepEqual(find(`Authorization: Bearer ${signed}\r\n`), [signed]);
  });

  it('rejects a header without alg, a header that is not JSON, and dotted versions', () => {
    assert.deepEqual(find('eyJ0eXAiOiJKV1QifQ.eyJzdWIiOiJhZ2VudC03In0.abc'), []);
    assert.deepEqual(find('eyJhbGciOi.eyJzdWIiOiJ4In0.abc'), []);
    assert.deepEqual(find('1.2.3'), []);
    assert.deepEqual(find('keyJhbGciOiJub25lIn0.eyJzdWIiOiJhZ2VudC03In0.'), []);
  });
});
