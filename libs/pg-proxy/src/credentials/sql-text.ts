/** A quoted identifier, as quote_ident() would write it. */
export function identifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** A string literal for a connection with standard_conforming_strings on. */
export function literal(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
