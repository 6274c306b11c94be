import type { UpstreamSession } from '../upstream/upstream-auth.js';
import { QueryConnection } from '../upstream/query-connection.js';

/**
 * The catalog connection: the proxy's own upstream session reading
 * pg_class, pg_attribute and view definitions while results of the client's
 * session are held back. It sees only committed catalog rows: a relation
 * created in the client's open transaction is not found (and its columns are
 * masked whole).
 */
export type CatalogConnection = QueryConnection;

export function openCatalogConnection(connect: () => Promise<UpstreamSession>): Promise<CatalogConnection> {
  // Read only, and an empty search_path so view definitions come back fully qualified.
  return QueryConnection.open(
    connect,
    'catalog lookup',
    "SET default_transaction_read_only = on; SET search_path = ''; SET standard_conforming_strings = on",
  );
}
