import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCommandLine, quoteWord, splitWords } from './command-line.js';

describe('splitWords', () => {
  it('splits on blanks and honours single quotes, double quotes and backslashes', () => {
    assert.deepEqual(splitWords(`echo "a  b" 'c d' e\\ f "x\\"y" ''`), {
      words: ['echo', 'a  b', 'c d', 'e f', 'x"y', ''],
      problems: [],
    });
  });

  it('keeps shell metacharacters literal inside single quotes', () => {
    assert.deepEqual(splitWords(`grep 'a|b;$(c)*' f`).words, ['grep', 'a|b;$(c)*', 'f']);
    assert.deepEqual(splitWords(`grep 'a|b;$(c)*' f`).problems, []);
  });

  for (const [text, problem] of [
    ['ls; rm x', /one command per exec/],
    ['ls && rm x', /one command per exec/],
    ['ls | sh', /one command per exec/],
    ['ls &', /one command per exec/],
    ['ls\nrm x', /one command per exec/],
    ['echo x > /etc/passwd', /redirections/],
    ['echo $(rm x)', /shell expansion/],
    ['echo `rm x`', /shell expansion/],
    ['echo "$HOME"', /shell expansion/],
    ['ls *.log', /glob/],
    ['cat ~/.ssh/id_rsa', /tilde/],
    ['ls # comment', /comments/],
    ['(rm x)', /subshells/],
    ["echo 'open", /unterminated single quote/],
    ['echo "open', /unterminated double quote/],
  ] as const) {
    it(`refuses ${JSON.stringify(text)}`, () => {
      assert.ok(
        splitWords(text).problems.some((p) => problem.test(p)),
        splitWords(text).problems.join('; '),
      );
    });
  }
});

describe('parseCommandLine', () => {
  it('reads a plain command', () => {
    const line = parseCommandLine('tail -n 100 /var/log/syslog');
    assert.deepEqual(line.argv, ['tail', '-n', '100', '/var/log/syslog']);
    assert.equal(line.program, 'tail');
    assert.equal(line.sudo, false);
    assert.deepEqual(line.problems, []);
    assert.equal(line.forwarded, 'tail -n 100 /var/log/syslog');
  });

  it('unwraps sudo with its options, and env with assignments', () => {
    const line = parseCommandLine('sudo -u www-data -E env -i LANG=C FOO=bar systemctl restart nginx');
    assert.deepEqual(line.argv, ['systemctl', 'restart', 'nginx']);
    assert.equal(line.sudo, true);
    assert.deepEqual(line.problems, []);
    assert.deepEqual(parseCommandLine('sudo -- rm -rf /').argv, ['rm', '-rf', '/']);
    assert.deepEqual(parseCommandLine('/usr/bin/sudo -nE shutdown now').argv, ['shutdown', 'now']);
  });

  it('unwraps nohup, nice, timeout and leading assignments', () => {
    assert.deepEqual(parseCommandLine('timeout -s KILL 5 nice -n 10 nohup rm -rf /').argv, [
      'rm',
      '-rf',
      '/',
    ]);
    const assigned = parseCommandLine("LANG=C TZ='Europe/Paris x' date");
    assert.deepEqual(assigned.argv, ['date']);
    assert.equal(assigned.forwarded, "LANG=C TZ='Europe/Paris x' date");
  });

  it('decides on the inner command of sh -c / bash -c', () => {
    const line = parseCommandLine(`bash -c 'sudo shutdown -h now'`);
    assert.deepEqual(line.argv, ['shutdown', '-h', 'now']);
    assert.equal(line.sudo, true);
    assert.equal(line.forwarded, `bash -c 'sudo shutdown -h now'`);
    assert.match(parseCommandLine(`sh -c 'ls; rm -rf /'`).problems.join(), /one command per exec/);
    assert.match(parseCommandLine(`bash -lc 'rm -rf /'`).problems.join(), /only the plain form/);
  });

  it('refuses unknown wrapper options and variables that change what runs', () => {
    assert.match(parseCommandLine(`env -S 'rm -rf /'`).problems.join(), /env option -S is not supported/);
    assert.match(parseCommandLine('sudo -s rm -rf /').problems.join(), /sudo option -s is not supported/);
    assert.match(parseCommandLine('LD_PRELOAD=/tmp/x.so ls').problems.join(), /setting LD_PRELOAD/);
    assert.match(parseCommandLine('env PATH=/tmp ls').problems.join(), /setting PATH/);
    assert.match(parseCommandLine('').problems.join(), /no program/);
    assert.match(parseCommandLine('sudo').problems.join(), /no program/);
  });

  it('forwards a re-quoted line, so the host shell interprets nothing', () => {
    assert.equal(parseCommandLine(`echo "a  b" 'it''s' x\\ y`).forwarded, `echo 'a  b' its 'x y'`);
    assert.equal(parseCommandLine(`grep 'a|b' f`).forwarded, `grep 'a|b' f`);
    assert.equal(quoteWord(`it's`), `'it'\\''s'`);
    assert.equal(quoteWord(''), `''`);
  });
});
