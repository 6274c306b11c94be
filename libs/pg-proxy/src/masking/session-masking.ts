import { createMasker } from '@portcullis/masking';
import { openCatalogConnection, type CatalogConnection } from './catalog-connection.js';
import type { CatalogEpoch } from './catalog-epoch.js';
import { ColumnCatalog } from './column-catalog.js';
import { ColumnSensitivity } from './column-sensitivity.js';
import { connectUpstream } from '../connection/connect-upstream.js';
import type { StatementContext } from '../statements/decide-statement.js';
import type { PgProxyOptions } from '../listener/proxy-options.js';
import { ResultMasking } from './result-masking.js';

/**
 * One session's result masking and the catalog connection behind it. The
 * catalog connection is opened on first need (a RowDescription with table
 * OIDs the cache does not know) with the proxy's upstream credentials, and
 * reopened if it dies; `close()` ends it with the session.
 */
export function sessionMasking(
  options: Pick<PgProxyOptions, 'upstream' | 'maskingKey'>,
  context: StatementContext,
  epoch: CatalogEpoch,
): { masking: ResultMasking; close(): void } {
  let connection: Promise<CatalogConnection> | undefined;
  let closed = false;
  const connect = (): Promise<CatalogConnection> => {
    if (closed) return Promise.reject(new Error('session closed'));
    if (connection === undefined) {
      const opening = openCatalogConnection(() => connectUpstream(options.upstream, 'catalog'));
      connection = opening;
      opening.then(
        (c) => c.onClose(() => connection === opening && (connection = undefined)),
        () => connection === opening && (connection = undefined),
      );
    }
    return connection;
  };
  const masker = createMasker(options.maskingKey ? { hashKey: options.maskingKey } : {});
  const masking = new ResultMasking(
    new ColumnCatalog(connect),
    new ColumnSensitivity(context),
    masker,
    options.maskingKey !== undefined,
    epoch,
  );
  return {
    masking,
    close() {
      closed = true;
      connection?.then((c) => c.close()).catch(() => undefined);
    },
  };
}
