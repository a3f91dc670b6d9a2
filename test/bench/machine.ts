/** What the benchmark ran on: stated with every result, because figures mean nothing without it. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';

export interface MachineInfo {
  readonly cpuModel: string;
  readonly cores: number;
  readonly memoryGiB: number;
  /** 1, 5 and 15 minute load averages when the benchmark started. */
  readonly loadAvgStart: readonly number[];
  readonly node: string;
  readonly onnxruntimeNode: string;
  readonly nodeAv: string;
  readonly gitCommit: string;
  /** Uncommitted changes in the work tree when it ran. */
  readonly gitDirty: boolean;
  readonly niceness: number;
  readonly startedAt: string;
}

function packageVersion(name: string): string {
  try {
    const pkg = JSON.parse(readFileSync(`node_modules/${name}/package.json`, 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'not installed';
  }
}

function git(args: string[]): string {
  try {
    return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

/** Load averages now (1, 5, 15 min), two decimals. */
export function loadAverage(): number[] {
  return os.loadavg().map((l) => Math.round(l * 100) / 100);
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    loadAvgStart: loadAverage(),
    node: process.version,
    onnxruntimeNode: packageVersion('onnxruntime-node'),
    nodeAv: packageVersion('node-av'),
    gitCommit: git(['rev-parse', '--short', 'HEAD']) || 'unknown',
    gitDirty: git(['status', '--porcelain', '--untracked-files=no']) !== '',
    niceness: os.getPriority(),
    startedAt: new Date().toISOString(),
  };
}
