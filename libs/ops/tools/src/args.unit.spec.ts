import { CommandSpec, UsageError, commandHelp, parseArgs, wrap } from './args';
import { COMMANDS, mainHelp, runOps } from './cli';
import { OpsIo } from './io';

const spec: CommandSpec = {
  name: 'demo',
  summary: 'A demo command.',
  details: ['A long paragraph '.repeat(12).trim()],
  positionals: [
    { name: 'tenant', description: 'the tenant', required: true },
    { name: 'dir', description: 'a directory', required: false },
  ],
  options: {
    revision: { kind: 'integer', value: '<n>', description: 'a revision' },
    format: { kind: 'string', value: '<csv|json>', choices: ['csv', 'json'], description: 'the format' },
    out: { kind: 'string', value: '<file>', description: 'a file' },
    replace: { kind: 'boolean', description: 'a flag' },
  },
  examples: ['demo apinfer --format json'],
};

const usageError = (argv: string[]) => {
  try {
    parseArgs(spec, argv);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error(`no usage error for ${argv.join(' ')}`);
};

describe('parseArgs', () => {
  it('reads positionals and options in every form, anywhere on the line', () => {
    expect(parseArgs(spec, ['apinfer', '--revision', '12', '--format=json', 'data', '--replace', '--out', '-'])).toEqual({
      positionals: ['apinfer', 'data'],
      options: { revision: 12n, format: 'json', replace: true, out: '-' },
      help: false,
    });
    // After --, everything is a positional, even what looks like an option.
    expect(parseArgs(spec, ['--', '--weird-id']).positionals).toEqual(['--weird-id']);
    // Revisions beyond 2^53 stay exact.
    expect(parseArgs(spec, ['t', '--revision', '9007199254740993']).options.revision).toBe(9007199254740993n);
  });

  it('answers help without checking the rest', () => {
    expect(parseArgs(spec, ['--help']).help).toBe(true);
    expect(parseArgs(spec, ['-h', '--revision', '3']).help).toBe(true);
  });

  it('refuses what it does not know, with the reason', () => {
    expect(usageError([])).toBe('demo needs <tenant>; missing <tenant>');
    expect(usageError(['a', 'b', 'c'])).toMatch(/takes at most <tenant> <dir>; unexpected "c"/);
    expect(usageError(['a', '--nope'])).toMatch(/unknown option "--nope" for demo; it takes --revision, --format, --out, --replace/);
    expect(usageError(['a', '-x'])).toMatch(/unknown option "-x"/);
    expect(usageError(['a', '--revision', 'ten'])).toBe('--revision must be a whole number (0 or more), not "ten"');
    expect(usageError(['a', '--revision', '-1'])).toBe('--revision must be a whole number (0 or more), not "-1"');
    expect(usageError(['a', '--revision'])).toBe('--revision needs a value <n>');
    expect(usageError(['a', '--format', 'xml'])).toBe('--format must be csv or json, not "xml"');
    expect(usageError(['a', '--replace=yes'])).toBe('--replace takes no value');
    expect(usageError(['a', '--out', 'x', '--out', 'y'])).toBe('--out is given twice');
    expect(usageError(['a', '--out='])).toBe('--out needs a value <file>');
  });
});

describe('help', () => {
  it("shows the usage line, the wrapped details, every option and the examples", () => {
    const help = commandHelp(spec);
    expect(help.split('\n')[0]).toBe('usage: npm run ops -- demo <tenant> [dir] [options]');
    expect(help).toContain('  --revision <n>       a revision');
    expect(help).toContain('  --format <csv|json>  the format');
    expect(help).toContain('  --replace            a flag');
    expect(help).toContain('  npm run ops -- demo apinfer --format json');
    expect(Math.max(...help.split('\n').map((l) => l.length))).toBeLessThanOrEqual(100);
  });

  it('wraps words at the width and keeps a longer word whole', () => {
    expect(wrap('one two three four', 9)).toEqual(['one two', 'three', 'four']);
    expect(wrap('a verylongwordindeed b', 5)).toEqual(['a', 'verylongwordindeed', 'b']);
  });

  it('lists every command, each with a usage line of its own', () => {
    const names = COMMANDS.map((c) => c.spec.name);
    expect(names).toEqual(['validate-tenants', 'topics', 'dead-letters', 'account', 'rebuild-projections', 'export-ledger', 'simulate', 'reconcile']);
    for (const name of names) expect(mainHelp()).toContain(`  ${name}`);
  });
});

describe('runOps', () => {
  const io = () => {
    const out: string[] = [];
    const err: string[] = [];
    const value: OpsIo & { stdout: () => string; stderr: () => string } = {
      out: (t) => out.push(t), err: (t) => err.push(t), isTTY: false, env: {}, now: () => 0, cwd: '/',
      stdout: () => out.join(''), stderr: () => err.join(''),
    };
    return value;
  };

  it('answers 0 to --help, 2 to nothing or an unknown command, and 2 with the usage for a bad line', async () => {
    let x = io();
    expect(await runOps(['--help'], x)).toBe(0);
    expect(x.stdout()).toContain('commands:');
    x = io();
    expect(await runOps([], x)).toBe(2);
    expect(x.stderr()).toContain('usage: npm run ops -- <command>');
    x = io();
    expect(await runOps(['frobnicate'], x)).toBe(2);
    expect(x.stderr()).toContain('unknown command "frobnicate"');
    x = io();
    expect(await runOps(['account', 'apinfer'], x)).toBe(2);
    expect(x.stderr()).toMatch(/^account needs <tenant> <accountId>; missing <accountId>\n\nusage: npm run ops -- account/);
    x = io();
    expect(await runOps(['help', 'export-ledger'], x)).toBe(0);
    expect(x.stdout()).toContain('usage: npm run ops -- export-ledger <tenant> [options]');
    x = io();
    expect(await runOps(['dead-letters', 'purge', '--topic', 't'], x)).toBe(2);
    expect(x.stderr()).toContain('dead-letters needs list, show or replay, not "purge"');
  });
});
