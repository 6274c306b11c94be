import { PacketReader, packetType, SftpOpenFlag, SftpType } from './sftp-packets.js';

/**
 * What a client→server SFTP packet means to the proxy. Operations that name
 * a path and read or change it are decided (`decide`); requests on an open
 * handle are followed to count bytes (`write`, `read`, `close`) or decided on
 * the handle's path (`fsetstat`); metadata look-ups pass; anything unknown
 * is refused (fail closed).
 *
 * Policy sees `argv = ['sftp', operation, path…]`: `get` and `put` (an open
 * for reading / for writing, creating, appending or truncating), `ls` (open a
 * directory), `rm`, `mkdir`, `rmdir`, `rename`, `setstat`, `symlink`, `link`.
 */
export type SftpOperation =
  'get' | 'put' | 'ls' | 'rm' | 'mkdir' | 'rmdir' | 'rename' | 'setstat' | 'symlink' | 'link';

export type SftpRequest =
  | { readonly kind: 'pass' }
  | {
      readonly kind: 'decide';
      readonly id: number;
      readonly operation: SftpOperation;
      readonly paths: string[];
    }
  | {
      readonly kind: 'handle-decide';
      readonly id: number;
      readonly operation: SftpOperation;
      readonly handle: string;
    }
  | { readonly kind: 'write'; readonly handle: string; readonly bytes: number }
  | { readonly kind: 'read'; readonly id: number; readonly handle: string }
  | { readonly kind: 'close'; readonly id: number; readonly handle: string }
  | { readonly kind: 'refuse'; readonly id: number; readonly reason: string };

/** OpenSSH extensions that only read, or act on handles already decided. */
const PASSING_EXTENSIONS = new Set([
  'statvfs@openssh.com',
  'fstatvfs@openssh.com',
  'fsync@openssh.com',
  'limits@openssh.com',
  'expand-path@openssh.com',
  'home-directory',
  'users-groups-by-id@openssh.com',
]);

export function classifyRequest(packet: Buffer): SftpRequest {
  const type = packetType(packet);
  if (type === SftpType.Init) return { kind: 'pass' };
  const reader = new PacketReader(packet);
  const id = reader.uint32();
  try {
    switch (type) {
      case SftpType.Open: {
        const path = reader.string();
        const flags = reader.uint32();
        const writes = SftpOpenFlag.Write | SftpOpenFlag.Append | SftpOpenFlag.Create | SftpOpenFlag.Truncate;
        return { kind: 'decide', id, operation: flags & writes ? 'put' : 'get', paths: [path] };
      }
      case SftpType.Opendir:
        return { kind: 'decide', id, operation: 'ls', paths: [reader.string()] };
      case SftpType.Remove:
        return { kind: 'decide', id, operation: 'rm', paths: [reader.string()] };
      case SftpType.Mkdir:
        return { kind: 'decide', id, operation: 'mkdir', paths: [reader.string()] };
      case SftpType.Rmdir:
        return { kind: 'decide', id, operation: 'rmdir', paths: [reader.string()] };
      case SftpType.Setstat:
        return { kind: 'decide', id, operation: 'setstat', paths: [reader.string()] };
      case SftpType.Rename:
        return { kind: 'decide', id, operation: 'rename', paths: [reader.string(), reader.string()] };
      case SftpType.Symlink: {
        // OpenSSH sends (target, link), the reverse of the draft; policy gets both either way.
        return { kind: 'decide', id, operation: 'symlink', paths: [reader.string(), reader.string()] };
      }
      case SftpType.Fsetstat:
        return { kind: 'handle-decide', id, operation: 'setstat', handle: reader.bytes().toString('hex') };
      case SftpType.Write: {
        const handle = reader.bytes().toString('hex');
        reader.uint64();
        return { kind: 'write', handle, bytes: reader.bytes().length };
      }
      case SftpType.Read:
        return { kind: 'read', id, handle: reader.bytes().toString('hex') };
      case SftpType.Close:
        return { kind: 'close', id, handle: reader.bytes().toString('hex') };
      case SftpType.Readdir:
      case SftpType.Fstat:
      case SftpType.Lstat:
      case SftpType.Stat:
      case SftpType.Realpath:
      case SftpType.Readlink:
        return { kind: 'pass' };
      case SftpType.Extended: {
        const name = reader.string();
        if (name === 'posix-rename@openssh.com')
          return { kind: 'decide', id, operation: 'rename', paths: [reader.string(), reader.string()] };
        if (name === 'hardlink@openssh.com')
          return { kind: 'decide', id, operation: 'link', paths: [reader.string(), reader.string()] };
        if (name === 'lsetstat@openssh.com')
          return { kind: 'decide', id, operation: 'setstat', paths: [reader.string()] };
        if (PASSING_EXTENSIONS.has(name)) return { kind: 'pass' };
        return { kind: 'refuse', id, reason: `SFTP extension ${name} is not supported through the proxy` };
      }
      default:
        return { kind: 'refuse', id, reason: `SFTP request type ${type} is not supported through the proxy` };
    }
  } catch {
    return { kind: 'refuse', id, reason: 'malformed SFTP request' };
  }
}

/** What a server→client packet tells the proxy: a handle for a request, or bytes read. */
export type SftpResponse =
  | { readonly kind: 'handle'; readonly id: number; readonly handle: string }
  | { readonly kind: 'data'; readonly id: number; readonly bytes: number }
  | { readonly kind: 'status'; readonly id: number; readonly code: number }
  | { readonly kind: 'other' };

export function classifyResponse(packet: Buffer): SftpResponse {
  try {
    const type = packetType(packet);
    const reader = new PacketReader(packet);
    if (type === SftpType.Handle)
      return { kind: 'handle', id: reader.uint32(), handle: reader.bytes().toString('hex') };
    if (type === SftpType.Data) return { kind: 'data', id: reader.uint32(), bytes: reader.uint32() };
    if (type === SftpType.Status) return { kind: 'status', id: reader.uint32(), code: reader.uint32() };
  } catch {
    // A malformed answer from the host is the client's problem to report; nothing to count.
  }
  return { kind: 'other' };
}
