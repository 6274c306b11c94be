import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  complianceReaderRoles,
  consoleAdminRole,
  consoleAuditorRole,
  hasRole,
  sessionReaderRoles,
  terminatorRoles,
} from '../console/auth/console-roles.js';
import { roleRefusal, type CallerRole } from './api-caller-auth.js';

const role = (name: 'auditor' | 'admin', groups: string[]): CallerRole => ({
  name,
  configKey: `api.${name}Groups`,
  what: 'the thing',
  groups,
});

describe('roleRefusal: the one group rule of the API and the console', () => {
  it('lets a member of any of the roles through', () => {
    assert.equal(
      roleRefusal(['x', 'admins'], [role('auditor', ['auditors']), role('admin', ['admins'])], 'it'),
      undefined,
    );
  });

  it('refuses a caller in none of them, naming every role and config key', () => {
    const refusal = roleRefusal(['x'], [role('auditor', ['auditors']), role('admin', ['admins'])], 'it');
    assert.equal(refusal?.details.reason, 'not_an_auditor_or_admin');
    assert.equal(
      refusal?.message,
      "not an auditor or admin: none of the token's groups is in api.auditorGroups or api.adminGroups",
    );
  });

  it('closes the resource when no role has a group', () => {
    const refusal = roleRefusal(['auditors'], [role('auditor', []), role('admin', [])], 'the pages');
    assert.equal(refusal?.details.reason, 'no_auditor_or_admin_groups');
    assert.match(refusal!.message, /^the pages is closed: no auditor or admin group is configured/);
  });

  it('gives the console its own config keys, and roles by the same rule', () => {
    const config = { issuers: [], adminGroups: ['admins'], auditorGroups: [], sessionTtlSeconds: 1 };
    assert.equal(hasRole(['admins'], [consoleAdminRole(config, 'it')]), true);
    assert.equal(hasRole(['admins'], [consoleAuditorRole(config, 'it')]), false);
    assert.equal(hasRole(['admins'], terminatorRoles(config)), true);
    assert.equal(hasRole(['admins'], sessionReaderRoles(config)), true);
    const roles = complianceReaderRoles(config);
    assert.equal(
      roleRefusal(['x'], roles, 'the compliance pages')?.message,
      "not an auditor or admin: none of the token's groups is in console.auditorGroups or console.adminGroups",
    );
    assert.equal(hasRole(['admins'], terminatorRoles({ ...config, adminGroups: [] })), false);
  });
});
