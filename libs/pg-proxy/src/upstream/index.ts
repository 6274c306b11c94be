export { authenticateUpstream, type UpstreamCredentials, type UpstreamSession } from './upstream-auth.js';
export { type UpstreamTlsOptions } from './upstream-tls.js';
export { UpstreamAuthenticationError, UpstreamConnectionError } from './upstream-errors.js';
export {
  clientFinal,
  clientFirst,
  parseServerFirst,
  verifyServerFinal,
  type ClientFinal,
  type ClientFirst,
  type ServerFirst,
} from './scram.js';
