"""The despeckle step: what the opening removes and keeps, its gate, and that the export computes it."""
import dataclasses
import unittest

import torch

from f2dnet.despeckle import despeckle, opening
from f2dnet.export import RestorerGraph, to_model_range
from f2dnet.model import CONFIGS

from .test_pixel_inputs import one_step, random_model

TINY_DESPECKLE = dataclasses.replace(CONFIGS["tiny"], despeckle=True)


def scene() -> torch.Tensor:
    """Grey, with a 1-px bright dot, a 2-px wide bright streak, a 5-px wide bright bar and a step edge."""
    x = torch.full((1, 3, 32, 32), -0.2)
    x[..., 4, 4] = 0.9
    x[..., 8:20, 10:12] = 0.7
    x[..., 8:20, 20:25] = 0.7
    x[..., 26:, :] = 0.5
    return x


def gate(rain_map: float, rain_weight: float) -> tuple[torch.Tensor, torch.Tensor]:
    maps = torch.zeros(1, 4, 8, 8)
    maps[:, 2] = rain_map
    return maps, torch.tensor([[0.0, 0.0, rain_weight, 0.0]])


class OpeningTest(unittest.TestCase):
    def test_takes_off_what_is_narrower_than_three_pixels_and_keeps_the_rest(self):
        x = scene()
        o = opening(x)
        self.assertTrue((o <= x + 1e-6).all(), "never brighter than the image")
        self.assertAlmostEqual(o[0, 0, 4, 4].item(), -0.2, places=5)            # the dot
        self.assertAlmostEqual(o[0, 0, 14, 10:12].max().item(), -0.2, places=5)  # the streak
        self.assertTrue(torch.allclose(o[..., 8:20, 20:25], x[..., 8:20, 20:25]))  # the bar
        self.assertTrue(torch.allclose(o[..., 24:, :], x[..., 24:, :]))          # the edge, both sides


class DespeckleTest(unittest.TestCase):
    def test_leaves_the_frame_alone_without_rain_or_snow(self):
        x = scene()
        for rain_map, rain_weight in ((1.0, 0.0), (0.0, 1.0)):
            self.assertTrue(torch.equal(despeckle(x, *gate(rain_map, rain_weight)), x))
        haze = gate(0.0, 0.0)[0]
        haze[:, 1] = 1.0
        self.assertTrue(torch.equal(despeckle(x, haze, torch.tensor([[1.0, 1.0, 0.0, 0.0]])), x))

    def test_lowers_the_specks_by_the_parsers_strength(self):
        x = scene()
        full = despeckle(x, *gate(1.0, 1.0))
        self.assertTrue(torch.allclose(full, opening(x)))
        half = despeckle(x, *gate(1.0, 0.5))
        self.assertAlmostEqual(half[0, 0, 4, 4].item(), (0.9 - 0.2) / 2, places=5)


class DespeckleInModelTest(unittest.TestCase):
    def test_the_export_computes_the_same_step(self):
        img = (torch.rand(1, 32, 48, 3, generator=torch.Generator().manual_seed(5)) * 255).to(torch.uint8)
        model = random_model(TINY_DESPECKLE)
        maps, _, _ = model.parser(to_model_range(img))
        maps, weights = torch.ones_like(maps), torch.ones(1, 4)  # rain and snow everywhere: the step shows
        with torch.no_grad():
            out, _ = RestorerGraph(model)(img, maps, weights)
            ref, _ = model(to_model_range(img), torch.zeros(1, dtype=torch.long), to_model_range(img), maps, weights)
            ref = torch.round(((to_model_range(img) + ref).clamp(-1, 1) + 1) * 127.5).to(torch.uint8).permute(0, 2, 3, 1)
            model.cfg = dataclasses.replace(model.cfg, despeckle=False)
            without, _ = RestorerGraph(model)(img, maps, weights)
        self.assertLessEqual((ref.int() - out.int()).abs().max().item(), 1)
        self.assertGreater((out.int() - without.int()).abs().float().mean().item(), 1.0)
        self.assertTrue((out.int() <= without.int() + 1).all(), "it only ever lowers pixels")

    def test_it_can_be_left_out_of_the_training_forward_only(self):
        g = torch.Generator().manual_seed(6)
        x = torch.rand(1, 3, 32, 48, generator=g) * 2 - 1
        maps, weights = torch.ones(1, 4, 8, 12), torch.ones(1, 4)  # rain and snow everywhere: the step shows
        model = random_model(TINY_DESPECKLE)
        plain = random_model(CONFIGS["tiny"])
        plain.load_state_dict(model.state_dict())
        k = torch.zeros(1, dtype=torch.long)
        model.despeckle_in_training = False
        for m in (model, plain):
            m.train()
            m.gate_noise = 0.0  # the gate's exploration noise would make two training forwards differ
        with torch.no_grad():
            self.assertTrue(torch.equal(model(x, k, x, maps, weights)[0], plain(x, k, x, maps, weights)[0]))
            model.eval()
            plain.eval()
            self.assertFalse(torch.equal(model(x, k, x, maps, weights)[0], plain(x, k, x, maps, weights)[0]),
                             "in eval mode the step runs")


if __name__ == "__main__":
    unittest.main()
