import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isPortcullisError } from '@portcullis/events';
import { createMasker } from './masker.js';
import { maskValue, maskValueBytes } from './mask-value.js';
import { MaskingConfigError } from './masking-error.js';
import { MASK_METHODS } from './mask-method.js';

const key = 'deployment-secret-0123456789abcdef';
const options = { hashKey: key };

describe('redact', () => {
  it('writes the marker whatever the value, keeping not even its length', () => {
    assert.equal(maskValue('4111 1111 1111 1111', 'redact', options), '****');
    assert.equal(maskValue('x', 'redact', options), '****');
    assert.equal(maskValue('', 'redact', options), '****');
  });

  it('uses a configured marker', () => {
    assert.equal(maskValue('secret', 'redact', { redactMarker: '[REDACTED]' }), '[REDACTED]');
  });
});

describe('partial', () => {
  it('keeps the last four digits of a 16-digit card and its separators', () => {
    assert.equal(maskValue('4111 1111 1111 1111', 'partial'), '**** **** **** 1111');
    assert.equal(maskValue('4111-1111-1111-1111', 'partial'), '****-****-****-1111');
    assert.equal(maskValue('4111111111111111', 'partial'), '************1111');
  });

  it('keeps at most a quarter of the digits of shorter numbers', () => {
    assert.equal(maskValue('4222222222222', 'partial'), '**********222'); // 13 digits → 3
    assert.equal(maskValue('378282246310005', 'partial'), '************005'); // 15 digits → 3
  });

  it('keeps the first letter and the domain of an email', () => {
    assert.equal(maskValue('john.doe@example.com', 'partial'), 'j***@example.com');
  });

  it('keeps no letter of a short local part', () => {
    assert.equal(maskValue('joe@example.com', 'partial'), '***@example.com');
  });

  it('hides everything else, and anything shorter than the minimum', () => {
    assert.equal(maskValue('Alice Johnson', 'partial'), '***');
    assert.equal(maskValue('123-45-6789', 'partial'), '***'); // 9 digits: below the digit-shape minimum
    assert.equal(maskValue('a@b.io', 'partial'), '***'); // shorter than 8
    assert.equal(maskValue('12345678', 'partial', { partialMinLength: 20 }), '***');
  });

  it('never reveals more than about a quarter of the characters of a number', () => {
    for (const value of ['4111111111111111', '4222222222222', '6011 0009 9013 9424 123']) {
      const masked = maskValue(value, 'partial')!;
      const revealed = [...masked].filter((c, i) => c === value[i] && /\d/.test(c)).length;
      assert.ok(revealed <= value.replace(/\D/g, '').length / 4, `${value} → ${masked}`);
    }
  });
});

describe('hash', () => {
  it('is 16 lowercase hex characters by default', () => {
    assert.match(maskValue('john@example.com', 'hash', options)!, /^[0-9a-f]{16}$/);
  });

  it('is HMAC-SHA-256 under the key, truncated', async () => {
    const { createHmac } = await import('node:crypto');
    const expected = createHmac('sha256', key).update('john@example.com').digest('hex').slice(0, 16);
    assert.equal(maskValue('john@example.com', 'hash', options), expected);
  });

  it('is stable for equal values, so they still join and group', () => {
    const a = createMasker(options).mask('john@example.com', 'hash');
    const b = createMasker({ hashKey: key }).mask('john@example.com', 'hash');
    assert.equal(a, b);
    assert.notEqual(a, maskValue('jane@example.com', 'hash', options));
  });

  it('differs per key', () => {
    const other = maskValue('john@example.com', 'hash', { hashKey: 'another-deployment-secret-xyz' });
    assert.notEqual(maskValue('john@example.com', 'hash', options), other);
  });

  it('honours a configured length', () => {
    assert.equal(maskValue('x', 'hash', { hashKey: key, hashLength: 32 })!.length, 32);
  });

  it('refuses to run without a key (there is no default key)', () => {
    assert.throws(
      () => maskValue('john@example.com', 'hash', {}),
      (error) => error instanceof MaskingConfigError && isPortcullisError(error, 'VALIDATION'),
    );
  });

  it('refuses short keys and bad lengths when the masker is built', () => {
    assert.throws(() => createMasker({ hashKey: 'short' }), MaskingConfigError);
    assert.throws(() => createMasker({ hashKey: key, hashLength: 7 }), MaskingConfigError);
    assert.throws(() => createMasker({ hashKey: key, hashLength: 66 }), MaskingConfigError);
  });
});

describe('null', () => {
  it('turns any value into SQL NULL', () => {
    assert.equal(maskValue('4111 1111 1111 1111', 'null', options), null);
  });
});

describe('SQL NULL in', () => {
  it('stays NULL under every method', () => {
    for (const method of MASK_METHODS) {
      assert.equal(maskValue(null, method, options), null);
      assert.equal(maskValueBytes(null, method, options), null);
    }
  });
});

describe('the Buffer path', () => {
  const values = [
    '4111 1111 1111 1111',
    'john.doe@example.com',
    'joe@example.com',
    'Alice Johnson',
    'short',
    'Zoë Ångström <zoë@exämple.com>',
    'ünïcödé@example.com',
    '4222222222222',
    '6011-0009-9013-9424',
    'two@signs@example.com',
    'spaced out@example.com',
    'not.an.email@localhost',
    '',
  ];

  it('agrees with the string path for every method', () => {
    const masker = createMasker(options);
    for (const method of MASK_METHODS) {
      for (const value of values) {
        const fromString = masker.mask(value, method);
        const fromBytes = masker.maskBytes(Buffer.from(value, 'utf8'), method);
        assert.equal(
          fromBytes === null ? null : fromBytes.toString('utf8'),
          fromString,
          `${method} ${value}`,
        );
      }
    }
  });

  it('accepts a view into a larger buffer (a DataRow) without copying it first', () => {
    const row = Buffer.from('xx4111 1111 1111 1111yy');
    const masked = maskValueBytes(row.subarray(2, 21), 'partial');
    assert.equal(masked?.toString(), '**** **** **** 1111');
    assert.equal(row.toString(), 'xx4111 1111 1111 1111yy');
  });
});
