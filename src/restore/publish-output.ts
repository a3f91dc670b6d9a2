/**
 * Writing an output safely: the work goes to a hidden temporary file next to
 * the output, which is published under the output's name only when complete.
 *
 * Without `--overwrite` the publish is exclusive: the output was checked
 * when the run was planned, but a file may appear there during the run
 * (another run to the same output, a user's copy), and it must not be
 * replaced unchecked. `link(tmp, output)` fails with EEXIST if the name is
 * taken, atomically; where the file system has no hard links (FAT, some
 * network shares) a re-check before the rename narrows the race instead.
 * When the name was taken, the finished work is kept under a visible name
 * and the error says where: nothing done is lost.
 *
 * Temporaries still open are tracked, so that a process quitting at once (a
 * second Ctrl-C or SIGTERM) removes them instead of leaving hidden partial
 * files behind ({@link removeTemporaryOutputs}).
 */
import { rmSync } from 'node:fs';
import { link, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { OutputError } from '../errors.js';

/** Temporary outputs written and neither published nor discarded yet. */
const openTemporaries = new Set<string>();

/** Errors of `link` that mean the file system has no hard links, not that the name is taken. */
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV']);

/** A hidden temporary name next to `output`, keeping its extension (it picks the container); tracked until published or discarded. */
export function temporaryName(output: string): string {
  const ext = extname(output);
  const tmp = join(dirname(output), `.${basename(output, ext)}.f2d-partial-${process.pid}${ext}`);
  openTemporaries.add(tmp);
  return tmp;
}

/** The visible name the finished work is kept under when its output name was taken during the run. */
export function keptName(output: string): string {
  const ext = extname(output);
  return join(dirname(output), `${basename(output, ext)}.f2d-${process.pid}${ext}`);
}

/**
 * Moves the finished temporary file to its final name. With `overwrite` an existing
 * file there is replaced; without, an existing file is left untouched and the work
 * is kept under {@link keptName}.
 *
 * @throws {OutputError} ERR_OUTPUT_EXISTS (the name was taken during the run; the
 *   message names where the work was kept), ERR_OUTPUT_WRITE
 */
export async function commitOutput(tmp: string, output: string, options: { readonly overwrite: boolean }): Promise<void> {
  try {
    if (options.overwrite) await rename(tmp, output);
    else await publishExclusive(tmp, output);
    openTemporaries.delete(tmp);
  } catch (cause) {
    if (cause instanceof OutputError) throw cause;
    await discardOutput(tmp);
    throw new OutputError('ERR_OUTPUT_WRITE', `cannot move the finished output to "${output}"`, {
      hint: 'check the directory is writable and the disk is not full',
      cause,
    });
  }
}

async function publishExclusive(tmp: string, output: string): Promise<void> {
  try {
    await link(tmp, output);
    await rm(tmp, { force: true });
    return;
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code ?? '';
    if (code === 'EEXIST') throw await takenDuringRun(tmp, output);
    if (!NO_HARD_LINKS.has(code)) throw cause;
  }
  // No hard links here: re-check, then rename (a file created between the two is replaced).
  if (await exists(output)) throw await takenDuringRun(tmp, output);
  await rename(tmp, output);
}

async function takenDuringRun(tmp: string, output: string): Promise<OutputError> {
  const kept = keptName(output);
  let where = tmp;
  try {
    // Exclusive again: never replace a file under the kept name either.
    await link(tmp, kept);
    await rm(tmp, { force: true });
    where = kept;
  } catch {
    // Keep it under the temporary name, which the message gives.
  }
  openTemporaries.delete(tmp);
  return new OutputError('ERR_OUTPUT_EXISTS', `"${output}" was created by something else while f2d was working; it was left untouched, and the finished output is in "${where}"`, {
    hint: `compare the two and rename "${where}" to keep it; pass --overwrite to replace files at the output`,
  });
}

async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => null)) !== null;
}

/**
 * Deletes a temporary output after a failure (best effort: the failure is what gets reported).
 * Only while it is a temporary: once {@link commitOutput} published it, or kept it because the
 * output name was taken, it is the user's and stays.
 */
export async function discardOutput(tmp: string): Promise<void> {
  if (!openTemporaries.has(tmp)) return;
  await rm(tmp, { force: true });
  openTemporaries.delete(tmp);
}

/**
 * Removes every temporary output not yet published, synchronously: for a process about
 * to exit at once (a second stop signal), whose loops will not get to clean up.
 */
export function removeTemporaryOutputs(): void {
  for (const tmp of openTemporaries) rmSync(tmp, { force: true });
  openTemporaries.clear();
}
