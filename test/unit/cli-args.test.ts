import assert from 'node:assert/strict';
import { join } from 'node:path';
import { parseCliArgs } from '../../src/cli/args.js';
import { FLAGS } from '../../src/cli/flags.js';
import { defaultOutput } from '../../src/restore/index.js';
import type { F2dError } from '../../src/errors.js';

describe('cli/args', () => {
  it('maps flags to config keys and keeps the flag name for messages', () => {
    const a = parseCliArgs(['restore', 'in.mp4', '-o', 'out.mkv', '--crf', '18', '--preset', 'slow', '--overwrite', '--model', 'm']);
    assert.equal(a.command, 'restore');
    assert.deepEqual(a.positionals, ['in.mp4']);
    assert.equal(a.output, 'out.mkv');
    assert.deepEqual(
      a.flags.map((f) => [f.key, f.value, f.flag]),
      [
        ['model.dir', 'm', '--model'],
        ['encode.crf', '18', '--crf'],
        ['encode.preset', 'slow', '--preset'],
        ['output.overwrite', true, '--overwrite'],
      ],
    );
  });

  it('--set key=value for any key; --verbose and --quiet set the log level', () => {
    const a = parseCliArgs(['start', '--set', 'model.tileSize=512', '--set', 'start.output=x.mp4', '-v']);
    assert.deepEqual(
      a.flags.map((f) => [f.key, f.value]),
      [
        ['model.tileSize', '512'],
        ['start.output', 'x.mp4'],
        ['log.level', 'debug'],
      ],
    );
    assert.equal(a.verbose, true);
    const q = parseCliArgs(['start', '-q']);
    assert.deepEqual(
      q.flags.map((f) => [f.key, f.value]),
      [
        ['log.level', 'warn'],
        ['log.progress', 'off'],
      ],
    );
  });

  it('rejects unknown flags and commands and a malformed --set, as usage errors', () => {
    const usage = (argv: string[], pattern: RegExp): void =>
      assert.throws(() => parseCliArgs(argv), (e: F2dError) => e.code === 'ERR_CONFIG_USAGE' && pattern.test(e.message) && /--help/.test(e.hint ?? ''));
    usage(['restore', '--fast'], /--fast/);
    usage(['restroe', 'x'], /unknown command "restroe"; commands: restore, start/);
    usage(['restore', '--set', 'crf'], /key=value/);
    usage(['restore', '--crf'], /--crf/);
  });

  it('every boolean flag has a --no- form, and the last of the two wins', () => {
    const booleans = FLAGS.filter((f) => f.type === 'boolean').map((f) => f.name);
    assert.ok(booleans.includes('loop') && booleans.includes('overwrite') && booleans.includes('json'), booleans.join(' '));
    for (const name of booleans) assert.doesNotThrow(() => parseCliArgs([`--no-${name}`]), `--no-${name}`);
    const key = (argv: string[], k: string): unknown => parseCliArgs(argv).flags.find((f) => f.key === k)?.value;
    assert.equal(key(['serve', '--no-loop'], 'serve.loop'), false);
    assert.equal(key(['serve', '--no-loop', '--loop'], 'serve.loop'), true);
    assert.equal(key(['restore', 'x', '--overwrite', '--no-overwrite'], 'output.overwrite'), false);
    assert.equal(parseCliArgs(['restore', 'x', '--json', '--no-json']).json, false);
    assert.equal(parseCliArgs(['restore', 'x', '-q', '--no-quiet']).quiet, false);
    assert.deepEqual(parseCliArgs(['serve', '--no-loop']).flags.map((f) => f.flag), ['--no-loop'], 'messages name the flag as written');
    assert.throws(() => parseCliArgs(['restore', '--no-crf', '18']), /--no-crf/, 'only on/off flags have a --no- form');
  });

  it('a flag without a config key is refused by a command that does not take it', () => {
    assert.throws(
      () => parseCliArgs(['serve', '--json']),
      (e: F2dError) => e.code === 'ERR_CONFIG_USAGE' && /f2d serve does not take --json/.test(e.message) && /f2d serve --help/.test(e.hint ?? ''),
    );
    assert.throws(() => parseCliArgs(['restore', 'x', '--pairs']), /does not take --pairs; it is for f2d eval/);
    assert.equal(parseCliArgs(['eval', '--pairs', 'a', 'b']).pairs, true);
  });

  it('`f2d help <command>` is `f2d <command> --help`', () => {
    const a = parseCliArgs(['help', 'serve']);
    assert.deepEqual([a.command, a.help], ['serve', true]);
    const b = parseCliArgs(['help']);
    assert.deepEqual([b.command, b.help], [null, true]);
    assert.throws(() => parseCliArgs(['help', 'serv']), /unknown command "serv"/);
  });

  it('no command is allowed with --print-config / --help', () => {
    assert.equal(parseCliArgs(['--print-config']).printConfig, true);
    assert.equal(parseCliArgs(['-h']).command, null);
  });

  it('default output names sit next to the input', () => {
    assert.equal(defaultOutput(join('clips', 'rain.mp4'), false), join('clips', 'rain-restored.mp4'));
    assert.equal(defaultOutput('night.webm', false), 'night-restored.mp4');
    assert.equal(defaultOutput('photo.JPG', false), 'photo-restored.JPG');
    assert.equal(defaultOutput(`set${'/'}`, true), 'set-restored');
  });
});
