// Command-line arguments of `npm run ops -- <command>`: positionals and `--name value`,
// `--name=value` or `--flag` options, each declared by its command. Pure: no process, no I/O.

export type OptionKind = 'string' | 'integer' | 'boolean';

export interface OptionSpec {
  kind: OptionKind;
  /** The value's placeholder in the help, e.g. `<file>`. */
  value?: string;
  description: string;
  /** Allowed values of a string option. */
  choices?: readonly string[];
}

export interface PositionalSpec {
  name: string;
  description: string;
  required: boolean;
}

export interface CommandSpec {
  name: string;
  summary: string;
  /** Paragraphs shown by `<command> --help` under the usage line. */
  details?: string[];
  positionals: PositionalSpec[];
  options: Record<string, OptionSpec>;
  /** Example invocations (after `npm run ops --`). */
  examples?: string[];
}

export interface ParsedArgs {
  positionals: string[];
  options: Record<string, string | bigint | boolean | undefined>;
  help: boolean;
}

/** A mistake in the command line: shown with the command's usage, exit status 2. */
export class UsageError extends Error {
  constructor(message: string, readonly command?: CommandSpec) {
    super(message);
    this.name = 'UsageError';
  }
}

export function parseArgs(spec: CommandSpec, argv: readonly string[]): ParsedArgs {
  const positionals: string[] = [];
  const options: ParsedArgs['options'] = {};
  let help = false;
  let onlyPositionals = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (onlyPositionals || !arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    if (arg === '--') {
      onlyPositionals = true;
      continue;
    }
    if (arg === '--help' || arg === '-h') {
      help = true;
      continue;
    }
    if (!arg.startsWith('--')) throw new UsageError(`unknown option "${arg}" (options are written --name)`, spec);
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    const option = spec.options[name];
    if (!option) {
      const known = Object.keys(spec.options);
      throw new UsageError(`unknown option "--${name}" for ${spec.name}${known.length ? `; it takes ${known.map((k) => `--${k}`).join(', ')}` : ''}`, spec);
    }
    if (name in options) throw new UsageError(`--${name} is given twice`, spec);
    if (option.kind === 'boolean') {
      if (eq !== -1) throw new UsageError(`--${name} takes no value`, spec);
      options[name] = true;
      continue;
    }
    let value: string;
    if (eq !== -1) value = arg.slice(eq + 1);
    else {
      if (i + 1 >= argv.length || (argv[i + 1].startsWith('--') && argv[i + 1].length > 2)) throw new UsageError(`--${name} needs a value ${option.value ?? ''}`.trim(), spec);
      value = argv[++i];
    }
    options[name] = convert(spec, name, option, value);
  }
  if (!help) {
    const required = spec.positionals.filter((p) => p.required);
    if (positionals.length < required.length) {
      throw new UsageError(`${spec.name} needs ${required.map((p) => `<${p.name}>`).join(' ')}; missing <${required[positionals.length].name}>`, spec);
    }
    if (positionals.length > spec.positionals.length) {
      throw new UsageError(`${spec.name} takes ${spec.positionals.length ? `at most ${spec.positionals.map((p) => `<${p.name}>`).join(' ')}` : 'no arguments'}; unexpected "${positionals[spec.positionals.length]}"`, spec);
    }
  }
  return { positionals, options, help };
}

function convert(spec: CommandSpec, name: string, option: OptionSpec, value: string): string | bigint {
  if (option.kind === 'integer') {
    if (!/^\d+$/.test(value)) throw new UsageError(`--${name} must be a whole number (0 or more), not "${value}"`, spec);
    return BigInt(value);
  }
  if (option.choices && !option.choices.includes(value)) throw new UsageError(`--${name} must be ${option.choices.join(' or ')}, not "${value}"`, spec);
  if (value === '') throw new UsageError(`--${name} needs a value ${option.value ?? ''}`.trim(), spec);
  return value;
}

/** `ops <command> <a> [<b>] [options]` and each option on its own line, for `<command> --help`. */
export function commandHelp(spec: CommandSpec, program = 'npm run ops --'): string {
  const args = spec.positionals.map((p) => (p.required ? `<${p.name}>` : `[${p.name}]`)).join(' ');
  const lines = [`usage: ${program} ${spec.name}${args ? ` ${args}` : ''}${Object.keys(spec.options).length ? ' [options]' : ''}`, '', spec.summary];
  for (const paragraph of spec.details ?? []) lines.push('', ...wrap(paragraph, 100));
  const rows: [string, string][] = [
    ...spec.positionals.map((p): [string, string] => [p.required ? `<${p.name}>` : `[${p.name}]`, p.description]),
    ...Object.entries(spec.options).map(([name, o]): [string, string] => [
      `--${name}${o.kind === 'boolean' ? '' : ` ${o.value ?? (o.kind === 'integer' ? '<n>' : '<value>')}`}`,
      o.description,
    ]),
    ['--help', 'this text'],
  ];
  const width = Math.max(...rows.map(([left]) => left.length));
  lines.push('', ...rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`));
  if (spec.examples?.length) lines.push('', 'examples:', ...spec.examples.map((e) => `  ${program} ${e}`));
  return `${lines.join('\n')}\n`;
}

/** Words of `text` in lines of at most `width` characters (a longer word stands alone). */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

/** The option as a string (undefined when absent). */
export const stringOption = (args: ParsedArgs, name: string) => args.options[name] as string | undefined;
/** The option as a bigint (undefined when absent). */
export const integerOption = (args: ParsedArgs, name: string) => args.options[name] as bigint | undefined;
export const flag = (args: ParsedArgs, name: string) => args.options[name] === true;
