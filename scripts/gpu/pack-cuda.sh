#!/usr/bin/env bash
# Packs what the CUDA benchmark (scripts/gpu/cuda-bench.sh) needs on a GPU machine that has no
# Node, no npm registry and no network, into parts small enough for one device call each
# (all git-ignored):
#
#   .gpu-cuda/part-0 … part-N     what does not change with f2d's code: xz-compressed tar, split
#   .gpu-cuda/SHA256SUMS          the parts' checksums: cuda-bench.sh waits until all have arrived
#   .gpu-cuda/f2d-bundle.tar.xz   f2d itself, bundled (under 1 MB): carried in every call, so a code
#                                 change costs seconds here (BUNDLE_ONLY=1), not a new set of parts
#   .gpu-cuda/stage/              everything unpacked, to try cuda-bench.sh on the CPU first
#
# What is in it (about 545 MB unpacked; the parts 253 MB, six of them):
#   f2d/dist/cli/main.js         (the bundle) f2d with its commands as chunks beside it, so that
#                                f2d doctor and f2d restore never load the queue's bullmq/ioredis
#                                (not shipped); model-bench.js; the model worker and provider
#                                probe in dist/cli/worker/
#   node                         this Node binary
#   f2d/node_modules/onnxruntime-node   1.29.0, Linux x64 only, with the onnxruntime 1.29.0 CUDA
#                                provider (libonnxruntime_providers_{cuda,shared}.so, CUDA 13 and
#                                cuDNN 9) from the npm package com.github.asus4.onnxruntime.linux-x64-gpu
#                                0.4.9 (a repackaging of the official release; MIT). The provider
#                                must be the core's exact release: this repository's 1.30.0 core
#                                cannot load it, so the benchmark runs f2d on 1.29.0 (the model
#                                tests pass on 1.29.0: see scripts/gpu/README.md).
#   f2d/node_modules/node-av     FFmpeg for f2d restore and f2d doctor (the Linux x64 build)
#   clip-1080p.mp4               the demo clip (30 s, 300 frames) scaled to 1920x1080 (needs ffmpeg here)
#
#   scripts/gpu/pack-cuda.sh            # then see scripts/gpu/README.md for the device calls
#   PART_MB=40 scripts/gpu/pack-cuda.sh # smaller parts (the working tree travels with each one)
#   STAGE_ONLY=1 scripts/gpu/pack-cuda.sh   # .gpu-cuda/stage/ and the bundle, to try cuda-bench.sh here first
#   BUNDLE_ONLY=1 scripts/gpu/pack-cuda.sh  # after a code change: the bundle alone (needs the stage)
#
# Needs: npm (registry access), npx esbuild, xz, split, sha256sum; ffmpeg for the clip.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=.gpu-cuda
stage=$out/stage
npm_cache=$out/npm
part_mb=${PART_MB:-44}
ORT_VERSION=1.29.0
PROVIDER_PACKAGE=com.github.asus4.onnxruntime.linux-x64-gpu@0.4.9

step() { echo "== $*" >&2; }
for tool in npm npx xz split sha256sum tar; do
  command -v "$tool" >/dev/null || { echo "pack-cuda.sh needs $tool" >&2; exit 2; }
done
[ -d node_modules/node-av ] || { echo "no node_modules/node-av: run npm install first" >&2; exit 2; }

f2d=$stage/f2d

# f2d bundled: one file per entry (main.js with its commands as chunks), node-av and
# onnxruntime-node left as packages. The workers sit in dist/cli/worker/ because siblingModule()
# resolves them against the bundle's own URL; PACKAGE_ROOT (two levels up from dist/cli/) is f2d/,
# where cuda-bench.sh links models/, config/ and pipelines/ of the checkout.
make_bundle() {
  step "f2d bundle"
  rm -rf "$f2d/dist" && mkdir -p "$f2d/dist/cli/worker"
  bundle() { # entry outdir [esbuild options]
    npx esbuild "$1" --bundle --platform=node --format=esm --target=node20 --log-level=warning \
      --external:onnxruntime-node --external:node-av --external:bullmq --external:ioredis \
      --banner:js="import { createRequire as __f2dRequire } from 'node:module'; const require = __f2dRequire(import.meta.url);" \
      --outdir="$2" --entry-names='[name]' "${@:3}"
  }
  # Splitting keeps each command's dynamic import() a chunk of its own, loaded when it runs.
  bundle src/cli/main.ts "$f2d/dist/cli" --splitting
  bundle test/bench/model-bench.ts "$f2d/dist/cli"
  bundle src/model/worker/model-worker.ts "$f2d/dist/cli/worker"
  bundle src/model/worker/provider-probe.ts "$f2d/dist/cli/worker"
  tar -C "$f2d" -cJf "$out/f2d-bundle.tar.xz" dist
}
if [ "${BUNDLE_ONLY:-0}" = 1 ]; then
  [ -d "$f2d/node_modules" ] || { echo "BUNDLE_ONLY needs .gpu-cuda/stage from a full run" >&2; exit 2; }
  make_bundle; ls -l "$out/f2d-bundle.tar.xz"; exit 0
fi

# 1. The npm packages, fetched once (npm pack downloads the tarball without installing anything).
mkdir -p "$npm_cache"
for spec in "onnxruntime-node@$ORT_VERSION" "onnxruntime-common@$ORT_VERSION" "$PROVIDER_PACKAGE"; do
  name=${spec%@*}; version=${spec##*@}
  if [ ! -f "$npm_cache/$name-$version.tgz" ]; then
    step "npm pack $spec"
    (cd "$npm_cache" && npm pack "$spec" --silent >/dev/null)
  fi
done

rm -rf "$stage" "$out"/part-* "$out/SHA256SUMS"
mkdir -p "$f2d/node_modules/onnxruntime-node" "$f2d/node_modules/onnxruntime-common"

# 2. onnxruntime-node 1.29.0 for Linux x64, and the provider files beside its core library
#    (onnxruntime-node loads providers from bin/napi-v6/linux/x64/ only).
step "onnxruntime-node $ORT_VERSION with the CUDA provider"
tar -xzf "$npm_cache/onnxruntime-node-$ORT_VERSION.tgz" -C "$f2d/node_modules/onnxruntime-node" --strip-components=1 \
  --exclude='package/bin/napi-v*/darwin' --exclude='package/bin/napi-v*/win32' --exclude='package/bin/napi-v*/linux/arm64'
tar -xzf "$npm_cache/onnxruntime-common-$ORT_VERSION.tgz" -C "$f2d/node_modules/onnxruntime-common" --strip-components=1
native=$(echo "$f2d"/node_modules/onnxruntime-node/bin/napi-v*/linux/x64)
[ -f "$native/libonnxruntime.so.1" ] || { echo "onnxruntime-node $ORT_VERSION has no $native/libonnxruntime.so.1" >&2; exit 1; }
tar -xzf "$npm_cache/${PROVIDER_PACKAGE%@*}-${PROVIDER_PACKAGE##*@}.tgz" -C "$native" --strip-components=4 \
  package/Plugins/Linux/x64/libonnxruntime_providers_cuda.so package/Plugins/Linux/x64/libonnxruntime_providers_shared.so
# The same release or nothing: a provider of another release fails at load, or worse.
grep -qa "$ORT_VERSION" "$native/libonnxruntime_providers_cuda.so" || { echo "the CUDA provider is not onnxruntime $ORT_VERSION" >&2; exit 1; }

# 3. node-av and its FFmpeg build (only the Linux x64 one is installed here).
step "node-av"
cp -r node_modules/node-av "$f2d/node_modules/node-av"
mkdir -p "$f2d/node_modules/@seydx" && cp -r node_modules/@seydx/node-av-linux-x64 "$f2d/node_modules/@seydx/"

# 4. f2d (the bundle; see make_bundle above).
make_bundle
cp package.json "$f2d/package.json"

# 5. Node itself (a static build: glibc and libstdc++ only).
cp "$(command -v node)" "$stage/node"

# 6. A real 1080p clip for f2d restore end to end.
if command -v ffmpeg >/dev/null; then
  step "clip-1080p.mp4"
  ffmpeg -v error -y -i models/demo/weather-street.mp4 -vf scale=1920:1080:flags=lanczos \
    -c:v libx264 -preset medium -crf 28 -pix_fmt yuv420p -an "$stage/clip-1080p.mp4"
else
  echo "no ffmpeg here: the payload has no 1080p clip, cuda-bench.sh skips f2d restore" >&2
fi

if [ "${STAGE_ONLY:-0}" = 1 ]; then du -sh "$stage"; exit 0; fi

# 7. One archive of all but the bundle, split. Parts go over one by one (each call also carries
#    the working tree).
step "compress and split into ${part_mb} MiB parts"
tar -C "$stage" --exclude=./f2d/dist -cf - . | xz -T1 -6 | split -b "${part_mb}M" -d -a 1 - "$out/part-"
(cd "$out" && sha256sum part-* > SHA256SUMS)
du -sh "$stage"
ls -l "$out"/part-*
echo "send each part in its own device call, then run scripts/gpu/cuda-bench.sh: see scripts/gpu/README.md" >&2
