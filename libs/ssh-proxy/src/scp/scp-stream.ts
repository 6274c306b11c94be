/**
 * The legacy scp (rcp) protocol, as `scp -t` (sink) and `scp -f` (source)
 * speak it over an exec channel (OpenSSH scp.c): the source sends control
 * lines — `C<mode> <size> <name>\n` then exactly `size` bytes and a `\0`;
 * `D<mode> 0 <name>\n` to enter a directory, `E\n` to leave it,
 * `T<mtime> 0 <atime> 0\n` for times — and waits for a one-byte answer from
 * the sink after each (`\0` ok, `\1`/`\2` + message + `\n` error).
 *
 * This reader follows the source's side of the stream. After a `C` line it
 * stops until the caller gives its verdict: accepted, the data follows;
 * refused, the source (answered with an error) sends no data and goes on
 * with its next line.
 */
export type ScpItem =
  | { readonly kind: 'bytes'; readonly bytes: Buffer }
  /** A file: `name` relative to the path given to scp (which is the file itself, or its directory). */
  | { readonly kind: 'file'; readonly name: string; readonly size: number; readonly line: Buffer }
  | { readonly kind: 'line'; readonly line: Buffer };

const MAX_LINE = 8192;

export class ScpStreamReader {
  private buffer: Buffer = Buffer.alloc(0);
  private dataLeft = 0;
  private awaitingVerdict = false;
  private pendingSize = 0;
  private readonly dirs: string[] = [];

  push(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
  }

  /** The accepted or refused `C` line: data follows only if accepted. */
  verdict(accepted: boolean): void {
    this.awaitingVerdict = false;
    if (accepted) this.dataLeft = this.pendingSize + 1; // the data, then its trailing \0
  }

  /** The next item, or null when more bytes (or a verdict) are needed. Throws on a malformed stream. */
  next(): ScpItem | null {
    if (this.awaitingVerdict || this.buffer.length === 0) return null;
    if (this.dataLeft > 0) {
      const take = Math.min(this.dataLeft, this.buffer.length);
      const bytes = this.buffer.subarray(0, take);
      this.buffer = this.buffer.subarray(take);
      this.dataLeft -= take;
      return { kind: 'bytes', bytes };
    }
    const end = this.buffer.indexOf(0x0a);
    if (end < 0) {
      if (this.buffer.length > MAX_LINE) throw new Error('scp control line too long');
      return null;
    }
    const line = this.buffer.subarray(0, end + 1);
    this.buffer = this.buffer.subarray(end + 1);
    const text = line.toString('utf8', 0, end);
    const kind = text[0];
    if (kind === 'C' || kind === 'D') {
      const match = /^[CD]([0-7]{4}) (\d+) (.+)$/.exec(text);
      if (!match) throw new Error(`malformed scp header ${JSON.stringify(text)}`);
      const name = match[3] as string;
      if (name.includes('/') || name === '..' || name === '.')
        throw new Error(`unsafe scp file name ${JSON.stringify(name)}`);
      if (kind === 'D') {
        this.dirs.push(name);
        return { kind: 'line', line };
      }
      this.pendingSize = Number(match[2]);
      this.awaitingVerdict = true;
      return { kind: 'file', name: [...this.dirs, name].join('/'), size: this.pendingSize, line };
    }
    if (kind === 'E') this.dirs.pop();
    return { kind: 'line', line };
  }
}
