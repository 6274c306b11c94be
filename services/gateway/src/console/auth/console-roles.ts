import type { CallerRole } from '../../auth/api-caller-auth.js';
import type { GatewayConfig } from '../../config/gateway-config.js';

/**
 * The console's roles, as ApiCallerAuth checks them for the API: the
 * same role names and refusal reasons, with the console's group lists
 * (`console.adminGroups` and `console.auditorGroups`, which default to
 * the `api.` ones).
 */
export function consoleAdminRole(config: GatewayConfig, what: string): CallerRole {
  return { name: 'admin', configKey: 'console.adminGroups', what, groups: config.console?.adminGroups ?? [] };
}

export function consoleAuditorRole(config: GatewayConfig, what: string): CallerRole {
  return {
    name: 'auditor',
    configKey: 'console.auditorGroups',
    what,
    groups: config.console?.auditorGroups ?? [],
  };
}

/** Who sees the sessions pages: auditors or admins, as for `GET /api/sessions`. */
export const SESSIONS_PAGES = 'the sessions pages';
export const sessionReaderRoles = (config: GatewayConfig): [CallerRole, CallerRole] => [
  consoleAuditorRole(config, SESSIONS_PAGES),
  consoleAdminRole(config, SESSIONS_PAGES),
];

/** Who terminates sessions from the console: admins, as for `POST /api/sessions/:id/terminate`. */
export const terminatorRoles = (config: GatewayConfig): [CallerRole] => [
  consoleAdminRole(config, 'terminating sessions'),
];
