import type { StartupMessage } from '../protocol/messages.js';
import type { ProxyTarget } from '../listener/proxy-options.js';
import { SessionRefusal, SqlState } from './session-refusal.js';

export interface ClientStartup {
  /** The user name the client gave: informative only, the token says who it is. */
  readonly user: string;
  readonly applicationName: string | undefined;
}

/**
 * Step 2: the StartupMessage. The database must be the target's name.
 * Startup parameters are NOT passed upstream (only application_name is):
 * `options` could set server settings behind policy's back, `replication`
 * switches to another protocol, and the proxy reads client text as UTF-8, so
 * client_encoding stays UTF8 upstream.
 */
export function checkStartup(startup: StartupMessage, target: ProxyTarget): ClientStartup {
  const { major, minor } = startup.protocolVersion;
  if (major !== 3 || minor !== 0) {
    throw refusal('protocol_violation', `protocol ${major}.${minor} requested`, SqlState.FeatureNotSupported);
  }
  const parameters = startup.parameters;
  const database = parameters.database ?? parameters.user ?? '';
  if (database !== target.name) {
    throw new SessionRefusal(
      'unknown_database',
      `client asked for database ${JSON.stringify(database)}`,
      SqlState.InvalidDatabase,
      `database "${database}" does not exist`,
    );
  }
  const replication = parameters.replication;
  if (replication !== undefined && !['false', 'off', 'no', '0'].includes(replication.toLowerCase())) {
    throw refusal('unsupported', 'replication connections are not supported', SqlState.FeatureNotSupported);
  }
  for (const name of Object.keys(parameters)) {
    if (name.startsWith('_pq_.')) {
      throw refusal('unsupported', `protocol extension ${name} requested`, SqlState.FeatureNotSupported);
    }
  }
  return { user: parameters.user ?? '', applicationName: parameters.application_name };
}

function refusal(reason: string, detail: string, sqlState: string): SessionRefusal {
  return new SessionRefusal(reason, detail, sqlState, `unsupported startup: ${detail}`);
}
