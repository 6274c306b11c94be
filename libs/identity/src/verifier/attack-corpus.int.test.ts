import assert from 'node:assert/strict';
import { createHmac, createPublicKey, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { CompactSign, EncryptJWT } from 'jose';
import type { RejectionReason } from '../rejection.js';
import {
  CONTOSO_TENANT,
  entraV2Issuer,
  entraV2ServicePrincipal,
  FABRIKAM_TENANT,
  GATEWAY_AUDIENCE,
} from '../testing/entra-fixtures.js';
import { newKey, startLocalIssuer, type LocalIssuer } from '../testing/local-issuer.js';
import { createTokenVerifier, type TokenVerifier } from './token-verifier.js';

const ISSUER = 'https://idp.portcullis.test';
const AUDIENCE = 'api://portcullis';
const b64 = (value: string | Buffer) => Buffer.from(value).toString('base64url');

/**
 * Every token here is an attack or a near miss; each must be refused with
 * its own typed reason, and no rejection detail may echo the token.
 */
describe('attack corpus', () => {
  let keys: LocalIssuer;
  let attacker: LocalIssuer;
  let verifier: TokenVerifier;
  const now = () => Math.floor(Date.now() / 1000);
  const claims = (extra: Record<string, unknown> = {}) => ({
    iss: ISSUER,
    aud: AUDIENCE,
    sub: 'ci-deployer',
    client_id: 'ci-deployer',
    iat: now() - 10,
    exp: now() + 300,
    ...extra,
  });

  before(async () => {
    keys = await startLocalIssuer('RS256');
    attacker = await startLocalIssuer('RS256');
    verifier = createTokenVerifier([
      { issuer: ISSUER, audiences: [AUDIENCE], jwksUrl: keys.jwksUrl },
      { issuer: entraV2Issuer(CONTOSO_TENANT), audiences: [GATEWAY_AUDIENCE], jwksUrl: keys.jwksUrl },
    ]);
  });
  after(async () => {
    await keys.stop();
    await attacker.stop();
  });

  async function expectRejected(token: string, reason: RejectionReason): Promise<void> {
    const result = await verifier.verify(token);
    assert.equal(result.ok ? 'accepted' : result.reason, reason);
    assert.ok(!result.ok);
    const signature = token.split('.')[2] ?? '';
    assert.ok(!result.detail.includes(token), 'detail must not contain the token');
    assert.ok(
      signature.length < 8 || !result.detail.includes(signature),
      'detail must not contain the signature',
    );
  }

  /** Signs exact header and payload bytes with the issuer's real key. */
  async function signRaw(header: Record<string, unknown>, payload: string, critical: string[] = []) {
    return new CompactSign(Buffer.from(payload))
      .setProtectedHeader({ alg: 'RS256', kid: keys.kid, ...header })
      .sign(keys.privateKey, { crit: Object.fromEntries(critical.map((name) => [name, true])) });
  }

  it('accepts the well-formed baseline, so each refusal below is about its one change', async () => {
    const result = await verifier.verify(await keys.sign(claims()));
    assert.ok(result.ok, result.ok ? '' : `${result.reason}: ${result.detail}`);
  });

  it('alg: none, with and without a signature', async () => {
    const unsigned = `${b64(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${b64(JSON.stringify(claims()))}`;
    await expectRejected(`${unsigned}.`, 'algorithm_not_allowed');
    await expectRejected(`${unsigned}.${b64('garbage')}`, 'algorithm_not_allowed');
    const upper = `${b64(JSON.stringify({ alg: 'None' }))}.${b64(JSON.stringify(claims()))}.`;
    await expectRejected(upper, 'algorithm_not_allowed');
  });

  it('HS256 "signed" with the issuer’s RSA public key as the HMAC secret', async () => {
    const pem = createPublicKey({ key: keys.publicJwk, format: 'jwk' }).export({
      type: 'spki',
      format: 'pem',
    });
    for (const secret of [String(pem), JSON.stringify(keys.publicJwk)]) {
      const input = `${b64(JSON.stringify({ alg: 'HS256', kid: keys.kid }))}.${b64(JSON.stringify(claims()))}`;
      const mac = createHmac('sha256', secret).update(input).digest('base64url');
      await expectRejected(`${input}.${mac}`, 'algorithm_not_allowed');
    }
  });

  it('expired, and not yet valid by nbf or iat, beyond the clock skew', async () => {
    await expectRejected(await keys.sign(claims({ exp: now() - 120 })), 'expired');
    await expectRejected(await keys.sign(claims({ nbf: now() + 120 })), 'not_yet_valid');
    await expectRejected(await keys.sign(claims({ iat: now() + 120 })), 'not_yet_valid');
    // Inside the 60 s skew, clocks that disagree a little still work.
    assert.ok((await verifier.verify(await keys.sign(claims({ exp: now() - 30, nbf: now() + 30 })))).ok);
  });

  it('no lifetime at all', async () => {
    const { exp: _exp, ...withoutExp } = claims();
    await expectRejected(await keys.sign(withoutExp), 'missing_claim');
  });

  it('wrong audience', async () => {
    await expectRejected(await keys.sign(claims({ aud: 'api://some-other-service' })), 'wrong_audience');
    await expectRejected(await keys.sign(claims({ aud: [] })), 'wrong_audience');
  });

  it('wrong issuer, and an issuer differing only by a trailing slash', async () => {
    await expectRejected(await keys.sign(claims({ iss: 'https://evil.example' })), 'wrong_issuer');
    await expectRejected(await keys.sign(claims({ iss: `${ISSUER}/` })), 'wrong_issuer');
  });

  it('unknown kid', async () => {
    const stranger = await newKey('RS256', 'kid-nobody-published');
    const token = `${b64(JSON.stringify({ alg: 'RS256', kid: stranger.kid }))}.${b64(JSON.stringify(claims()))}`;
    const signed = await new CompactSign(Buffer.from(JSON.stringify(claims())))
      .setProtectedHeader({ alg: 'RS256', kid: stranger.kid })
      .sign(stranger.privateKey);
    await expectRejected(signed, 'unknown_key');
    await expectRejected(`${token}.${b64('x')}`, 'unknown_key');
  });

  it('signed by another key under the issuer’s own kid', async () => {
    const forged = await new CompactSign(Buffer.from(JSON.stringify(claims())))
      .setProtectedHeader({ alg: 'RS256', kid: keys.kid })
      .sign(attacker.privateKey);
    await expectRejected(forged, 'bad_signature');
  });

  it('truncated', async () => {
    const token = await keys.sign(claims());
    await expectRejected(token.slice(0, -10), 'bad_signature');
    await expectRejected(token.slice(0, token.lastIndexOf('.')), 'malformed');
    await expectRejected(token.slice(0, token.indexOf('.') + 5), 'malformed');
  });

  it('a 100 KB token', async () => {
    await expectRejected(await keys.sign(claims({ padding: 'A'.repeat(100 * 1024) })), 'too_large');
  });

  it('a JWE instead of a JWS', async () => {
    const jwe = await new EncryptJWT(claims())
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', kid: keys.kid })
      .encrypt(randomBytes(32));
    await expectRejected(jwe, 'encrypted_token');
  });

  it('jku and x5u pointing at the attacker’s keys are never fetched', async () => {
    for (const header of [{ jku: attacker.jwksUrl }, { x5u: attacker.jwksUrl }]) {
      await expectRejected(await attacker.sign(claims(), header), 'unknown_key');
    }
    assert.equal(attacker.jwksRequests, 0);
  });

  it('an embedded jwk header does not bring its key in', async () => {
    await expectRejected(await attacker.sign(claims(), { jwk: attacker.publicJwk }), 'unknown_key');
    await expectRejected(
      await attacker.sign(claims(), { jwk: attacker.publicJwk, kid: keys.kid }),
      'bad_signature',
    );
  });

  it('duplicate claim names, validly signed', async () => {
    const body = JSON.stringify(claims({ aud: 'api://elsewhere' })).replace(/}$/, `,"aud":"${AUDIENCE}"}`);
    await expectRejected(await signRaw({}, body), 'duplicate_claim');
  });

  it('a critical header we do not understand, validly signed', async () => {
    const token = await signRaw(
      { crit: ['x-portcullis-step-up'], 'x-portcullis-step-up': true },
      JSON.stringify(claims()),
      ['x-portcullis-step-up'],
    );
    await expectRejected(token, 'unsupported_critical_header');
  });

  it('a token for another tenant of the same provider, signed by that provider’s shared keys', async () => {
    const fabrikam = await keys.sign(entraV2ServicePrincipal(now(), FABRIKAM_TENANT));
    await expectRejected(fabrikam, 'wrong_tenant');
    const contoso = await verifier.verify(await keys.sign(entraV2ServicePrincipal(now())));
    assert.ok(contoso.ok, 'the same claims from the configured tenant pass');
  });
});
