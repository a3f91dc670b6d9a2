"""Distillation: the student is pulled toward the teacher's one-step restoration."""
from __future__ import annotations

import json
import tempfile
import unittest
from pathlib import Path

import torch

from f2dnet.checkpoint import save_compact
from f2dnet.export import randomise_zero_init
from f2dnet.model import CONFIGS, F2DNet
from f2dnet.options import OptionsError, options_from_dict
from f2dnet.train import distill_loss, train

from .test_train import OPTIONS, tiny_photos


def tiny(seed: int) -> F2DNet:
    torch.manual_seed(seed)
    model = F2DNet(CONFIGS["tiny"])
    randomise_zero_init(model, seed)
    return model


def degraded_batch() -> torch.Tensor:
    return torch.rand(2, 3, 32, 48, generator=torch.Generator().manual_seed(3)) * 2 - 1


class DistillTest(unittest.TestCase):
    def test_smallest_against_itself_and_steps_reduce_it(self):
        teacher, student = tiny(0).eval(), tiny(1)
        student.gate_noise = 0.0
        y = degraded_batch()

        def distance() -> torch.Tensor:
            maps, weights, _ = student.parser(y)
            return distill_loss(student, teacher, y, maps, weights)

        with torch.no_grad():
            maps, weights, _ = teacher.parser(y)
            # not zero: the target is clamped to the valid range, the student's output is not
            itself = distill_loss(teacher, teacher, y, maps, weights).item()
        before = distance().item()
        self.assertGreater(before, itself + 1e-2)
        optim = torch.optim.Adam(student.parameters(), lr=1e-3)
        for _ in range(20):
            optim.zero_grad()
            distance().backward()
            optim.step()
        self.assertLess(distance().item(), 0.8 * before)
        self.assertTrue(all(p.grad is None for p in teacher.parameters()), "the teacher is not trained")

    def test_training_with_a_teacher_logs_the_term_and_records_the_teacher(self):
        with tempfile.TemporaryDirectory() as tmp:
            photos, run, teacher = Path(tmp) / "photos", Path(tmp) / "run", Path(tmp) / "teacher"
            tiny_photos(photos)
            save_compact(teacher, tiny(0), {"steps": 9, "stages": []})
            opt = options_from_dict({**OPTIONS, "total_steps": 50, "teacher": str(teacher), "lambda_distill": 1.0},
                                    "test options")
            train(opt, photos, run)
            log = [json.loads(line) for line in (run / "log.jsonl").read_text().splitlines()]
            self.assertTrue(any("distill" in rec for rec in log))
            info = torch.load(run / "last.pt", map_location="cpu")["training_info"]
            self.assertEqual(info["teacher"], str(teacher))

    def test_a_weight_without_a_teacher_is_refused(self):
        with self.assertRaisesRegex(OptionsError, "lambda_distill.*teacher"):
            options_from_dict({**OPTIONS, "lambda_distill": 0.5}, "test options")


if __name__ == "__main__":
    unittest.main()
