/**
 * Output paths, checked before any work: refuse to replace existing files
 * without `--overwrite`, refuse an output that is the input (through a
 * symlink or a hard link too), and check the directory is writable. The
 * writing itself (temporary name, publish at the end) is `publish-output.ts`.
 */
import { constants } from 'node:fs';
import { access, mkdir, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { OutputError } from '../errors.js';
import { isSameLocation } from './real-path.js';

/** Fails unless `output` may be written (see module doc). */
export async function checkOutputFile(input: string, output: string, overwrite: boolean): Promise<void> {
  if (await isSameLocation(input, output)) {
    const through = resolve(input) === resolve(output) ? '' : ` "${input}" (through a symbolic or hard link)`;
    throw new OutputError('ERR_OUTPUT_IS_INPUT', `the output "${output}" is the input file${through}`, {
      hint: 'choose another output name with -o',
    });
  }
  const existing = await stat(output).catch(() => null);
  if (existing?.isDirectory()) {
    throw new OutputError('ERR_OUTPUT_IS_DIR', `the output "${output}" is a directory`, {
      hint: 'give a file name, e.g. -o restored.mp4',
    });
  }
  if (existing && !overwrite) {
    throw new OutputError('ERR_OUTPUT_EXISTS', `the output "${output}" already exists`, {
      hint: 'pass --overwrite to replace it, or choose another name with -o',
    });
  }
  await checkWritableDir(dirname(resolve(output)), output);
}

/** Fails unless `dir` exists (or can be created) and is writable. */
export async function checkWritableDir(dir: string, forOutput: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
    await access(dir, constants.W_OK);
  } catch (cause) {
    const why = (cause as NodeJS.ErrnoException).code ?? 'error';
    throw new OutputError('ERR_OUTPUT_UNWRITABLE', `cannot write the output "${forOutput}": directory "${dir}" cannot be created or written (${why})`, {
      hint: 'choose an output in a directory you can write to',
      cause,
    });
  }
}
