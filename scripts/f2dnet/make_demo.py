"""Make the built-in live demo clip: a real street clip with synthetic weather.

Source: ``vtest.avi`` from Debian's opencv-doc (a fixed outdoor camera over a street with
people and vans; Apache-2.0 AND BSD-3-Clause). The clip is cropped to 16:9, scaled to
640×360, and degraded with this project's synthesis (the same code as training and
``models/synth/degrade.onnx``) through a sequence of weather segments, so the viewer shows
the parser's maps and weights following the weather. Each segment keeps its parameters (one
storm), while the rain and snow fields are drawn afresh per frame, as falling rain is.

Usage::

    python3 -m f2dnet.make_demo --out ../models/demo/weather-street.mp4
"""
from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import numpy as np
import torch

from . import synth
from .photos import fetch_package

SEGMENTS = ["rain", "haze_rain", "snow", "low_haze", "low_rain", "haze_snow"]
W, H = 640, 360


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Make the demo clip with synthetic weather")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--cache", type=Path, default=Path("data/debian"))
    ap.add_argument("--seconds-per-segment", type=float, default=5.0)
    ap.add_argument("--clean-out", type=Path, help="also write the clean clip (for scoring)")
    args = ap.parse_args(argv)
    root, _ = fetch_package("opencv-doc", args.cache)
    src = root / "usr/share/doc/opencv-doc/examples/data/vtest.avi"
    fps = 10
    n = int(len(SEGMENTS) * args.seconds_per_segment * fps)
    crop = "crop=768:432:0:72,scale=640:360:flags=area"
    dec = subprocess.run(["ffmpeg", "-v", "error", "-i", str(src), "-vf", crop, "-frames:v", str(n),
                          "-f", "rawvideo", "-pix_fmt", "rgb24", "-"], capture_output=True, check=True)
    frames = np.frombuffer(dec.stdout, np.uint8).reshape(-1, H, W, 3)
    g = torch.Generator().manual_seed(2026)
    per_segment = int(args.seconds_per_segment * fps)
    out_frames = []
    params = None
    for i, f in enumerate(frames):
        seg = SEGMENTS[min(i // per_segment, len(SEGMENTS) - 1)]
        if i % per_segment == 0:
            params, _ = synth.random_inputs(1, 1, 1, g)
        _, noise = synth.random_inputs(1, H, W, g)
        clean = torch.from_numpy(f.copy()).permute(2, 0, 1)[None].float() / 255
        with torch.no_grad():
            deg, _ = synth.degrade(clean, synth.config_flags(seg)[None], params, noise)
        out_frames.append((deg[0].permute(1, 2, 0).numpy() * 255).round().astype(np.uint8))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    enc = ["ffmpeg", "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{W}x{H}",
           "-r", str(fps), "-i", "-", "-c:v", "libx264", "-preset", "slow", "-crf", "32",
           "-pix_fmt", "yuv420p", "-g", str(fps * 2), "-bf", "0", "-movflags", "+faststart"]
    subprocess.run(enc + [str(args.out)], input=np.stack(out_frames).tobytes(), check=True)
    if args.clean_out:
        subprocess.run(enc + [str(args.clean_out)], input=frames.tobytes(), check=True)
    print(f"wrote {args.out}: {len(out_frames)} frames, segments {SEGMENTS}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
