"""Training runs end to end on a few generated photos: steps, checkpoint, device choice."""
from __future__ import annotations

import json
import tempfile
import unittest
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from f2dnet.options import options_from_dict
from f2dnet.train import pick_device, train


def tiny_photos(root: Path) -> None:
    rng = np.random.default_rng(0)
    photos = []
    for i, split in enumerate(["train", "train", "train", "val"]):
        (root / split).mkdir(parents=True, exist_ok=True)
        # smooth gradients plus noise: something the synthesis can degrade
        y, x = np.mgrid[0:48, 0:64]
        img = np.stack([x * 4, y * 5, (x + y) * 2], -1) + rng.integers(0, 30, (48, 64, 3))
        name = f"{split}/p{i}.png"
        Image.fromarray(img.clip(0, 255).astype(np.uint8)).save(root / name)
        photos.append({"file": name, "split": split})
    (root / "manifest.json").write_text(json.dumps({"photos": photos}))


OPTIONS = {
    "name": "t", "model": "tiny", "sigmas_scale": 1.0, "patch": 32, "batch": 2, "lr": 1e-3,
    "weight_decay": 0.0, "warmup_steps": 1, "total_steps": 3, "budget_minutes": 5, "k0_fraction": 0.25,
    "ema_decay": 0.9, "loss": "charbonnier", "lambda_weights": 0.1, "lambda_maps": 0.1, "lambda_cls": 0.01,
    "lambda_balance": 0.01, "lambda_alpha": 0.02, "val_every": 3, "val_images": 1, "val_size": 32,
    "ckpt_every": 100, "threads": 1, "seed": 0, "device": "cpu",
}


class TrainTest(unittest.TestCase):
    def test_runs_steps_validates_and_checkpoints(self):
        with tempfile.TemporaryDirectory() as tmp:
            photos, run = Path(tmp) / "photos", Path(tmp) / "run"
            tiny_photos(photos)
            train(options_from_dict(OPTIONS, "test options"), photos, run)
            ck = torch.load(run / "last.pt", map_location="cpu")
            self.assertEqual(ck["step"], 3)
            self.assertEqual(ck["training_info"]["device"], "cpu")
            self.assertTrue((run / "best.pt").exists(), "validation ran and kept the best weights")
            log = [json.loads(line) for line in (run / "log.jsonl").read_text().splitlines()]
            self.assertTrue(any("val" in rec for rec in log))

    def test_device_choice(self):
        self.assertEqual(pick_device("cpu").type, "cpu")
        self.assertEqual(pick_device("auto").type, "cuda" if torch.cuda.is_available() else "cpu")
        if not torch.cuda.is_available():
            with self.assertRaises(SystemExit):
                pick_device("cuda")


if __name__ == "__main__":
    unittest.main()
