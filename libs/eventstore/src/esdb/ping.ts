import type { EventStoreDBClient } from '@eventstore/db-client';
import { StoreUnavailableError } from '../errors.js';
import { readHeadPosition } from './read-head.js';

/** Health checks must answer quickly even when the server does not: a short gRPC deadline. */
export const PING_DEADLINE_MS = 5_000;

/** Reads the last record of `$all`: proves the connection and the read permission the store needs. */
export async function pingStore(client: Pick<EventStoreDBClient, 'readAll'>, store: string): Promise<void> {
  try {
    await readHeadPosition(client, PING_DEADLINE_MS);
  } catch (error) {
    throw new StoreUnavailableError(store, error);
  }
}
