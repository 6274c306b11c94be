/**
 * Sample Microsoft Entra ID access-token claim sets, shaped after the
 * claims reference (learn.microsoft.com/entra/identity-platform/access-token-claims-reference).
 * Ids are made up; the shapes are what Entra issues. Times are filled in
 * by the test so the tokens are current.
 *
 * What tells the cases apart:
 * - v1 tokens: `iss` https://sts.windows.net/{tid}/ (trailing slash), `ver`
 *   "1.0", the client in `appid`.
 * - v2 tokens: `iss` https://login.microsoftonline.com/{tid}/v2.0, `ver`
 *   "2.0", the client in `azp`.
 * - app-only (client credentials, a service principal): `idtyp` "app" when
 *   that optional claim is enabled; no `scp`; `sub` equals `oid`; app
 *   permissions in `roles`.
 * - delegated (a user signed in through an app): `scp` holds the delegated
 *   scopes; `sub` is a pairwise id, unlike `oid`; user names present.
 */
export const CONTOSO_TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
export const FABRIKAM_TENANT = 'b9a1c2d3-0000-4e5f-8a9b-0c1d2e3f4a5b';

export const GATEWAY_AUDIENCE = 'api://portcullis-gateway';
/** The calling app (the CI pipeline's app registration). */
export const DEPLOYER_CLIENT_ID = '1f1d7a4c-6b2e-4b0e-9c43-5a2b8f0e7d11';
/** The deployer's service principal object id in the Contoso tenant. */
export const DEPLOYER_SP_OID = '5b2c7e0a-3f44-4c1a-8d6e-2a9f4b7c1e30';
export const ADA_USER_OID = '0d8c2f4e-7a19-4b3d-9e21-6c5a8b7f3d42';

export function entraV2Issuer(tenant: string): string {
  return `https://login.microsoftonline.com/${tenant}/v2.0`;
}
export function entraV1Issuer(tenant: string): string {
  return `https://sts.windows.net/${tenant}/`;
}

function lifetime(nowSeconds: number) {
  return { iat: nowSeconds - 60, nbf: nowSeconds - 60, exp: nowSeconds + 3600 };
}

/** v2, client credentials, with the `idtyp` optional claim enabled. */
export function entraV2ServicePrincipal(
  nowSeconds: number,
  tenant = CONTOSO_TENANT,
): Record<string, unknown> {
  return {
    aud: GATEWAY_AUDIENCE,
    iss: entraV2Issuer(tenant),
    ...lifetime(nowSeconds),
    aio: 'E2ZgYJj+dPl/2ZmR9Xv5v3dNNg8PAA==',
    azp: DEPLOYER_CLIENT_ID,
    azpacr: '1',
    idtyp: 'app',
    oid: DEPLOYER_SP_OID,
    rh: '0.AXgAv4j5cvGGr0GRqy180BHbRysXdG5WvkNIn6TmajkbIuN4AAA.',
    roles: ['Portcullis.Db.Read', 'Portcullis.Ssh.Deploy'],
    groups: ['a1d0c6e8-2c4b-4e0a-9f1d-3b5e7a9c0d12'],
    sub: DEPLOYER_SP_OID,
    tid: tenant,
    uti: 'X0qBvQ1iS0mZr3bq2Y9ZAA',
    ver: '2.0',
  };
}

/** v2, client credentials, without `idtyp` (the optional claim is off by default). */
export function entraV2ServicePrincipalWithoutIdtyp(nowSeconds: number): Record<string, unknown> {
  const { idtyp: _idtyp, ...claims } = entraV2ServicePrincipal(nowSeconds);
  return claims;
}

/** v2, delegated: a user signed in to an app that calls the gateway. */
export function entraV2User(nowSeconds: number): Record<string, unknown> {
  return {
    aud: GATEWAY_AUDIENCE,
    iss: entraV2Issuer(CONTOSO_TENANT),
    ...lifetime(nowSeconds),
    aio: 'AVQAq/8TAAAA',
    azp: DEPLOYER_CLIENT_ID,
    azpacr: '0',
    name: 'Ada Lovelace',
    oid: ADA_USER_OID,
    preferred_username: 'ada@contoso.example',
    rh: '0.AXgAv4j5cvGGr0GRqy180BHbRysXdG5WvkNIn6TmajkbIuN4AGk.',
    scp: 'Db.Access',
    groups: ['c3f4e5d6-1a2b-4c3d-8e9f-0a1b2c3d4e5f'],
    sub: 'Jm3cFq2y0pkeAFfQ0X4xvGp5cA7s3E1T1yCq8vQ2mWs',
    tid: CONTOSO_TENANT,
    uti: 'b2H7c4l0hUqJ8pS7Vw1VAA',
    ver: '2.0',
  };
}

/** v1, client credentials (an app registration still on v1 tokens). */
export function entraV1ServicePrincipal(nowSeconds: number): Record<string, unknown> {
  return {
    aud: GATEWAY_AUDIENCE,
    iss: entraV1Issuer(CONTOSO_TENANT),
    ...lifetime(nowSeconds),
    aio: 'E2ZgYPiV8nH1x7Yv9X+t2fdLAA==',
    appid: DEPLOYER_CLIENT_ID,
    appidacr: '1',
    idp: entraV1Issuer(CONTOSO_TENANT),
    oid: DEPLOYER_SP_OID,
    rh: '0.AXgAv4j5cvGGr0GRqy180BHbRysXdG5WvkNIn6TmajkbIuN4AAA.',
    roles: ['Portcullis.Db.Read'],
    sub: DEPLOYER_SP_OID,
    tid: CONTOSO_TENANT,
    uti: 'wm5p3m6qXU2pQ0fVb0JzAA',
    ver: '1.0',
  };
}

/** v1, delegated: a user with MFA through an app. */
export function entraV1User(nowSeconds: number): Record<string, unknown> {
  return {
    aud: GATEWAY_AUDIENCE,
    iss: entraV1Issuer(CONTOSO_TENANT),
    ...lifetime(nowSeconds),
    acr: '1',
    amr: ['pwd', 'mfa'],
    appid: DEPLOYER_CLIENT_ID,
    appidacr: '0',
    family_name: 'Lovelace',
    given_name: 'Ada',
    ipaddr: '203.0.113.7',
    name: 'Ada Lovelace',
    oid: ADA_USER_OID,
    scp: 'Db.Access',
    sub: 'l3_roISQU222bULS9yi2k0XpqpOiMz5H3ZACo1GeXA',
    tid: CONTOSO_TENANT,
    unique_name: 'ada@contoso.example',
    upn: 'ada@contoso.example',
    ver: '1.0',
  };
}

/** v2 user in more groups than fit: Entra points at Graph instead of listing them. */
export function entraV2UserWithGroupsOverage(nowSeconds: number): Record<string, unknown> {
  const { groups: _groups, ...claims } = entraV2User(nowSeconds);
  return {
    ...claims,
    _claim_names: { groups: 'src1' },
    _claim_sources: {
      src1: { endpoint: `https://graph.microsoft.com/v1.0/users/${ADA_USER_OID}/getMemberObjects` },
    },
  };
}
