// `oidc-provider` ships no type declarations. This is the little of its
// surface that startOidcProvider() touches; it stays internal to
// test-support, so no public type here mentions the package.
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  export interface ProviderClaimsToken {
    readonly clientId?: string;
    readonly accountId?: string;
  }

  export default class Provider {
    constructor(issuer: string, configuration: Record<string, unknown>);
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    on(event: string, listener: (...args: unknown[]) => void): this;
  }
}
