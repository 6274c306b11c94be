import { createHash } from 'node:crypto';

/**
 * The answer to AuthenticationMD5Password: `md5` + md5(md5(password + user) + salt), hex.
 * Kept for old servers; PostgreSQL itself deprecates md5 in favour of SCRAM.
 */
export function md5PasswordResponse(user: string, password: string, salt: Buffer): string {
  const inner = createHash('md5').update(password).update(user).digest('hex');
  return 'md5' + createHash('md5').update(inner).update(salt).digest('hex');
}
