export * from './errors.js';
export * from './streams.js';
export * from './identity.js';
export * from './catalog/index.js';
export * from './envelope.js';
export { canonicalJson } from './canonical-json.js';
export {
  GENESIS_HASH,
  contentHash,
  encodeForChain,
  type ChainEncoding,
  linkHash,
  hashEvent,
  StreamChainVerifier,
  type ChainBreak,
  type ChainProblem,
  type HashableEvent,
} from './hash-chain.js';
export { assertValidEvent } from './validation.js';
export { UpcasterRegistry, catalogUpcasters, type Upcaster } from './upcasting.js';
export { eventCatalogJsonSchema } from './json-schema.js';
