"""Training and validation data: clean photos in memory, degraded on the fly.

Photos are read once into uint8 tensors (the whole set is a few hundred MB), so a training
step costs a crop, a flip and one batched call of :func:`synth.degrade`. Validation uses fixed
crops, configurations and synthesis seeds, so its numbers are comparable across runs.
"""
from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from . import synth


def load_photos(root: Path, split: str, min_side: int, max_side: int | None = None) -> list[torch.Tensor]:
    """The split's photos as uint8 [3,H,W], upscaled to ``min_side`` when smaller and, with
    ``max_side``, downscaled so the long side is at most that."""
    manifest = json.loads((root / "manifest.json").read_text())
    out = []
    for rec in manifest["photos"]:
        if rec["split"] != split:
            continue
        img = Image.open(root / rec["file"]).convert("RGB")
        if max_side is not None and max(img.size) > max_side:
            s = max_side / max(img.size)
            img = img.resize((round(img.width * s), round(img.height * s)), Image.LANCZOS)
        if min(img.size) < min_side:  # small photos are upscaled to fit one crop
            s = min_side / min(img.size)
            img = img.resize((max(min_side, round(img.width * s)), max(min_side, round(img.height * s))),
                             Image.BICUBIC)
        out.append(torch.from_numpy(np.array(img)).permute(2, 0, 1).contiguous())
    if not out:
        raise FileNotFoundError(f"no {split} photos in {root}: run `python3 -m f2dnet.photos` first")
    return out


class TrainBatches:
    """Endless random batches: (degraded, clean, flags, maps) as floats in [0,1]."""

    def __init__(self, photos: list[torch.Tensor], patch: int, batch: int, seed: int = 0,
                 device: torch.device | str = "cpu", clear_fraction: float = 0.0):
        self.patch, self.batch = patch, batch
        # Samples left undegraded (flags all 0): without them the parser never sees a clear
        # scene and calls lit windows at night or sky through leaves "snow", and the restorer
        # never learns to leave a clear frame alone (most frames of a real drive).
        self.clear_fraction = clear_fraction
        # Everything runs where the model trains. On a GPU the photos move there once (uint8:
        # 0.6 GB for the 487 training photos, from their sizes in the manifest): cutting crops and drawing noise on the CPU took 70 % of
        # each step on an H100 (0.09 of 0.13 s at batch 16 × 256²).
        self.device = torch.device(device)
        self.photos = [p.to(self.device) for p in photos]
        self.rng = random.Random(seed)
        self.configs = list(synth.CONFIGS.values())

    def crop(self, img: torch.Tensor) -> torch.Tensor:
        p = self.patch
        # random scale 0.5–1 first, so a crop sees more or less of the scene
        _, h, w = img.shape
        s = self.rng.uniform(max(p / min(h, w), 0.5), 1.0)
        cs = min(int(p / s), h, w)
        y, x = self.rng.randint(0, h - cs), self.rng.randint(0, w - cs)
        c = img[:, y:y + cs, x:x + cs].float().unsqueeze(0) / 255.0
        if cs != p:
            c = F.interpolate(c, size=(p, p), mode="bilinear", align_corners=False, antialias=True)
        if self.rng.random() < 0.5:
            c = c.flip(3)
        return c[0]

    def __next__(self):
        clean = torch.stack([self.crop(self.rng.choice(self.photos)) for _ in range(self.batch)])
        flags = torch.tensor([(0, 0, 0, 0) if self.rng.random() < self.clear_fraction else self.rng.choice(self.configs)
                              for _ in range(self.batch)], dtype=torch.float32, device=self.device)
        params, noise = synth.random_inputs(self.batch, self.patch, self.patch, device=self.device)
        with torch.no_grad():
            degraded, maps = synth.degrade(clean, flags, params, noise)
        # 8-bit, as every decoded frame is: dark frames band, and the model must see it
        degraded = (degraded * 255).round() / 255
        return degraded, clean.clamp(0, 1), flags, maps


def validation_set(photos: list[torch.Tensor], size: int, count: int, seed: int = 123):
    """Fixed centre crops × all 11 configurations with seeded synthesis."""
    g = torch.Generator().manual_seed(seed)
    items = []
    for idx, img in enumerate(photos[:count]):
        _, h, w = img.shape
        s = min(h, w)
        c = img[:, (h - s) // 2:(h - s) // 2 + s, (w - s) // 2:(w - s) // 2 + s].float()[None] / 255
        c = F.interpolate(c, size=(size, size), mode="bilinear", align_corners=False, antialias=True)
        for name in synth.CONFIGS:
            params, noise = synth.random_inputs(1, size, size, g)
            with torch.no_grad():
                deg, _ = synth.degrade(c, synth.config_flags(name)[None], params, noise)
            # quantise to 8 bits as a real frame would be
            items.append((name, (deg * 255).round() / 255, c))
    return items
