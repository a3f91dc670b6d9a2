"""The rain and snow bounds: what the envelope keeps, when each bound acts, that training leaves
them out, and that the export computes them."""
import dataclasses
import unittest

import torch

from f2dnet import bounds
from f2dnet.bounds import SIZE, lower_envelope
from f2dnet.despeckle import opening
from f2dnet.export import RestorerGraph, to_model_range
from f2dnet.model import CONFIGS

from .test_pixel_inputs import random_model

TINY_BOUNDS = dataclasses.replace(CONFIGS["tiny"], bounds=True)


def rain_snow_bounds(*args):
    """Both bounds, the ceiling on (the shipped graphs leave it off: ``bounds.CEILING``)."""
    return bounds.rain_snow_bounds(*args, ceiling=True)


def rainy_scene() -> torch.Tensor:
    """Grey with a dark 1-px line, a bright 3-px streak, a bright 20-px wide block and a step edge."""
    x = torch.full((1, 3, 48, 48), -0.2)
    x[..., 6, :] = -0.8
    x[..., 10:30, 8:11] = 0.6
    x[..., 10:30, 20:40] = 0.4
    x[..., 40:, :] = 0.3
    return x


def parsed(rain_map: float, rain_weight: float, haze: float = 0.0, low: float = 0.0) -> tuple[torch.Tensor, torch.Tensor]:
    maps = torch.zeros(1, 4, 12, 12)
    maps[:, 2] = rain_map
    return maps, torch.tensor([[low, haze, rain_weight, 0.0]])


class LowerEnvelopeTest(unittest.TestCase):
    def test_is_the_square_opening_without_the_bright_things_narrower_than_its_size(self):
        x = rainy_scene()
        env = lower_envelope(x)
        smooth = torch.nn.functional.avg_pool2d(torch.rand(1, 3, 96, 96, generator=torch.Generator().manual_seed(0)) * 2 - 1, 5, 1, 2)
        exact = opening(smooth, SIZE)
        gap = (lower_envelope(smooth) - exact).abs().mean().item()
        self.assertLess(gap, 0.1 * (smooth - exact).abs().mean().item(), "at half resolution, close to the square opening")
        self.assertTrue((env <= x + 1e-6).all(), "never brighter than the image")
        self.assertAlmostEqual(env[0, 0, 20, 9].item(), -0.2, places=5)                 # the streak is gone
        self.assertTrue(torch.allclose(env[..., 6, :], x[..., 6, :]))                   # dark detail kept
        self.assertTrue(torch.allclose(env[..., 10:30, 20:40], x[..., 10:30, 20:40]))   # wide block kept
        self.assertTrue(torch.allclose(env[..., 38:, :], x[..., 38:, :]))               # the edge, both sides
        # the grey band between the frame's top and the dark line is narrower than the square
        # too: the envelope sits at the line's darkness there, so near dark detail it asks little
        self.assertAlmostEqual(env[0, 0, 2, 24].item(), -0.8, places=5)


class FloorTest(unittest.TestCase):
    def test_raises_what_went_below_the_envelope_by_the_parsers_strength(self):
        x = rainy_scene()
        too_dark = x - 0.3  # a restoration that darkened everything, the streak too
        full = rain_snow_bounds(too_dark, x, *parsed(1.0, 1.0))
        self.assertTrue(torch.allclose(full, torch.maximum(too_dark, lower_envelope(x))))
        self.assertAlmostEqual(full[0, 0, 20, 4].item(), -0.2, places=5, msg="beside the streak: the scene")
        self.assertAlmostEqual(full[0, 0, 20, 9].item(), 0.3, places=5, msg="the streak itself is the model's to take off")
        half = rain_snow_bounds(too_dark, x, *parsed(1.0, 0.5))
        self.assertAlmostEqual(half[0, 0, 20, 4].item(), -0.35, places=5)

    def test_leaves_a_restoration_between_the_bounds_alone(self):
        x = rainy_scene()
        between = torch.maximum(x - 0.05, lower_envelope(x))
        self.assertTrue(torch.equal(rain_snow_bounds(between, x, *parsed(1.0, 1.0)), between))

    def test_is_off_without_rain_or_snow_and_under_haze_not_low_light(self):
        x = rainy_scene()
        too_dark = x - 0.3
        for gate in (parsed(1.0, 0.0), parsed(0.0, 1.0), parsed(1.0, 1.0, haze=1.0)):
            self.assertTrue(torch.equal(rain_snow_bounds(too_dark, x, *gate), too_dark))
        some_haze = rain_snow_bounds(too_dark, x, *parsed(1.0, 1.0, haze=0.5))
        self.assertAlmostEqual(some_haze[0, 0, 20, 4].item(), -0.5 + 0.3 * 0.5 ** 4, places=5)
        dark = rain_snow_bounds(too_dark, x, *parsed(1.0, 1.0, low=1.0))
        self.assertAlmostEqual(dark[0, 0, 20, 4].item(), -0.2, places=5, msg="low light keeps the floor")


class CeilingTest(unittest.TestCase):
    def test_lowers_what_is_brighter_than_the_input_by_the_parsers_strength(self):
        x = rainy_scene()
        too_bright = x + 0.2
        self.assertTrue(torch.allclose(rain_snow_bounds(too_bright, x, *parsed(1.0, 1.0)), x))
        self.assertTrue(torch.allclose(rain_snow_bounds(too_bright, x, *parsed(1.0, 0.5)), x + 0.1))

    def test_is_off_without_rain_or_snow_and_under_low_light_not_haze(self):
        x = rainy_scene()
        too_bright = x + 0.2
        for gate in (parsed(1.0, 0.0), parsed(0.0, 1.0), parsed(1.0, 1.0, low=1.0)):
            self.assertTrue(torch.equal(rain_snow_bounds(too_bright, x, *gate), too_bright))
        some_low = rain_snow_bounds(too_bright, x, *parsed(1.0, 1.0, low=0.5))
        self.assertTrue(torch.allclose(some_low, too_bright - 0.2 * 0.5 ** 4))
        hazy = rain_snow_bounds(too_bright, x, *parsed(1.0, 1.0, haze=1.0))
        self.assertTrue(torch.allclose(hazy, x), "haze keeps the ceiling")


class BoundsInModelTest(unittest.TestCase):
    def test_the_export_computes_the_same_steps(self):
        img = (torch.rand(1, 48, 48, 3, generator=torch.Generator().manual_seed(7)) * 255).to(torch.uint8)
        model = random_model(TINY_BOUNDS)
        maps, _, _ = model.parser(to_model_range(img))
        maps, weights = torch.ones_like(maps), torch.tensor([[0.0, 0.0, 1.0, 1.0]])
        with torch.no_grad():
            out, _ = RestorerGraph(model)(img, maps, weights)
            ref, _ = model(to_model_range(img), torch.zeros(1, dtype=torch.long), to_model_range(img), maps, weights)
            ref = torch.round(((to_model_range(img) + ref).clamp(-1, 1) + 1) * 127.5).to(torch.uint8).permute(0, 2, 3, 1)
            model.cfg = dataclasses.replace(model.cfg, bounds=False)
            without, _ = RestorerGraph(model)(img, maps, weights)
        self.assertLessEqual((ref.int() - out.int()).abs().max().item(), 1)
        self.assertGreater((out.int() - without.int()).abs().float().mean().item(), 0.1)
        envelope = ((lower_envelope(to_model_range(img)) + 1) * 127.5).permute(0, 2, 3, 1)
        self.assertTrue((out.int() >= envelope.floor().int() - 1).all(), "under full rain and no haze, never below the envelope")

    def test_training_leaves_them_out(self):
        x = to_model_range((torch.rand(1, 48, 48, 3, generator=torch.Generator().manual_seed(8)) * 255).to(torch.uint8))
        model = random_model(TINY_BOUNDS)
        maps, weights = torch.ones(1, 4, 12, 12), torch.tensor([[0.0, 0.0, 1.0, 1.0]])
        k = torch.zeros(1, dtype=torch.long)
        model.gate_noise = 0.0
        with torch.no_grad():
            model.train()
            trained, _ = model(x, k, x, maps, weights)
            model.eval()
            inferred, _ = model(x, k, x, maps, weights)
            model.cfg = dataclasses.replace(model.cfg, bounds=False)
            plain, _ = model(x, k, x, maps, weights)
        self.assertTrue(torch.allclose(trained, plain, atol=1e-6), "the loss sees the network's own errors")
        self.assertFalse(torch.allclose(inferred, plain, atol=1e-3))


if __name__ == "__main__":
    unittest.main()
