/**
 * Best-effort reading of an SSH exec command line into what policy decides
 * on (`argv`, `program`, `sudo`), and the exact text the upstream runs.
 *
 * The upstream's login shell interprets the command line, so a line the
 * proxy reads differently from the shell would let a decided command run
 * something else. Two rules keep them equal:
 *  - anything whose meaning depends on the shell (operators, redirections,
 *    expansions, globs, comments, subshells) is a `problem`, and a command
 *    with problems is refused;
 *  - what is forwarded is re-quoted from the words read here, never the
 *    client's text, so the shell has nothing left to interpret.
 */
export interface CommandLine {
  /** The argv policy sees: after `sudo`, `env`, `nohup`, `nice`, `timeout`, `sh -c`. */
  readonly argv: string[];
  readonly program: string;
  readonly sudo: boolean;
  /** Why the line cannot be run as read; empty when it can. */
  readonly problems: string[];
  /** The line as the upstream shell receives it: every word single-quoted where needed. */
  readonly forwarded: string;
}

const SHELLS = new Set(['sh', 'bash', 'dash', 'zsh', 'ksh', 'mksh', 'ash']);
const MAX_NESTING = 4;

export function parseCommandLine(text: string): CommandLine {
  return read(text, 0);
}

function read(text: string, depth: number): CommandLine {
  const { words, problems } = splitWords(text);
  const forwarded = words.map((word, index) => quoteWord(word, index < leadingAssignments(words))).join(' ');
  const unwrapped = unwrap(words.slice(leadingAssignments(words)), problems);
  for (const word of words.slice(0, leadingAssignments(words))) checkAssignment(word, problems);
  let { argv, sudo } = unwrapped;
  const name = baseName(argv[0] ?? '');
  if (SHELLS.has(name) && argv.length > 1) {
    if (argv[1] === '-c') {
      if (depth >= MAX_NESTING) problems.push('shell -c nested too deeply');
      else if (argv.length !== 3) problems.push(`${name} -c takes exactly one command string here`);
      else {
        const inner = read(argv[2] ?? '', depth + 1);
        problems.push(...inner.problems);
        argv = inner.argv;
        sudo = sudo || inner.sudo;
      }
    } else if (argv.slice(1).some((a) => /^-[A-Za-z]*c/.test(a) || a === '--')) {
      problems.push(`${name}: only the plain form "${name} -c '<command>'" is understood`);
    }
  }
  if (argv.length === 0 && problems.length === 0) problems.push('no program to run');
  return { argv, program: argv[0] ?? '', sudo, problems: unique(problems), forwarded };
}

/** POSIX shell word splitting, refusing what only a shell could give meaning to. */
export function splitWords(text: string): { words: string[]; problems: string[] } {
  const words: string[] = [];
  const problems: string[] = [];
  let word: string | null = null;
  const add = (s: string) => (word = (word ?? '') + s);
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    const atWordStart = word === null;
    if (c === ' ' || c === '\t') {
      if (word !== null) words.push(word);
      word = null;
    } else if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) return { words, problems: [...problems, 'unterminated single quote'] };
      add(text.slice(i + 1, end));
      i = end;
    } else if (c === '"') {
      let closed = false;
      add('');
      for (i++; i < text.length; i++) {
        const d = text[i] as string;
        if (d === '"') {
          closed = true;
          break;
        }
        if (d === '\\' && i + 1 < text.length && '$`"\\\n'.includes(text[i + 1] as string)) {
          if (text[i + 1] !== '\n') add(text[i + 1] as string);
          i++;
        } else if (d === '$' || d === '`') {
          problems.push('shell expansion ($, `) is not supported: the command runs exactly as decided');
          add(d);
        } else add(d);
      }
      if (!closed) return { words, problems: [...problems, 'unterminated double quote'] };
    } else if (c === '\\') {
      if (i + 1 >= text.length) problems.push('trailing backslash');
      else if (text[i + 1] !== '\n') add(text[i + 1] as string);
      i++;
    } else if (c === '\n' || c === '\r' || c === ';' || c === '&' || c === '|') {
      problems.push('one command per exec: shell operators (; & | && || newline) are not supported');
      add(c);
    } else if (c === '<' || c === '>') {
      problems.push('redirections (< >) are not supported');
      add(c);
    } else if (c === '$' || c === '`') {
      problems.push('shell expansion ($, `) is not supported: the command runs exactly as decided');
      add(c);
    } else if (c === '(' || c === ')') {
      problems.push('subshells and grouping are not supported');
      add(c);
    } else if (c === '*' || c === '?') {
      problems.push('glob patterns (* ?) are not expanded by the proxy');
      add(c);
    } else if (atWordStart && (c === '~' || c === '#')) {
      problems.push(c === '~' ? 'tilde expansion is not supported' : 'comments (#) are not supported');
      add(c);
    } else add(c);
  }
  if (word !== null) words.push(word);
  return { words, problems };
}

const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;

function leadingAssignments(words: readonly string[]): number {
  let n = 0;
  while (n < words.length && ASSIGNMENT.test(words[n] as string)) n++;
  return n;
}

/**
 * Variables that change which code a command runs (loader, interpreter and
 * shell start-up hooks): with them an allowed `ls` is no longer `ls`.
 */
const DANGEROUS_VARIABLE =
  /^(PATH|IFS|ENV|BASH_ENV|SHELLOPTS|BASHOPTS|PS4|PROMPT_COMMAND|GCONV_PATH|LD_[A-Z_]*|DYLD_[A-Z_]*|BASH_FUNC_.*|NODE_OPTIONS|PYTHON[A-Z_]*|PERL5?(LIB|OPT)|RUBYOPT|RUBYLIB|JAVA_TOOL_OPTIONS)$/;

function checkAssignment(word: string, problems: string[]): void {
  const name = word.slice(0, word.indexOf('='));
  if (DANGEROUS_VARIABLE.test(name)) problems.push(`setting ${name} is not allowed`);
}

/** Strips the wrappers that run another program, recording sudo. */
function unwrap(words: string[], problems: string[]): { argv: string[]; sudo: boolean } {
  let argv = words;
  let sudo = false;
  for (let guard = 0; guard < 16 && argv.length > 0; guard++) {
    const name = baseName(argv[0] as string);
    const rest = argv.slice(1);
    let next: string[] | null;
    if (name === 'sudo') {
      sudo = true;
      next = skipOptions(rest, SUDO, problems, 'sudo');
    } else if (name === 'env') {
      next = skipOptions(rest, ENV, problems, 'env');
      if (next) {
        while (next.length > 0 && ASSIGNMENT.test(next[0] as string)) {
          checkAssignment(next[0] as string, problems);
          next = next.slice(1);
        }
      }
    } else if (name === 'nohup' || name === 'command' || name === 'exec') {
      next = skipOptions(rest, { flags: new Set(['-p']), withValue: new Set() }, problems, name);
    } else if (name === 'nice') {
      next = skipOptions(
        rest,
        { flags: new Set(), withValue: new Set(['-n', '--adjustment']) },
        problems,
        name,
      );
    } else if (name === 'timeout') {
      next = skipOptions(rest, TIMEOUT, problems, name);
      next = next && next.slice(1); // the duration
    } else break;
    if (next === null) return { argv: [], sudo };
    argv = next;
  }
  return { argv, sudo };
}

interface OptionTable {
  readonly flags: ReadonlySet<string>;
  readonly withValue: ReadonlySet<string>;
}

const SUDO: OptionTable = {
  flags: new Set([
    '-E',
    '-H',
    '-n',
    '-P',
    '-S',
    '-b',
    '-A',
    '-B',
    '-N',
    '--preserve-env',
    '--set-home',
    '--non-interactive',
    '--stdin',
    '--background',
  ]),
  withValue: new Set([
    '-u',
    '-g',
    '-C',
    '-D',
    '-h',
    '-p',
    '-r',
    '-t',
    '-T',
    '-U',
    '--user',
    '--group',
    '--chdir',
    '--host',
    '--prompt',
    '--role',
    '--type',
    '--command-timeout',
    '--other-user',
    '--close-from',
  ]),
};
const ENV: OptionTable = {
  flags: new Set(['-i', '-0', '--ignore-environment', '--null', '-']),
  withValue: new Set(['-u', '-C', '--unset', '--chdir']),
};
const TIMEOUT: OptionTable = {
  flags: new Set(['--preserve-status', '--foreground', '-v', '--verbose']),
  withValue: new Set(['-s', '-k', '--signal', '--kill-after']),
};

/** Consumes a wrapper's options; an option it does not know refuses the command (it may change what runs). */
function skipOptions(
  words: string[],
  table: OptionTable,
  problems: string[],
  wrapper: string,
): string[] | null {
  let i = 0;
  while (i < words.length) {
    const word = words[i] as string;
    if (word === '--') return words.slice(i + 1);
    if (!word.startsWith('-') || (word === '-' && !table.flags.has('-'))) break;
    const [option, inlineValue] =
      word.startsWith('--') && word.includes('=') ? [word.slice(0, word.indexOf('=')), true] : [word, false];
    if (table.flags.has(option) && !inlineValue) i++;
    else if (table.withValue.has(option)) i += inlineValue ? 1 : 2;
    else if (/^-[A-Za-z]{2,}$/.test(word) && [...word.slice(1)].every((f) => table.flags.has(`-${f}`))) i++;
    else {
      problems.push(`${wrapper} option ${option} is not supported`);
      return null;
    }
  }
  return words.slice(i);
}

/** Single-quotes a word unless every character is inert to a POSIX shell. */
export function quoteWord(word: string, assignment = false): string {
  if (assignment) {
    const eq = word.indexOf('=');
    return `${word.slice(0, eq + 1)}${quoteWord(word.slice(eq + 1))}`;
  }
  if (word !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

const baseName = (path: string): string => path.slice(path.lastIndexOf('/') + 1);
const unique = (items: string[]): string[] => [...new Set(items)];
