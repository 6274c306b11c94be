import { Query } from '@nestjs/cqrs';
import type {
  ApprovalServiceLevels,
  CommandPage,
  IdentityPage,
  SensitiveAccessPage,
} from './compliance.views.js';
import type { ComplianceFilter, PageRequest } from './paging.js';

export const OUTCOMES = ['allow', 'deny', 'review'] as const;
export const COMMAND_STATUSES = [
  'received',
  'forwarded',
  'completed',
  'failed',
  'blocked',
  'unknown',
] as const;

export interface CommandFilter extends ComplianceFilter {
  readonly outcome?: (typeof OUTCOMES)[number];
  readonly status?: (typeof COMMAND_STATUSES)[number];
  readonly session?: string;
}

export class ListCommandsQuery extends Query<CommandPage> {
  constructor(
    readonly filter: CommandFilter,
    readonly page: PageRequest,
  ) {
    super();
  }
}

/** `target`: identities that reached it; `from`/`to`: identities active in that time. */
export class ListIdentitiesQuery extends Query<IdentityPage> {
  constructor(
    readonly filter: ComplianceFilter,
    readonly page: PageRequest,
  ) {
    super();
  }
}

export class ListSensitiveAccessQuery extends Query<SensitiveAccessPage> {
  constructor(
    readonly filter: ComplianceFilter & { readonly column?: string },
    readonly page: PageRequest,
  ) {
    super();
  }
}

/** Over approvals requested in [from, to). */
export class ApprovalServiceLevelsQuery extends Query<ApprovalServiceLevels> {
  constructor(readonly filter: { target?: string; group?: string; from?: string; to?: string }) {
    super();
  }
}
