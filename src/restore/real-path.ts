/**
 * Whether two paths name the same file or directory, seen through symbolic
 * links and hard links: comparing path strings would let `-o` reach the input
 * through a link, and `--overwrite` would then replace the input.
 */
import { realpath, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

/**
 * Where `path` really is: its real path when it exists; else the real path of its
 * nearest existing ancestor with the rest appended (an output not yet created).
 */
export async function realLocation(path: string): Promise<string> {
  const absolute = resolve(path);
  const real = await realpath(absolute).catch(() => null);
  if (real !== null) return real;
  const parent = dirname(absolute);
  // At the root: nothing above exists to resolve.
  if (parent === absolute) return absolute;
  return join(await realLocation(parent), basename(absolute));
}

/** `true` when `a` and `b` are the same file or directory (same real path, or the same inode). */
export async function isSameLocation(a: string, b: string): Promise<boolean> {
  if ((await realLocation(a)) === (await realLocation(b))) return true;
  const [sa, sb] = await Promise.all([stat(a).catch(() => null), stat(b).catch(() => null)]);
  return sa !== null && sb !== null && sa.dev === sb.dev && sa.ino === sb.ino;
}
