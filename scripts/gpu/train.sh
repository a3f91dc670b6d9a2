#!/usr/bin/env bash
# Runs on the GPU machine, from the repository root, with .gpu-train/ made by pack-train.sh.
# Continues the base model's training campaign for a fixed number of minutes and writes the
# compact checkpoint (fp16 EMA weights + state.json with the stage record) to
# $OUT/checkpoints/base, with the training log beside it. Back here, copy that folder over
# scripts/checkpoints/base and commit it; the next GPU session continues from there.
#
#   scripts/gpu/train.sh [minutes] [options]    # default 11 minutes, options/base-gpu.json
#   (PYTHON=/usr/bin/python3 to pick the interpreter with torch; the device has it as python3)
#
# The stage starts from scripts/checkpoints/base when it exists (committed), else from scratch.
set -u
cd "$(dirname "$0")/../.."
OUT=${OUT:-.gpu-train/out}; mkdir -p "$OUT"; OUT=$(cd "$OUT" && pwd)
minutes=${1:-11}
options=${2:-options/base-gpu.json}
[ -f .gpu-train/photos/manifest.json ] || { echo "no .gpu-train/photos: run scripts/gpu/pack-train.sh and carry .gpu-train" >&2; exit 2; }
nvidia-smi --query-gpu=name,memory.total --format=csv 2>&1 | tee "$OUT/env.txt"
"${PYTHON:-python3}" -c "import torch; print('torch', torch.__version__, 'cuda', torch.cuda.is_available())" 2>&1 | tee -a "$OUT/env.txt"
mkdir -p "$OUT/checkpoints/base"
init=()
if [ -f scripts/checkpoints/base/state.json ]; then init=(--set 'init_from="checkpoints/base"'); fi
# A fresh run folder every session: the stage record comes from the committed checkpoint.
cd scripts
PYTHONUNBUFFERED=1 timeout $(( minutes * 60 + 240 )) "${PYTHON:-python3}" -m f2dnet.train --options "$options" \
  --photos ../.gpu-train/photos --runs "$OUT/runs" "${init[@]}" \
  --set "budget_minutes=$minutes" --set "publish=\"$OUT/checkpoints/base\"" 2>&1 | tee "$OUT/train.log"
status=${PIPESTATUS[0]}
rm -f "$OUT"/runs/*/last.pt "$OUT"/runs/*/best.pt   # full-precision copies with the optimiser: not brought back
rm -f "$OUT/checkpoints/base/.publish.lock"          # left if the timeout stopped the stage; names a process of that machine
ls -la "$OUT/checkpoints/base"
exit "$status"
