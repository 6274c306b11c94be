import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TypedLineReader, type TypedInput } from './typed-line.js';

function enters(inputs: TypedInput[]) {
  return inputs.flatMap((i) => (i.kind === 'enter' ? [{ line: i.line, unreadable: i.unreadable }] : []));
}

function forwarded(inputs: TypedInput[]): string {
  return inputs.map((i) => (i.kind === 'bytes' ? i.bytes.toString('latin1') : '<ENTER>')).join('');
}

const typed = (text: string) => new TypedLineReader().feed(Buffer.from(text, 'utf8'));

describe('TypedLineReader', () => {
  it('holds the Enter key and gives the line it would run', () => {
    const out = typed('ls -l\r');
    assert.deepEqual(enters(out), [{ line: 'ls -l', unreadable: undefined }]);
    assert.equal(forwarded(out), 'ls -l<ENTER>');
  });

  it('treats CR, LF and Ctrl-O as Enter; several lines in one chunk are separate', () => {
    assert.deepEqual(
      enters(typed('a\rb\nc\x0f')).map((e) => e.line),
      ['a', 'b', 'c'],
    );
  });

  it('models editing keys: backspace, Ctrl-U, Ctrl-K, Ctrl-W, Ctrl-A/E, arrows, Home/End, Delete', () => {
    const cases: [string, string][] = [
      ['echo abX\x7fc\r', 'echo abc'],
      ['echo abX\x08c\r', 'echo abc'],
      ['echo safe \x15rm x\r', 'rm x'],
      ['echo one two\x17three\r', 'echo one three'],
      ['cho a\x01e\r', 'echo a'],
      ['echo ab\x1b[Dx\r', 'echo axb'],
      ['echo ab\x1bODx\x1b[Cy\r', 'echo axby'],
      ['cho\x1b[He\x1b[F!\r', 'echo!'],
      ['echo abc\x01\x1b[3~E\r', 'Echo abc'],
      ['echo abc\x02\x02\x0b\r', 'echo a'],
      ['rm -rf /tmp/x\x03echo ok\r', 'echo ok'],
      ['echo h\u00e9llo \u{1f600}\x7f!\r', 'echo h\u00e9llo !'],
    ];
    for (const [keys, line] of cases) assert.equal(enters(typed(keys))[0]?.line, line, JSON.stringify(keys));
  });

  it('marks lines it cannot follow as unreadable: tab, history, search, yank, meta keys', () => {
    const cases: [string, RegExp][] = [
      ['ec\th\r', /tab completion/],
      ['\x1b[A\r', /history recall/],
      ['\x1bOB\r', /history recall/],
      ['\x10\r', /Ctrl-P/],
      ['\x12rm\r', /Ctrl-R/],
      ['x\x19\r', /yank/],
      ['\x1b.\r', /escape sequence/],
      ['\x18\x05\r', /Ctrl-X/],
    ];
    for (const [keys, why] of cases)
      assert.match(enters(typed(keys))[0]?.unreadable ?? '', why, JSON.stringify(keys));
    // The next line starts clean.
    const reader = new TypedLineReader();
    reader.feed(Buffer.from('a\tb\r'));
    assert.deepEqual(enters(reader.feed(Buffer.from('ls\r'))), [{ line: 'ls', unreadable: undefined }]);
  });

  it('removes bracketed-paste markers so each pasted line meets its own Enter', () => {
    const out = typed('\x1b[200~echo a\rrm -rf /x\x1b[201~\r');
    assert.equal(forwarded(out), 'echo a<ENTER>rm -rf /x<ENTER>');
    assert.deepEqual(
      enters(out).map((e) => e.line),
      ['echo a', 'rm -rf /x'],
    );
  });

  it('gives the same lines whatever the chunking (split at every byte)', () => {
    const keys = Buffer.from('echo ab\x1b[Dx\x7f\r\x1b[Ah\r\u00e9t\u00e9\r');
    const whole = enters(new TypedLineReader().feed(keys));
    for (let cut = 1; cut < keys.length; cut++) {
      const reader = new TypedLineReader();
      const split = [...reader.feed(keys.subarray(0, cut)), ...reader.feed(keys.subarray(cut))];
      assert.deepEqual(enters(split), whole, `cut at ${cut}`);
    }
  });

  it('a paste marker split across chunks cannot be removed: the line is unreadable (fail closed)', () => {
    const reader = new TypedLineReader();
    const out = [...reader.feed(Buffer.from('\x1b[20')), ...reader.feed(Buffer.from('0~rm x\r'))];
    assert.match(enters(out)[0]?.unreadable ?? '', /bracketed paste/);
  });
});
