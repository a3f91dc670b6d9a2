#!/usr/bin/env bash
# Runs on the GPU machine, from the repository root, with .gpu/ made by scripts/gpu/pack.sh.
# Writes to $OUT (default .gpu/out): env.txt (GPU, Vulkan, providers), node-*.json (the model
# benchmark through onnxruntime-node, per provider and model), torch.json (the PyTorch
# reference and training-step timings), train-base.log (one minute of the training loop, when
# pack.sh carried photos) and log.txt. Each step has its own time limit and a
# failing step is recorded, not fatal: a provider that does not work there is a result.
#
#   scripts/gpu/run.sh [sizes]      # default 1280x720,1920x1080
set -u
cd "$(dirname "$0")/../.."
OUT=${OUT:-.gpu/out}; mkdir -p "$OUT"; OUT=$(cd "$OUT" && pwd)  # absolute: later steps change directory
sizes=${1:-1280x720,1920x1080}
exec > >(tee "$OUT/log.txt") 2>&1
step() { echo; echo "== $* ($(date +%T))"; }

work=$(mktemp -d)
if [ -f .gpu/node.xz ]; then
  step unpack
  xz -dc .gpu/node.xz > "$work/node" && chmod +x "$work/node"
  cp -r .gpu/js "$work/js" && tar -xJf .gpu/ort.tar.xz -C "$work/js"
  for f in .gpu/debs/*.deb; do dpkg -x "$f" /; done; ldconfig
  node="$work/node"; "$node" --version

  step environment
  {
    nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv
    nproc; uname -r
    echo "--- Vulkan drivers (ICD files) the loader can find"
    ls /etc/vulkan/icd.d /usr/share/vulkan/icd.d /usr/local/nvidia/share/vulkan/icd.d 2>&1
    echo "--- onnxruntime-node backends"
    (cd "$work/js" && "$node" -e "import('onnxruntime-node').then(o=>console.log(JSON.stringify(o.default.listSupportedBackends())))")
  } 2>&1 | tee "$OUT/env.txt"

  bench() { # provider model threads json
    step "onnxruntime-node $1 $2"
    timeout 180 "$node" "$work/js/model-bench.js" --provider "$1" --model "$2" --threads "$3" \
      --sizes "$sizes" --frames 20 --json "$4" || echo "exit $? for $1 $2"
  }
  bench webgpu models/f2d-lite 0 "$OUT/node-webgpu-lite.json"
  bench webgpu models/f2d-lite-int8 0 "$OUT/node-webgpu-int8.json"
  bench webgpu .gpu/f2d-base-untrained 0 "$OUT/node-webgpu-base.json"
  bench cuda models/f2d-lite 0 "$OUT/node-cuda-lite.json"
  bench cpu models/f2d-lite "$(nproc)" "$OUT/node-cpu-lite.json"
else
  echo "no .gpu/node.xz: onnxruntime-node benchmarks skipped (only what was carried runs)"
fi

if [ -d .gpu/train-photos ]; then
  # One minute of the real training loop (synthesis included) for base, batch 16 x 256 px.
  step "training loop, base, 1 minute"
  (cd scripts && PYTHONUNBUFFERED=1 timeout 150 python3 -m f2dnet.train --options options/base-gpu.json \
    --photos ../.gpu/train-photos --runs "$work/runs" --device cuda --set budget_minutes=1.0 \
    --set val_every=1000000 --set ckpt_every=1000000 > "$OUT/train-base.log" 2>&1) || echo "exit $? for training"
fi

step "PyTorch reference and Python onnxruntime"
(cd scripts && PYTHONUNBUFFERED=1 timeout 300 python3 -m f2dnet.bench_torch --sizes "$sizes" \
  --onnx ../models/f2d-lite --json "$OUT/torch.json") || echo "exit $? for bench_torch"
step done
