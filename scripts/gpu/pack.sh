#!/usr/bin/env bash
# Packs what the GPU benchmark needs into .gpu/ (git-ignored), for a machine that has a GPU but
# no Node, no npm registry and no onnxruntime-node: this Node binary, onnxruntime-node's Linux x64
# files, the model benchmark bundled with its worker, the Vulkan loader (for the WebGPU provider)
# and an untrained `base` model (speed does not depend on the weights).
#
#   scripts/gpu/pack.sh            # then carry .gpu and run scripts/gpu/run.sh there
#
# .gpu/ comes to about 64 MB with the photo subset. Where a transfer is capped below that, send it
# in two runs: everything but train-photos (the benchmarks), then train-photos alone (the training
# check); run.sh runs whatever it finds.
#
# Needs: npm install done here, /usr/bin/python3 with torch (for the base export), apt-get.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=.gpu
rm -rf "$out" && mkdir -p "$out/js/node_modules" "$out/debs"

# 1. Node itself (a static build: only glibc and libstdc++ needed there).
xz -T0 -6 -c "$(command -v node)" > "$out/node.xz"

# 2. The benchmark and the model worker, each bundled where siblingModule() looks for the
#    worker: worker/model-worker.js beside model-bench.js (as in src/model/). onnxruntime-node
#    stays external.
for entry in test/bench/model-bench.ts:. src/model/worker/model-worker.ts:worker; do
  npx esbuild "${entry%%:*}" --bundle --platform=node --format=esm \
    --external:onnxruntime-node --outdir="$out/js/${entry##*:}" --entry-names="[name]" --log-level=warning
done
echo '{"type":"module"}' > "$out/js/package.json"

# 3. onnxruntime-node, Linux x64 only (the npm package holds every platform: 288 MB).
ort=node_modules/onnxruntime-node
tar -cJf "$out/ort.tar.xz" --exclude='bin/napi-v6/darwin' --exclude='bin/napi-v6/win32' \
  --exclude='bin/napi-v6/linux/arm64' "$ort/package.json" "$ort/dist" "$ort/bin" node_modules/onnxruntime-common

# 4. The Vulkan loader: onnxruntime's WebGPU provider (Dawn) opens libvulkan.so.1, and the NVIDIA Vulkan driver (libGLX_nvidia) needs libglvnd.
if ! ls "$out"/debs/libvulkan1_*.deb >/dev/null 2>&1; then
  (cd "$out/debs" && apt-get download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2 >/dev/null)
fi

# 5. The base configuration, untrained, for timing only.
(cd scripts && /usr/bin/python3 -m f2dnet.export --config base --random-init --name f2d-base-untrained \
  --out "../$out/f2d-base-untrained" >/dev/null)
rm -rf "$out/f2d-base-untrained/golden"
# 6. A subset of the training photos, when gathered here (npm run photos): 40 train + 8 val photos
#    of at least 512 px, the smallest such files, about 14 MB (the whole set is 313 MB).
if [ -f scripts/data/photos/manifest.json ]; then
  /usr/bin/python3 - "$out/train-photos" <<'PY'
import json, os, shutil, sys
src, dst = "scripts/data/photos", sys.argv[1]
photos = json.load(open(f"{src}/manifest.json"))["photos"]
chosen = []
for split, count in (("train", 40), ("val", 8)):
    fit = [p for p in photos if p["split"] == split and min(p["width"], p["height"]) >= 512]
    chosen += sorted(fit, key=lambda p: os.path.getsize(f"{src}/{p['file']}"))[:count]
for p in chosen:
    os.makedirs(os.path.dirname(f"{dst}/{p['file']}"), exist_ok=True)
    shutil.copy(f"{src}/{p['file']}", f"{dst}/{p['file']}")
json.dump({"photos": chosen}, open(f"{dst}/manifest.json", "w"))
PY
fi
du -sh "$out"
