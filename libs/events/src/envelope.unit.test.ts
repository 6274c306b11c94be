import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isPortcullisError, ErrorCode } from './errors.js';
import { formatPosition, parsePosition } from './envelope.js';

describe('positions in text', () => {
  it('parsePosition reads what formatPosition writes', () => {
    for (const position of [
      { commit: 0n, prepare: 0n },
      { commit: 771n, prepare: 12n },
      { commit: 18446744073709551615n, prepare: 18446744073709551615n },
    ]) {
      assert.deepEqual(parsePosition(formatPosition(position)), position);
    }
  });

  it('refuses anything else with a validation error naming the input', () => {
    for (const text of ['', '12', '12/', '/3', '-1/2', '1/2/3', '1.5/2', 'start', '0x1/2']) {
      assert.throws(
        () => parsePosition(text, '--from'),
        (error: unknown) => isPortcullisError(error, ErrorCode.Validation) && /--from/.test(error.message),
        text,
      );
    }
  });
});
