/**
 * One counter per proxy, bumped when any of its sessions changed the
 * catalog (a DDL tag, and again when the transaction that ran it ended): the
 * sessions' column caches compare it on each result and start over when it
 * moved. Without it, a second connection of the same client could redefine a
 * view that the first one has cached as harmless. DDL run outside the proxy
 * (straight on the server) is not seen: see the README's limits.
 */
export class CatalogEpoch {
  private current = 0;

  get value(): number {
    return this.current;
  }

  bump(): void {
    this.current++;
  }
}
