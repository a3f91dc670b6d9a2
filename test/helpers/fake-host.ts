/**
 * A made-up machine for the native-library and provider checks
 * (src/native-libs.ts HostProbe): files, command outputs and environment
 * given by the test.
 */
import type { HostProbe } from '../../src/native-libs.js';

/** A host with the given files (path → content), commands (name → stdout) and environment. */
export function fakeHost(files: Record<string, string>, commands: Record<string, string> = {}, env: Record<string, string> = {}): HostProbe {
  return {
    env,
    exists: (p) => p in files,
    listDir: (dir) => Object.keys(files).filter((p) => p.startsWith(`${dir}/`) && !p.slice(dir.length + 1).includes('/')).map((p) => p.slice(dir.length + 1)),
    readText: (p) => files[p],
    run: (command, args) => commands[[command, ...args].join(' ')] ?? commands[command],
    versionsIn: (p) => (files[p] ?? '').match(/\b1\.\d+\.\d+\b/g) ?? [],
  };
}
