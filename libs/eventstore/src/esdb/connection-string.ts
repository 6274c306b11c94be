/**
 * What logs and errors may say about the store: scheme and hosts, never the
 * `user:password@` part of `esdb://admin:changeit@host:2113?tls=false`.
 */
export function describeConnectionString(connectionString: string): string {
  const match = /^([a-z+]+):\/\/(?:[^@/?]*@)?([^/?]*)/i.exec(connectionString.trim());
  return match ? `${match[1]!.toLowerCase()} ${match[2]}` : 'esdb (unparsable connection string)';
}

/**
 * Names the connection after the gateway instance (ESDB shows it in its
 * logs and connection stats), unless the string already sets one.
 */
export function withConnectionName(connectionString: string, gatewayInstance: string | undefined): string {
  if (!gatewayInstance || /[?&]connectionName=/i.test(connectionString)) return connectionString;
  const separator = connectionString.includes('?') ? '&' : '?';
  return `${connectionString}${separator}connectionName=${encodeURIComponent(`portcullis-${gatewayInstance}`)}`;
}
