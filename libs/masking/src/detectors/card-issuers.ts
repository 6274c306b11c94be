/**
 * Issuer identification number ranges and the lengths each network issues.
 * A digit run that passes Luhn but starts with no known IIN (order numbers,
 * timestamps, phone numbers happen to pass one time in ten) is not a card.
 */
interface IssuerRange {
  readonly network: string;
  readonly from: number;
  readonly to: number;
  /** How many leading digits `from`/`to` describe. */
  readonly prefixLength: number;
  readonly lengths: readonly number[];
}

const SIXTEEN_TO_NINETEEN = [16, 17, 18, 19];

const RANGES: readonly IssuerRange[] = [
  { network: 'visa', from: 4, to: 4, prefixLength: 1, lengths: [13, 16, 19] },
  { network: 'mastercard', from: 51, to: 55, prefixLength: 2, lengths: [16] },
  { network: 'mastercard', from: 2221, to: 2720, prefixLength: 4, lengths: [16] },
  { network: 'amex', from: 34, to: 34, prefixLength: 2, lengths: [15] },
  { network: 'amex', from: 37, to: 37, prefixLength: 2, lengths: [15] },
  { network: 'discover', from: 6011, to: 6011, prefixLength: 4, lengths: SIXTEEN_TO_NINETEEN },
  { network: 'discover', from: 644, to: 649, prefixLength: 3, lengths: SIXTEEN_TO_NINETEEN },
  { network: 'discover', from: 65, to: 65, prefixLength: 2, lengths: SIXTEEN_TO_NINETEEN },
  { network: 'diners', from: 300, to: 305, prefixLength: 3, lengths: [14, 15, 16, 17, 18, 19] },
  { network: 'diners', from: 36, to: 36, prefixLength: 2, lengths: [14, 15, 16, 17, 18, 19] },
  { network: 'diners', from: 38, to: 39, prefixLength: 2, lengths: [14, 15, 16, 17, 18, 19] },
  { network: 'jcb', from: 3528, to: 3589, prefixLength: 4, lengths: SIXTEEN_TO_NINETEEN },
  { network: 'unionpay', from: 62, to: 62, prefixLength: 2, lengths: SIXTEEN_TO_NINETEEN },
  { network: 'mir', from: 2200, to: 2204, prefixLength: 4, lengths: SIXTEEN_TO_NINETEEN },
  ...[5018, 5020, 5038, 5893, 6304, 6759, 6761, 6762, 6763].map((prefix) => ({
    network: 'maestro',
    from: prefix,
    to: prefix,
    prefixLength: 4,
    lengths: [13, 14, 15, 16, 17, 18, 19],
  })),
];

/** Whether `digits` starts with a known IIN and has a length that network issues. */
export function hasKnownIssuer(digits: string): boolean {
  for (const range of RANGES) {
    if (!range.lengths.includes(digits.length)) continue;
    const prefix = Number(digits.slice(0, range.prefixLength));
    if (prefix >= range.from && prefix <= range.to) return true;
  }
  return false;
}
