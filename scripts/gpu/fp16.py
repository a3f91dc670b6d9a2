"""Makes an fp16 copy of an f2d model directory for the CUDA benchmark (scripts/gpu/cuda-bench.sh).

    python3 scripts/gpu/fp16.py models/f2d-lite .gpu-cuda-device/f2d-lite-fp16

Weights and activations become float16; the graphs' inputs and outputs keep their types (uint8
frames, float32 maps and weights), so the manifest's io contract and f2d's worker are unchanged.
The conversion is onnxruntime's own (onnxruntime.transformers.float16, which keeps ops that have
no fp16 kernel in float32): the GPU machine's python3 has onnxruntime and onnx; this machine may
not, and then the script says so and exits 3 (the benchmark skips fp16).

Speed only: whether fp16 loses under 0.05 dB is for `f2d eval` on the result (issue 11).
"""

import hashlib
import json
import sys
from pathlib import Path


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    src, dst = Path(sys.argv[1]), Path(sys.argv[2])
    try:
        import onnx
        from onnxruntime.transformers.float16 import convert_float_to_float16
    except ImportError as err:
        print(f"fp16.py needs onnx and onnxruntime (onnxruntime.transformers.float16): {err}", file=sys.stderr)
        return 3
    manifest = json.loads((src / "manifest.json").read_text())
    dst.mkdir(parents=True, exist_ok=True)
    for graph, entry in manifest["files"].items():
        model = onnx.load(str(src / entry["path"]))
        half = convert_float_to_float16(model, keep_io_types=True)
        out = dst / entry["path"]
        onnx.save(half, str(out))
        entry["sha256"] = hashlib.sha256(out.read_bytes()).hexdigest()
        print(f"{graph}: {src / entry['path']} -> {out} ({out.stat().st_size} bytes)")
    manifest["name"] = f"{manifest['name']}-fp16"
    # The goldens are fp32 outputs: an fp16 model is checked with f2d eval, not against them.
    manifest.pop("golden", None)
    (dst / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
