#!/usr/bin/env bash
# Packs what a GPU training session needs into .gpu-train/ (git-ignored, under 64 MiB so one
# device call carries it): every gathered photo re-encoded as JPEG (quality 92, long side at
# most 768 px: the crops are 256 px and the photos are scaled 0.5–1 before cropping) with the
# same manifest. The code and the committed checkpoints travel with the working tree.
#
#   scripts/gpu/pack-train.sh      # then on the device: scripts/gpu/train.sh [minutes]
#
# Needs: npm run photos done here (scripts/data/photos), /usr/bin/python3 with PIL.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=.gpu-train
[ -f scripts/data/photos/manifest.json ] || { echo "no scripts/data/photos: run npm run photos first" >&2; exit 2; }
rm -rf "$out" && mkdir -p "$out/photos"
/usr/bin/python3 - "$out/photos" <<'PY'
import json, os, sys
from PIL import Image
src, dst = "scripts/data/photos", sys.argv[1]
manifest = json.load(open(f"{src}/manifest.json"))
for rec in manifest["photos"]:
    img = Image.open(f"{src}/{rec['file']}").convert("RGB")
    scale = 768 / max(img.size)
    if scale < 1:
        img = img.resize((round(img.width * scale), round(img.height * scale)), Image.BICUBIC)
    rec["file"] = os.path.splitext(rec["file"])[0] + ".jpg"
    os.makedirs(os.path.dirname(f"{dst}/{rec['file']}"), exist_ok=True)
    img.save(f"{dst}/{rec['file']}", quality=92)
    rec["width"], rec["height"] = img.size
json.dump(manifest, open(f"{dst}/manifest.json", "w"))
PY
du -sh "$out"
