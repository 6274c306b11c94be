import { roleRefusal, type CallerRole } from '../../auth/api-caller-auth.js';
import type { ConsoleConfig } from '../../config/gateway-config.js';

/**
 * The console's roles, as ApiCallerAuth checks them for the API: the
 * same role names, group rule (roleRefusal) and refusal reasons, with the
 * console's group lists (`console.auditorGroups` and `console.adminGroups`,
 * which default to the `api.` ones). `what` names what the role opens.
 */
export function consoleAuditorRole(config: ConsoleConfig | undefined, what: string): CallerRole {
  return { name: 'auditor', configKey: 'console.auditorGroups', what, groups: config?.auditorGroups ?? [] };
}

export function consoleAdminRole(config: ConsoleConfig | undefined, what: string): CallerRole {
  return { name: 'admin', configKey: 'console.adminGroups', what, groups: config?.adminGroups ?? [] };
}

/** Who sees the sessions pages: auditors or admins, as for `GET /api/sessions`. */
export const SESSIONS_PAGES = 'the sessions pages';
export const sessionReaderRoles = (config: ConsoleConfig | undefined): [CallerRole, CallerRole] => [
  consoleAuditorRole(config, SESSIONS_PAGES),
  consoleAdminRole(config, SESSIONS_PAGES),
];

/** Who sees the compliance pages: auditors or admins (the REST compliance reports are the auditors'). */
export const COMPLIANCE_PAGES = 'the compliance pages';
export const complianceReaderRoles = (config: ConsoleConfig | undefined): [CallerRole, CallerRole] => [
  consoleAuditorRole(config, COMPLIANCE_PAGES),
  consoleAdminRole(config, COMPLIANCE_PAGES),
];

/** Who terminates sessions from the console: admins, as for `POST /api/sessions/:id/terminate`. */
export const TERMINATING_SESSIONS = 'terminating sessions';
export const terminatorRoles = (config: ConsoleConfig | undefined): [CallerRole] => [
  consoleAdminRole(config, TERMINATING_SESSIONS),
];

/** Whether `groups` give one of `roles`, by the API's own group rule (roleRefusal). */
export function hasRole(groups: readonly string[], roles: readonly [CallerRole, ...CallerRole[]]): boolean {
  return roleRefusal(groups, roles, roles[0].what) === undefined;
}
