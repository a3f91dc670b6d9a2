/**
 * `npm run test:py`: the Python tests of scripts/ (unittest), which need Debian's
 * PyTorch, ONNX, NumPy and Pillow. Without them it prints one line naming the
 * packages and passes, so `npm test` works with only Node and npm; under CI
 * (`CI=true`) it fails instead, as the mocha suites do (test/helpers/requires.ts).
 * `PYTHON` picks another interpreter.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { PYTHON, isCi, missingLine, missingPackages } from './helpers/requires.js';

const missing = missingPackages(['python3-torch', 'python3-onnx', 'python3-numpy', 'python3-pil']);
if (missing.length > 0) {
  if (isCi()) {
    console.error(`Python tests: ${missingLine(missing)} (CI=true: a missing package fails instead of skipping)`);
    process.exit(1);
  }
  console.log(`Python tests skipped, ${missingLine(missing)}`);
  process.exit(0);
}
const scripts = fileURLToPath(new URL('../scripts', import.meta.url));
const run = spawnSync(PYTHON, ['-m', 'unittest', 'discover', '-s', 'tests', '-t', '.'], { cwd: scripts, stdio: 'inherit' });
if (run.error) throw run.error;
process.exit(run.status ?? 1);
