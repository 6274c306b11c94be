import { roleRefusal, type CallerRole } from '../../auth/api-caller-auth.js';
import type { ConsoleConfig } from '../../config/gateway-config.js';

/** The console's roles: `console.auditorGroups` and `console.adminGroups` (each defaults to its `api.` key). */
export function consoleRoles(config: ConsoleConfig | undefined): {
  readonly auditor: CallerRole;
  readonly admin: CallerRole;
} {
  return {
    auditor: {
      name: 'auditor',
      configKey: 'console.auditorGroups',
      what: 'the compliance pages',
      groups: config?.auditorGroups ?? [],
    },
    admin: {
      name: 'admin',
      configKey: 'console.adminGroups',
      what: 'administering the console',
      groups: config?.adminGroups ?? [],
    },
  };
}

/** Whether `groups` give `role`, by the API's own group rule (roleRefusal). */
export function hasRole(groups: readonly string[], role: CallerRole): boolean {
  return roleRefusal(groups, [role], role.what) === undefined;
}
