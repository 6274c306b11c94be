export {
  DEFAULT_UNAUTHENTICATED_LIMITS,
  UnauthenticatedConnections,
  type Admission,
  type RefusalLogger,
  type UnauthenticatedLimits,
} from './admission/unauthenticated-connections.js';
