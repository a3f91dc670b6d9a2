"""Diagnostics of a checkpoint: selectivity ratios, parser accuracy, velocity probe."""
from __future__ import annotations

import dataclasses
import math
import unittest

import torch

from f2dnet import synth
from f2dnet.diagnostics import K_GRID, evaluation_items, selectivity, smoothing, tone_error, velocity_probe
from f2dnet.model import CONFIGS, F2DNet
from f2dnet.train import restore_one_step
from f2dnet.transport import Transport

from .test_checkpoint import tiny_model


class DiagnosticsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        g = torch.Generator().manual_seed(0)
        photos = [(torch.rand(3, 40, 48, generator=g) * 255).to(torch.uint8) for _ in range(2)]
        cls.items = evaluation_items(photos, 32, 2, synth)
        cls.model = tiny_model(2)

    def test_items_cover_every_configuration_with_maps(self):
        self.assertEqual(len(self.items), 2 * len(synth.CONFIGS))
        name, flags, deg, clean, maps = self.items[0]
        self.assertEqual(deg.shape, clean.shape)
        self.assertEqual(maps.shape[1], 4)

    def test_selectivity_and_parser_accuracy_are_finite_ratios(self):
        out = selectivity(self.model, self.items)
        for key in ("S1", "S2", "S3"):
            self.assertTrue(math.isfinite(out[key]) and out[key] > 0, key)
        self.assertEqual(set(out["parser_accuracy"]), set(synth.FACTORS))
        for acc in out["parser_accuracy"].values():
            self.assertGreaterEqual(acc, 0.0)
            self.assertLessEqual(acc, 1.0)

    def test_velocity_probe_covers_the_grid(self):
        rows = velocity_probe(self.model, Transport(1.0), self.items[:3])
        self.assertEqual(list(rows), list(K_GRID))
        for row in rows.values():
            self.assertGreaterEqual(row["rho"], 0.0)
            self.assertLessEqual(abs(row["cosine"]), 1.0 + 1e-6)
            for alpha in row["alpha"].values():
                self.assertAlmostEqual(sum(alpha), 1.0, places=4)

    def test_tone_error_finds_a_frame_wide_shift(self):
        items = [(name, flags, (clean + 0.1).clamp(0, 1), clean, maps)
                 for name, flags, _, clean, maps in self.items]
        report = tone_error(lambda deg: deg, items)  # "restores" nothing: the shift stays
        self.assertEqual(set(report), set(synth.CONFIGS) | {"mean"})
        row = report["mean"]
        self.assertGreater(row["bias_levels"], 15.0)  # +25.5 where the clean pixel is below 0.9
        self.assertGreater(row["psnr_true_means"], row["psnr"] + 3.0)

    def test_true_means_never_score_lower(self):
        report = tone_error(lambda deg: restore_one_step(self.model, deg), self.items)
        for name, row in report.items():
            self.assertGreaterEqual(row["psnr_true_means"], row["psnr"] - 1e-6, name)

    def test_smoothing_reports_each_configuration_and_opens_with_the_gate(self):
        self.assertEqual(smoothing(self.model, self.items), {})  # tiny has no smoother
        model = F2DNet(dataclasses.replace(CONFIGS["tiny"], smoother=True)).eval()
        report = smoothing(model, self.items)
        self.assertEqual(set(report), set(synth.CONFIGS))
        for row in report.values():  # the gates start at sigmoid(−3)
            self.assertAlmostEqual(row["luma"], 0.047, places=2)
        with torch.no_grad():
            model.smoother.gate.bias[0] = 3.0
        self.assertGreater(smoothing(model, self.items)["rain"]["luma"], 0.9)


if __name__ == "__main__":
    unittest.main()
