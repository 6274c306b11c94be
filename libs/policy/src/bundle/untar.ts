/**
 * Reads the entries of a POSIX/ustar archive (what `opa build` writes). Only
 * regular files are returned; directories and metadata entries are skipped.
 * Written here because a bundle is a handful of small files and a tar
 * dependency would be the only thing we need it for.
 */
const BLOCK = 512;
const NAME = [0, 100] as const;
const SIZE = [124, 136] as const;
const TYPE_FLAG = 156;
const PREFIX = [345, 500] as const;
const REGULAR = new Set([0x30 /* '0' */, 0x00 /* old tar */]);
const PAX_HEADER = 0x78; // 'x': extended header for the next entry (long names)

export function untar(archive: Buffer): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  let offset = 0;
  let paxPath: string | undefined;
  while (offset + BLOCK <= archive.length) {
    const header = archive.subarray(offset, offset + BLOCK);
    if (header.every((b) => b === 0)) break; // end-of-archive marker
    const size = parseOctal(header.subarray(...SIZE));
    const body = archive.subarray(offset + BLOCK, offset + BLOCK + size);
    if (body.length !== size) throw new Error(`archive truncated inside an entry of ${size} bytes`);
    const type = header[TYPE_FLAG]!;
    if (type === PAX_HEADER) {
      paxPath = parsePaxPath(body);
    } else if (REGULAR.has(type)) {
      const prefix = text(header.subarray(...PREFIX));
      const name =
        paxPath ?? (prefix ? `${prefix}/${text(header.subarray(...NAME))}` : text(header.subarray(...NAME)));
      files.set(name, body);
      paxPath = undefined;
    } else {
      paxPath = undefined;
    }
    offset += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
  }
  return files;
}

function parseOctal(field: Buffer): number {
  const value = text(field).trim();
  if (!/^[0-7]*$/.test(value)) throw new Error(`archive header has a bad size field "${value}"`);
  return value === '' ? 0 : parseInt(value, 8);
}

function text(field: Buffer): string {
  const end = field.indexOf(0);
  return field.subarray(0, end === -1 ? field.length : end).toString('utf8');
}

function parsePaxPath(body: Buffer): string | undefined {
  for (const line of body.toString('utf8').split('\n')) {
    const match = /^\d+ path=(.*)$/.exec(line);
    if (match) return match[1];
  }
  return undefined;
}
