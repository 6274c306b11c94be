import type { CommandLine } from './command-line.js';

/**
 * Extra reasons to refuse a command line typed into an interactive shell.
 *
 * An exec command is re-quoted before it is forwarded; a typed line cannot
 * be: the shell runs the characters it holds. So what an interactive shell
 * expands beyond `parseCommandLine`'s rules is refused too (history
 * expansion `!`, `^old^new`, brace and bracket expansion), and so are the
 * builtins that change how later lines are read or what a word runs
 * (aliases, key bindings, shell options, `eval`, `source`, variables):
 * after `alias ls='rm -rf /tmp/x'` an allowed `ls` would not be `ls`.
 */
const SHELL_STATE_BUILTINS = new Set([
  'alias',
  'unalias',
  'bind',
  'bindkey',
  'zle',
  'stty',
  'set',
  'setopt',
  'unsetopt',
  'shopt',
  'eval',
  'source',
  '.',
  'fc',
  'r',
  'history',
  'trap',
  'enable',
  'builtin',
  'export',
  'declare',
  'typeset',
  'readonly',
  'local',
  'unset',
  'hash',
  'autoload',
  'complete',
  'compdef',
]);

export function typedCommandProblems(text: string, line: CommandLine): string[] {
  const problems: string[] = [];
  if (/^\s*\^/.test(text)) problems.push('history substitution (^old^new) is not supported');
  let quote: "'" | '"' | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === '\\' && quote !== "'") {
      i++;
      continue;
    }
    if (quote === null && (c === "'" || c === '"')) quote = c;
    else if (quote === c) quote = null;
    else if (c === '!' && quote !== "'") problems.push('history expansion (!) is not supported');
    else if (quote === null && '{}[]'.includes(c))
      problems.push('brace and bracket expansion ({ } [ ]) is not supported in a typed line');
  }
  const first = text.trim().split(/\s+/)[0] ?? '';
  for (const word of [first, line.program]) {
    if (SHELL_STATE_BUILTINS.has(word))
      problems.push(`${word} changes how the shell reads later lines: use exec for it`);
  }
  return [...new Set(problems)];
}
