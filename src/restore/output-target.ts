/**
 * Output paths: refuse to replace existing files without `--overwrite`, check
 * the directory is writable before any work, write to a temporary name in the
 * same directory and rename at the end, so a failed run never leaves a
 * half-written file under the requested name (and never destroys the old one).
 */
import { constants } from 'node:fs';
import { access, mkdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { OutputError } from '../errors.js';

/** Fails unless `output` may be written (see module doc). */
export async function checkOutputFile(input: string, output: string, overwrite: boolean): Promise<void> {
  if (resolve(input) === resolve(output)) {
    throw new OutputError('ERR_OUTPUT_IS_INPUT', `the output "${output}" is the input file`, {
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

/** A hidden temporary name next to `output`, keeping its extension (it picks the container). */
export function temporaryName(output: string): string {
  const ext = extname(output);
  return join(dirname(output), `.${basename(output, ext)}.f2d-partial-${process.pid}${ext}`);
}

/** Moves the finished temporary file to its final name. */
export async function commitOutput(tmp: string, output: string): Promise<void> {
  try {
    await rename(tmp, output);
  } catch (cause) {
    await rm(tmp, { force: true });
    throw new OutputError('ERR_OUTPUT_WRITE', `cannot move the finished output to "${output}"`, {
      hint: 'check the directory is writable and the disk is not full',
      cause,
    });
  }
}

/** Deletes a temporary output after a failure (best effort: the failure is what gets reported). */
export async function discardOutput(tmp: string): Promise<void> {
  await rm(tmp, { force: true });
}
