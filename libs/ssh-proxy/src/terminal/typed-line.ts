import { StringDecoder } from 'node:string_decoder';

/**
 * Reads what a client types into an interactive shell, keystroke by
 * keystroke, to know the command line at the moment Enter is pressed.
 *
 * It models a readline-like editor (emacs keys, the default of bash, zsh
 * and dash's tty): insertion at a cursor, backspace, Ctrl-U/K/W, Ctrl-A/E/B/F,
 * Delete, Home/End and the left/right arrows. What it cannot know — the
 * text tab completion adds, a line recalled from history (up/down, Ctrl-R,
 * Ctrl-P/N), a yank, a transpose, meta keys, any other control key — marks
 * the line `unreadable`, and the caller refuses an unreadable line rather
 * than guess. Bracketed-paste markers are removed from what is forwarded, so
 * the shell sees a paste as typed keys and every pasted line is decided
 * when its own Enter arrives.
 *
 * Limits (honest): this reads keys, not the shell. Key bindings, macros,
 * vi mode, aliases and functions change what a key or word does upstream,
 * and a program that reads the terminal (an editor, `cat`, a heredoc) gets
 * its lines decided as if they were commands.
 */
export type TypedInput =
  /** Bytes to forward as they are. */
  | { readonly kind: 'bytes'; readonly bytes: Buffer }
  /** An Enter key: the line it would run, and the key itself (forwarded only if allowed). */
  | { readonly kind: 'enter'; readonly line: string; readonly unreadable?: string; readonly key: Buffer };

const ESC = 0x1b;
const ENTER_KEYS = new Set([0x0d, 0x0a, 0x0f]); // CR, LF (Ctrl-J) and Ctrl-O (operate-and-get-next) all accept a line
const PASTE_START = '[200~';
const PASTE_END = '[201~';

/** Control keys whose effect on the line is not modelled. */
const UNREAD_CONTROLS: Readonly<Record<number, string>> = {
  0x09: 'tab completion',
  0x0e: 'history (Ctrl-N)',
  0x10: 'history (Ctrl-P)',
  0x12: 'history search (Ctrl-R)',
  0x13: 'history search (Ctrl-S)',
  0x14: 'transpose (Ctrl-T)',
  0x16: 'quoted insert (Ctrl-V)',
  0x18: 'a Ctrl-X key sequence',
  0x19: 'yank (Ctrl-Y)',
  0x1d: 'character search (Ctrl-])',
  0x1f: 'undo (Ctrl-_)',
};

export class TypedLineReader {
  private chars: string[] = [];
  private cursor = 0;
  private unreadable: string | undefined;
  private readonly decoder = new StringDecoder('utf8');
  /** An escape sequence in progress (it may span chunks), as text after ESC. */
  private escape: string | null = null;
  private escapeSplit = false;

  /** The line as typed so far (for tests and messages). */
  get line(): string {
    return this.chars.join('');
  }

  feed(chunk: Buffer): TypedInput[] {
    const out: TypedInput[] = [];
    let from = 0; // first byte not yet emitted
    const flush = (to: number) => {
      // subarray, not a copy: the chunk is not reused by the channel after 'data'.
      if (to > from) out.push({ kind: 'bytes', bytes: chunk.subarray(from, to) });
      from = to;
    };
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i] as number;
      if (this.escape !== null) {
        this.escape += String.fromCharCode(byte);
        const done = escapeComplete(this.escape);
        if (!done) continue;
        const sequence = this.escape;
        this.escape = null;
        if (sequence === PASTE_START || sequence === PASTE_END) {
          if (this.escapeSplit) this.markUnreadable('a bracketed paste split across packets');
          else {
            // Drop the marker: the shell reads the paste as typed keys.
            const start = i + 1 - (sequence.length + 1);
            flush(start);
            from = i + 1;
          }
        } else this.escapeKey(sequence);
        this.escapeSplit = false;
        continue;
      }
      if (byte === ESC) {
        this.escape = '';
        continue;
      }
      if (ENTER_KEYS.has(byte)) {
        flush(i);
        out.push({
          kind: 'enter',
          line: this.line,
          ...(this.unreadable ? { unreadable: this.unreadable } : {}),
          key: chunk.subarray(i, i + 1),
        });
        from = i + 1;
        this.reset();
        continue;
      }
      this.key(byte);
    }
    flush(chunk.length);
    if (this.escape !== null) this.escapeSplit = true;
    return out;
  }

  /** After a refused line the proxy erases it upstream: start empty. */
  reset(): void {
    this.chars = [];
    this.cursor = 0;
    this.unreadable = undefined;
  }

  private key(byte: number): void {
    switch (byte) {
      case 0x7f: // DEL: what Backspace sends
      case 0x08: // Ctrl-H
        if (this.cursor > 0) this.chars.splice(--this.cursor, 1);
        return;
      case 0x15: // Ctrl-U: kill back to the start
        this.chars.splice(0, this.cursor);
        this.cursor = 0;
        return;
      case 0x0b: // Ctrl-K: kill to the end
        this.chars.splice(this.cursor);
        return;
      case 0x17: {
        // Ctrl-W: the whitespace-delimited word before the cursor
        let start = this.cursor;
        while (start > 0 && /\s/.test(this.chars[start - 1] as string)) start--;
        while (start > 0 && !/\s/.test(this.chars[start - 1] as string)) start--;
        this.chars.splice(start, this.cursor - start);
        this.cursor = start;
        return;
      }
      case 0x01: // Ctrl-A
        this.cursor = 0;
        return;
      case 0x05: // Ctrl-E
        this.cursor = this.chars.length;
        return;
      case 0x02: // Ctrl-B
        this.cursor = Math.max(0, this.cursor - 1);
        return;
      case 0x06: // Ctrl-F
        this.cursor = Math.min(this.chars.length, this.cursor + 1);
        return;
      case 0x04: // Ctrl-D: EOF on an empty line, else delete under the cursor
        this.chars.splice(this.cursor, 1);
        return;
      case 0x03: // Ctrl-C: the shell discards the line
        this.reset();
        return;
      case 0x0c: // Ctrl-L redraws; Ctrl-Z, Ctrl-\ signal: the line is unchanged
      case 0x1a:
      case 0x1c:
      case 0x07:
        return;
    }
    if (byte < 0x20) {
      this.markUnreadable(UNREAD_CONTROLS[byte] ?? `control key 0x${byte.toString(16).padStart(2, '0')}`);
      return;
    }
    const text = this.decoder.write(Buffer.of(byte));
    for (const char of text) this.chars.splice(this.cursor++, 0, char);
  }

  private escapeKey(sequence: string): void {
    switch (sequence) {
      case '[C':
      case 'OC':
        this.cursor = Math.min(this.chars.length, this.cursor + 1);
        return;
      case '[D':
      case 'OD':
        this.cursor = Math.max(0, this.cursor - 1);
        return;
      case '[H':
      case 'OH':
      case '[1~':
      case '[7~':
        this.cursor = 0;
        return;
      case '[F':
      case 'OF':
      case '[4~':
      case '[8~':
        this.cursor = this.chars.length;
        return;
      case '[3~':
        this.chars.splice(this.cursor, 1);
        return;
      case '[A':
      case 'OA':
      case '[B':
      case 'OB':
        this.markUnreadable('history recall (up/down)');
        return;
      default:
        this.markUnreadable(`escape sequence ${JSON.stringify('\\e' + sequence)}`);
    }
  }

  private markUnreadable(why: string): void {
    this.unreadable ??= why;
  }
}

/** Whether `text` (what followed ESC) is a whole key: CSI (ESC [ … final), SS3 (ESC O x), or meta (ESC x). */
function escapeComplete(text: string): boolean {
  const first = text.charCodeAt(0);
  if (text.length > 32) return true; // not a key: stop collecting (it is unreadable)
  if (text === '[' || text === 'O') return false;
  if (first === 0x5b /* [ */) {
    const last = text.charCodeAt(text.length - 1);
    return text.length > 1 && last >= 0x40 && last <= 0x7e;
  }
  return text.length >= (first === 0x4f /* O */ ? 2 : 1);
}
