#!/usr/bin/env bash
# Runs on the GPU machine, from the repository root, in every device call of the CUDA benchmark
# (parts made by scripts/gpu/pack-cuda.sh; the calls are listed in scripts/gpu/README.md):
#
# 1. Receives: moves the parts carried in .gpu-cuda/ to .gpu-cuda-device/recv/ (git-ignored, kept
#    between calls while the machine stays warm). Until every part in .gpu-cuda/SHA256SUMS has
#    arrived it says which are missing and exits 0.
# 2. Unpacks them once (checksums first) into .gpu-cuda-device/run/: Node, onnxruntime-node
#    1.29.0 with the 1.29.0 CUDA provider, node-av, a 1080p clip; then, every time, f2d itself from
#    .gpu-cuda/f2d-bundle.tar.xz (carried in each call: a code change needs no new parts).
# 3. Puts the CUDA 13 and cuDNN 9 libraries of the machine's PyTorch (pip: site-packages/nvidia/*)
#    on LD_LIBRARY_PATH, then runs and writes to $OUT:
#      log.txt                     everything printed, f2d doctor's table included
#      env.txt                     GPU, driver, CPU count, LD_LIBRARY_PATH, ldd of the provider
#      doctor.json                 f2d doctor --json (which providers run, and why not)
#      node-cuda-lite.json         model-only ms per frame (test/bench/model-bench.ts), f2d-lite fp32
#      node-cuda-lite-fp16.json    the same for an fp16 copy made there by scripts/gpu/fp16.py
#      restore-1080p.json          f2d restore --provider cuda --json on the 1080p clip
#      restore-1080p-ultrafast.json  the same with x264's ultrafast preset (is x264 the limit?)
#    Each step has its own time limit; a failing step is recorded, not fatal.
#
#   scripts/gpu/cuda-bench.sh
#   # on the CPU, to try the whole script before spending device minutes (pack with STAGE_ONLY=1;
#   # copy the stage out of the checkout, or Node finds packages in its node_modules that the device lacks):
#   cp -r .gpu-cuda/stage /tmp/f2d-stage
#   CUDA_BENCH_STAGE=/tmp/f2d-stage SIZES=64x48 FRAMES=2 CLIP=some-small.mp4 scripts/gpu/cuda-bench.sh
set -u
cd "$(dirname "$0")/../.."
dev=.gpu-cuda-device
OUT=${OUT:-$dev/out}; mkdir -p "$OUT"; OUT=$(cd "$OUT" && pwd)
sizes=${SIZES:-1280x720,1920x1080}
frames=${FRAMES:-20}
step() { echo; echo "== $* ($(date +%T))"; }

# 1-2. Receive and unpack, unless told to run an unpacked stage (the CPU try-out).
run=${CUDA_BENCH_STAGE:-$dev/run}
if [ -z "${CUDA_BENCH_STAGE:-}" ]; then
  recv=$dev/recv
  mkdir -p "$recv"
  [ -f .gpu-cuda/SHA256SUMS ] || { echo "no .gpu-cuda/SHA256SUMS: carry it in every call (scripts/gpu/README.md)" >&2; exit 2; }
  cp .gpu-cuda/SHA256SUMS "$recv/SHA256SUMS"
  for part in .gpu-cuda/part-*; do [ -f "$part" ] && mv -f "$part" "$recv/"; done
  missing=$(cd "$recv" && awk '{print $2}' SHA256SUMS | while read -r f; do [ -f "$f" ] || printf '%s ' "$f"; done)
  if [ -n "$missing" ]; then
    echo "received: $(cd "$recv" && ls part-* 2>/dev/null | tr '\n' ' ')- still to send: $missing"
    exit 0
  fi
  if ! cmp -s "$recv/SHA256SUMS" "$run/.unpacked"; then
    step unpack
    (cd "$recv" && sha256sum -c --quiet SHA256SUMS) || { echo "a part is damaged: send it again" >&2; exit 3; }
    rm -rf "$run" && mkdir -p "$run"
    # SHA256SUMS lists the parts in order (part-0, part-1 …).
    (cd "$recv" && cat $(awk '{print $2}' SHA256SUMS)) | xz -dc | tar -x -C "$run" --no-same-owner || { echo "unpacking failed" >&2; exit 3; }
    cp "$recv/SHA256SUMS" "$run/.unpacked"
  fi
  [ -f .gpu-cuda/f2d-bundle.tar.xz ] || { echo "no .gpu-cuda/f2d-bundle.tar.xz: carry it with the last part" >&2; exit 2; }
  rm -rf "$run/f2d/dist" && tar -xJf .gpu-cuda/f2d-bundle.tar.xz -C "$run/f2d" --no-same-owner
fi
# A node_modules above the stage would serve packages the device does not have (a CPU try-out inside the checkout).
up=$(cd "$run/.." && pwd)
while [ "$up" != / ]; do
  [ -d "$up/node_modules" ] && echo "warning: $up/node_modules is above $run: Node may find packages there that the payload lacks"
  up=$(dirname "$up")
done
exec > >(tee "$OUT/log.txt") 2>&1
node="$run/node"
f2d_dir="$run/f2d"
[ -x "$node" ] && [ -f "$f2d_dir/dist/cli/main.js" ] || { echo "no Node or f2d bundle in $run: run scripts/gpu/pack-cuda.sh" >&2; exit 2; }
# f2d finds models/, config/ and pipelines/ two levels above its bundle: the checkout's.
for d in models config pipelines; do ln -sfn "$PWD/$d" "$f2d_dir/$d"; done
native=$(echo "$f2d_dir"/node_modules/onnxruntime-node/bin/napi-v*/linux/x64)

# 3. The CUDA libraries PyTorch brought (nvidia-cublas, -cuda-runtime, -cudnn-cu13, -curand …).
nvlibs=$("${PYTHON:-python3}" - <<'PY' 2>/dev/null
import os
import nvidia  # a namespace package: each nvidia-* wheel adds its folder
dirs = set()
for root in nvidia.__path__:
    for d, _, files in os.walk(root):
        if any(f.startswith("lib") and ".so" in f for f in files):
            dirs.add(d)
print(":".join(sorted(dirs)))
PY
)
if [ -n "$nvlibs" ]; then
  export LD_LIBRARY_PATH="$nvlibs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
else
  echo "no pip NVIDIA libraries (python3 -c 'import nvidia' failed): LD_LIBRARY_PATH left as it is"
fi

step environment
{
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv 2>&1 || echo "no nvidia-smi"
  nproc; uname -r
  "$node" --version
  echo "LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-}"
  echo "--- ldd of the CUDA provider (what the loader resolves)"
  ldd "$native/libonnxruntime_providers_cuda.so" 2>&1 | grep -E 'cu|nv|not found' || true
} 2>&1 | tee "$OUT/env.txt"

step "f2d doctor"
timeout 300 "$node" "$f2d_dir/dist/cli/main.js" doctor --json > "$OUT/doctor.json" || echo "exit $? for f2d doctor --json"
timeout 300 "$node" "$f2d_dir/dist/cli/main.js" doctor || echo "exit $? for f2d doctor"

step "fp16 copy of f2d-lite"
fp16=$dev/f2d-lite-fp16
rm -rf "$fp16"
timeout 300 "${PYTHON:-python3}" scripts/gpu/fp16.py models/f2d-lite "$fp16" || echo "exit $? for fp16.py (no fp16 benchmark)"

bench() { # model json
  step "model-only: cuda $1"
  timeout 300 "$node" "$f2d_dir/dist/cli/model-bench.js" --provider cuda --model "$1" --threads 0 \
    --sizes "$sizes" --frames "$frames" --json "$2" || echo "exit $? for $1"
}
bench models/f2d-lite "$OUT/node-cuda-lite.json"
[ -f "$fp16/manifest.json" ] && bench "$fp16" "$OUT/node-cuda-lite-fp16.json"

clip=${CLIP:-$run/clip-1080p.mp4}
if [ -f "$clip" ]; then
  for preset in default ultrafast; do
    step "f2d restore --provider cuda, x264 $preset: $clip"
    extra=(); name=restore-1080p
    [ "$preset" = default ] || { extra=(--preset "$preset"); name=restore-1080p-$preset; }
    timeout 300 "$node" "$f2d_dir/dist/cli/main.js" restore "$clip" -o "$dev/$name.mp4" --provider cuda \
      --overwrite --progress off --json "${extra[@]}" > "$OUT/$name.json" 2> >(tee "$dev/$name.err" >&2) || echo "exit $? for f2d restore ($preset)"
    # The summary does not say which provider ran; the fallback warning (stderr) does.
    fell=false; grep -q "falling back to 'cpu'" "$dev/$name.err" 2>/dev/null && fell=true
    [ -s "$OUT/$name.json" ] && "$node" -e 'const fs = require("fs"); const [file, fell] = process.argv.slice(1);
      fs.writeFileSync(file, JSON.stringify({ ...JSON.parse(fs.readFileSync(file, "utf8")), fellBackToCpu: fell === "true" }, null, 2));' "$OUT/$name.json" "$fell"
  done
else
  echo "no clip at $clip: f2d restore skipped"
fi
step done
