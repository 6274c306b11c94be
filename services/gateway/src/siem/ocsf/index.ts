export { toOcsf, type OcsfEvent } from './map-event.js';
export { OCSF_VERSION } from './ocsf-classes.js';
export {
  approvalFactsOf,
  sessionFactsOf,
  type ApprovalFacts,
  type OcsfContext,
  type SessionFacts,
} from './event-facts.js';
