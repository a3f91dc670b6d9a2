/**
 * Tests that need a system package (not something npm installs) say so with
 * `requires(this, 'chromium')` in a hook or test. When the package is missing
 * the test is skipped with one line naming what to install, so `npm test`
 * passes on a machine with only Node and npm; under CI (`CI=true`) a missing
 * package fails instead, so CI cannot go green by skipping.
 *
 * A package counts as present only when it runs: an empty stand-in (a stub
 * command, an empty Python package directory) is missing.
 */
import { spawnSync } from 'node:child_process';

/** Debian's Chromium, which playwright-core drives (the browser tests). */
export const CHROMIUM = '/usr/bin/chromium';
/** The Python that runs the training scripts and their tests (`PYTHON` overrides it, as in package.json). */
export const PYTHON = process.env['PYTHON'] ?? '/usr/bin/python3';

/** Debian package name → a command that exits 0 only when it is installed and works. */
const PROBES = {
  chromium: [CHROMIUM, '--version'],
  ffmpeg: ['ffmpeg', '-version'],
  // The distributed queue's tests (test/helpers/redis-server.ts starts one per suite).
  'redis-server': ['redis-server', '--version'],
  // `__version__` because an empty directory named torch still imports (as a namespace package).
  'python3-torch': [PYTHON, '-c', 'import torch; torch.__version__'],
  'python3-onnx': [PYTHON, '-c', 'import onnx; onnx.__version__'],
  'python3-numpy': [PYTHON, '-c', 'import numpy; numpy.__version__'],
  'python3-pil': [PYTHON, '-c', 'import PIL; PIL.__version__'],
} as const satisfies Record<string, readonly [string, ...string[]]>;

export type SystemPackage = keyof typeof PROBES;

const known = new Map<SystemPackage, boolean>();

/** Whether `pkg` is installed and works (probed once per process). */
export function hasPackage(pkg: SystemPackage): boolean {
  let present = known.get(pkg);
  if (present === undefined) {
    const [command, ...args] = PROBES[pkg];
    present = spawnSync(command, args, { stdio: 'ignore', timeout: 30_000 }).status === 0;
    known.set(pkg, present);
  }
  return present;
}

/** The packages of `packages` that are missing. */
export function missingPackages(packages: readonly SystemPackage[]): SystemPackage[] {
  return packages.filter((p) => !hasPackage(p));
}

/** True under CI (`CI=true` or `CI=1`), where a missing package is a failure. */
export function isCi(): boolean {
  return ['true', '1'].includes((process.env['CI'] ?? '').toLowerCase());
}

/** The one line that names what is missing and how to install it. */
export function missingLine(missing: readonly SystemPackage[]): string {
  return `needs ${missing.join(', ')}: apt-get install ${missing.join(' ')}`;
}

/**
 * Skips the calling test (or, from a `before` hook, its whole suite) with one line
 * naming the missing packages; under CI throws instead.
 *
 * @example
 * before(function () { requires(this, 'python3-onnx', 'python3-numpy'); });
 */
export function requires(ctx: Mocha.Context, ...packages: SystemPackage[]): void {
  const missing = missingPackages(packages);
  if (missing.length === 0) return;
  if (isCi()) throw new Error(`${missingLine(missing)} (CI=true: a missing package fails instead of skipping)`);
  console.log(`      skipped, ${missingLine(missing)}`);
  ctx.skip();
}
