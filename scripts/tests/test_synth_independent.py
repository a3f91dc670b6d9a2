"""The independent evaluation synthesiser: contract, direction of each factor, determinism."""
import ast
import subprocess
import sys
import unittest
from pathlib import Path

import torch

from f2dnet import synth_independent as si

ANGLE_VERTICAL = 0.5  # rain_angle maps [0,1) to ±0.55 rad, so 0.5 is straight down


class SynthIndependentTest(unittest.TestCase):
    def setUp(self):
        g = torch.Generator().manual_seed(0)
        # a smooth mid-grey scene with some structure, so every factor has room to act
        yy, xx = torch.meshgrid(torch.linspace(0, 1, 96), torch.linspace(0, 1, 128), indexing="ij")
        base = torch.stack([0.3 + 0.3 * xx, 0.35 + 0.2 * yy, 0.4 - 0.1 * xx * yy])[None]
        self.clean = (base + 0.05 * torch.rand(1, 3, 96, 128, generator=g)).clamp(0, 1)
        self.params, self.noise = si.random_inputs(1, 96, 128, g)

    def run_config(self, name, params=None, noise=None):
        return si.degrade(self.clean, si.config_flags(name)[None],
                          self.params if params is None else params, self.noise if noise is None else noise)

    def test_interface_mirrors_the_training_synthesis(self):
        self.assertEqual(si.FACTORS, ("low", "haze", "rain", "snow"))
        self.assertEqual(len(si.CONFIGS), 11)
        self.assertEqual(sorted(n for names in si.TIERS.values() for n in names), sorted(si.CONFIGS))
        self.assertEqual(si.N_PARAMS, len(si.PARAMS))
        self.assertEqual(si.N_NOISE, len(si.NOISE))
        params, noise = si.random_inputs(2, 20, 30)
        self.assertEqual(tuple(params.shape), (2, si.N_PARAMS))
        self.assertEqual(tuple(noise.shape), (2, si.N_NOISE, 20, 30))

    def test_shapes_and_range_for_every_configuration(self):
        for name in si.CONFIGS:
            out, maps = self.run_config(name)
            self.assertEqual(out.shape, self.clean.shape, name)
            self.assertEqual(tuple(maps.shape), (1, 4, 96, 128), name)
            self.assertGreaterEqual(out.min().item(), 0.0, name)
            self.assertLessEqual(out.max().item(), 1.0, name)
            self.assertGreater((out - self.clean).abs().mean().item(), 0.01, name)
            for i, on in enumerate(si.CONFIGS[name]):
                self.assertEqual(maps[:, i].max().item() > 0, bool(on), f"{name}: map of {si.FACTORS[i]}")

    def test_no_flags_is_identity(self):
        out, maps = si.degrade(self.clean, torch.zeros(1, 4), self.params, self.noise)
        self.assertTrue(torch.equal(out, self.clean))
        self.assertEqual(maps.abs().max().item(), 0.0)

    def test_low_light_darkens(self):
        out, _ = self.run_config("low")
        self.assertLess(out.mean().item(), 0.6 * self.clean.mean().item())

    def test_haze_lowers_contrast_towards_a_grey_airlight(self):
        out, _ = self.run_config("haze")
        # local contrast scales by the transmission t < 1 (the depth gradient may add a slow ramp)
        detail = lambda x: (x[..., 1:] - x[..., :-1]).abs().mean().item()
        self.assertLess(detail(out), 0.8 * detail(self.clean))
        # airlight is 0.6–0.9 in every channel: a darkish scene gets brighter and greyer
        self.assertGreater(out.mean().item(), self.clean.mean().item())
        chroma = lambda x: (x.amax(1) - x.amin(1)).mean().item()
        self.assertLess(chroma(out), chroma(self.clean))

    def test_rain_and_snow_only_brighten(self):
        for name in ("rain", "snow"):
            out, _ = self.run_config(name)
            self.assertGreaterEqual((out - self.clean).min().item(), -1e-6, name)
            self.assertGreater((out - self.clean).mean().item(), 0.01, name)

    def test_rain_is_a_full_frame_layer_of_thin_streaks(self):
        params = self.params.clone()
        params[0, si.PARAMS.index("rain_angle")] = ANGLE_VERTICAL
        out, _ = self.run_config("rain", params=params)
        layer = (out - self.clean).mean(1)[0]
        layer = layer - layer.mean()
        # streaks: a pixel is like the one below it far more than the one beside it
        vertical = (layer[1:] * layer[:-1]).mean() / layer.var()
        horizontal = (layer[:, 1:] * layer[:, :-1]).mean() / layer.var()
        self.assertGreater(vertical.item(), 0.6)
        self.assertLess(horizontal.item(), 0.3)
        # full frame: every 16×16 block gets some rain
        blocks = (out - self.clean).mean(1).unfold(1, 16, 16).unfold(2, 16, 16).amax((-1, -2))
        self.assertGreater(blocks.min().item(), 0.0)

    def test_snow_has_flakes_of_many_sizes(self):
        params = self.params.clone()
        params[0, si.PARAMS.index("snow_motion")] = 0.0
        params[0, si.PARAMS.index("snow_veil")] = 0.0
        _, maps = self.run_config("snow", params=params)
        snow = maps[0, 3]
        # opaque specks and semi-transparent large flakes: a wide spread of alpha values
        self.assertGreater(snow.max().item(), 0.5)
        covered = snow > 0.02
        self.assertGreater(covered.float().mean().item(), 0.02)
        self.assertLess(covered.float().mean().item(), 0.9)
        semi = ((snow > 0.05) & (snow < 0.4)).float().mean().item()
        self.assertGreater(semi, 0.01)

    def test_haze_is_applied_last(self):
        # the recipe's order low → rain → snow → haze: haze attenuates the rain added before it
        rain, _ = self.run_config("rain")
        haze, _ = self.run_config("haze")
        haze_rain, _ = self.run_config("haze_rain")
        self.assertLess((haze_rain - haze).abs().mean().item(), (rain - self.clean).abs().mean().item())

    def test_same_params_and_noise_reproduce_and_other_noise_differs(self):
        a, _ = si.degrade(self.clean, torch.ones(1, 4), self.params, self.noise)
        b, _ = si.degrade(self.clean, torch.ones(1, 4), self.params.clone(), self.noise.clone())
        self.assertTrue(torch.equal(a, b))
        other = torch.rand(self.noise.shape, generator=torch.Generator().manual_seed(9))
        c, _ = si.degrade(self.clean, torch.ones(1, 4), self.params, other)
        self.assertGreater((a - c).abs().mean().item(), 0.005)

    def test_shares_no_code_with_the_training_synthesis(self):
        # independence is the point of this module: it must not import synth.py (or its helpers)
        source = Path(si.__file__).read_text()
        imported = set()
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Import):
                imported.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                imported.add(node.module or "")
                imported.update(a.name for a in node.names)
        self.assertFalse({"synth", "f2dnet.synth", "data", "train"} & imported, imported)

    def test_is_never_loaded_by_training(self):
        # evaluation tools may use it; the training entry point and all it imports must not
        probe = "import sys, f2dnet.train; print('f2dnet.synth_independent' in sys.modules)"
        r = subprocess.run([sys.executable, "-c", probe], cwd=Path(si.__file__).parents[1],
                           capture_output=True, text=True, check=True)
        self.assertEqual(r.stdout.strip(), "False")


if __name__ == "__main__":
    unittest.main()
