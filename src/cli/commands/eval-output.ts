/**
 * Where the reports of `f2d eval` (benchmark, `--pairs`, `--clip`) go: the
 * table on stdout, the JSON to a file or instead of the table.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { F2dError, OutputError } from '../../errors.js';
import type { CommandArgs } from './context.js';

/** Writes the JSON report to `file`, creating its folder. */
export async function writeJson(file: string, doc: unknown): Promise<void> {
  try {
    await mkdir(path.dirname(path.resolve(file)), { recursive: true });
    await writeFile(file, `${JSON.stringify(doc, null, 2)}\n`);
  } catch (cause) {
    throw new OutputError('ERR_OUTPUT_WRITE', `cannot write the report "${file}": ${cause instanceof Error ? cause.message : String(cause)}`, {
      hint: 'check that the folder is writable, or pick another file for --json / -o',
      cause,
    });
  }
}

/**
 * Where the JSON goes: `--json <file>` or `-o <file>` to a file (the table still
 * prints), a bare `--json` to stdout instead of the table. `extra` are the
 * positionals left after the command's own.
 */
export function jsonTarget(args: CommandArgs, extra: readonly string[]): { file: string | null; stdout: boolean } {
  if (extra.length > 1 || (extra.length === 1 && !args.json)) {
    throw new F2dError('ERR_CONFIG_USAGE', 'config', `f2d eval takes no input, got ${extra.join(' ')}`, {
      hint: 'usage: f2d eval [--photos <dir>] [--limit <n>] [--json [file]], f2d eval --pairs <degradedDir> <cleanDir>, or f2d eval --clip <video> [--weather <name>]',
    });
  }
  const file = extra[0] ?? args.output ?? null;
  return { file, stdout: args.json && file === null };
}
