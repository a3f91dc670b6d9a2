/**
 * `f2d --help` and `f2d <command> --help`: each command's help lists the
 * flags it takes (with the config key each sets and its default) and only
 * those, `--log-level` among them, and 2–4 examples; `f2d --help` lists the
 * commands.
 */
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { commandReads } from '../../src/cli/command-keys.js';
import { COMMANDS, FLAGS } from '../../src/cli/flags.js';
import { commandHelp, commandTakes, mainHelp } from '../../src/cli/help.js';
import { main } from '../../src/cli/main.js';

/** The help line(s) of `--name`, up to the next flag. */
function flagEntry(help: string, name: string): string | null {
  const lines = help.split('\n');
  const start = lines.findIndex((l) => new RegExp(`^ {2}(-\\w, )?--(\\[no-\\])?${name}\\b`).test(l));
  if (start < 0) return null;
  const end = lines.findIndex((l, i) => i > start && !/^ {20,}\S/.test(l));
  return lines.slice(start, end).join(' ').replace(/\s+/g, ' ');
}

async function run(argv: string[]): Promise<{ code: number; stdout: string }> {
  const stdout = new PassThrough();
  let text = '';
  stdout.on('data', (d: Buffer) => (text += d.toString()));
  const code = await main(argv, { stdout, stderr: new PassThrough(), env: {}, cwd: process.cwd(), signal: new AbortController().signal });
  return { code, stdout: text };
}

describe('cli/help', () => {
  for (const command of COMMANDS) {
    it(`f2d ${command} --help lists its flags with their keys and defaults, and examples`, () => {
      const help = commandHelp(command);
      for (const spec of FLAGS) {
        const entry = flagEntry(help, spec.name);
        if (!commandTakes(command, spec)) {
          assert.equal(entry, null, `--${spec.name} is listed but f2d ${command} does not take it`);
          continue;
        }
        assert.ok(entry !== null, `--${spec.name} missing from f2d ${command} --help`);
        if (spec.key !== undefined) assert.match(entry, new RegExp(`\\(${spec.key.replace(/\./g, '\\.')}, default [^)]+\\)`), entry);
        if (spec.type === 'boolean' && spec.name !== 'help' && spec.name !== 'version') assert.match(entry, new RegExp(`--\\[no-\\]${spec.name}`));
      }
      const examples = help.slice(help.indexOf('\nexamples:\n')).split('\n').filter((l) => l.startsWith(`  f2d ${command}`));
      assert.ok(examples.length >= 2 && examples.length <= 4, `${examples.length} examples`);
    });
  }

  it('names what each command takes, as the config keys say (spot checks)', () => {
    const restore = commandHelp('restore');
    assert.match(flagEntry(restore, 'crf') ?? '', /encode\.crf, default 20/);
    assert.match(flagEntry(restore, 'overwrite') ?? '', /--\[no-\]overwrite .*output\.overwrite, default false/);
    assert.match(flagEntry(restore, 'log-level') ?? '', /log\.level, default info/);
    const serve = commandHelp('serve');
    assert.match(flagEntry(serve, 'loop') ?? '', /--\[no-\]loop .*serve\.loop, default true/);
    assert.equal(flagEntry(serve, 'crf'), null, 'the live encoder reads serve.encoder.crf, not encode.crf');
    assert.match(serve, /serve\.encoder\.crf/, 'listed among the other keys it reads');
    // f2d eval reads synth.weather for --clip (the clean clip is degraded with it first).
    assert.match(flagEntry(commandHelp('eval'), 'weather') ?? '', /synth\.weather/);
    assert.ok(commandReads('degrade', 'synth.weather') && flagEntry(commandHelp('degrade'), 'weather') !== null);
    // Clear frames of files pass through by model.passThroughBelow; live streams by serve.passThroughBelow.
    assert.match(flagEntry(restore, 'pass-through-below') ?? '', /model\.passThroughBelow, default 0\.05/);
    assert.equal(flagEntry(serve, 'pass-through-below'), null);
    assert.equal(flagEntry(commandHelp('eval'), 'pass-through-below'), null, 'the benchmark measures the model itself');
  });

  it('f2d --help lists every command and the common flags', () => {
    const help = mainHelp();
    for (const command of COMMANDS) assert.match(help, new RegExp(`^ {2}${command} +\\S`, 'm'), command);
    for (const name of ['log-level', 'set', 'config', 'pipeline', 'verbose', 'quiet', 'help']) assert.ok(flagEntry(help, name) !== null, name);
    assert.equal(flagEntry(help, 'crf'), null, 'a flag of some commands only is in their help');
  });

  it('f2d <command> --help and f2d help <command> print it on stdout and exit 0', async () => {
    const a = await run(['serve', '--help']);
    const b = await run(['help', 'serve']);
    assert.deepEqual([a.code, b.code], [0, 0]);
    assert.equal(a.stdout, `${commandHelp('serve')}\n`);
    assert.equal(b.stdout, a.stdout);
    assert.equal((await run(['--help'])).stdout, `${mainHelp()}\n`);
  });
});
