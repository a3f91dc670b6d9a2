"""The composite-weather synthesis: configurations, ranges, reproducibility."""
import unittest

import torch

from f2dnet import synth


class SynthTest(unittest.TestCase):
    def setUp(self):
        g = torch.Generator().manual_seed(0)
        self.clean = torch.rand(1, 3, 64, 80, generator=g) * 0.6 + 0.2
        self.params, self.noise = synth.random_inputs(1, 64, 80, g)

    def run_config(self, name):
        return synth.degrade(self.clean, synth.config_flags(name)[None], self.params, self.noise)

    def test_eleven_configurations_in_three_tiers(self):
        self.assertEqual(len(synth.CONFIGS), 11)
        self.assertEqual(sum(len(v) for v in synth.TIERS.values()), 11)
        for tier, n in (("single", 1), ("pair", 2), ("triple", 3)):
            for name in synth.TIERS[tier]:
                self.assertEqual(sum(synth.CONFIGS[name]), n, name)

    def test_each_configuration_changes_only_its_factors(self):
        for name, flags in synth.CONFIGS.items():
            out, maps = self.run_config(name)
            self.assertEqual(out.shape, self.clean.shape)
            self.assertGreaterEqual(out.min().item(), 0.0)
            self.assertLessEqual(out.max().item(), 1.0)
            self.assertGreater((out - self.clean).abs().mean().item(), 0.005, name)
            for i, on in enumerate(flags):
                if not on:
                    self.assertEqual(maps[:, i].abs().max().item(), 0.0, f"{name}: map {i}")
                else:
                    self.assertGreater(maps[:, i].max().item(), 0.0, f"{name}: map {i}")

    def test_no_flags_is_identity(self):
        out, maps = synth.degrade(self.clean, torch.zeros(1, 4), self.params, self.noise)
        self.assertTrue(torch.allclose(out, self.clean.clamp(0, 1), atol=1e-6))
        self.assertEqual(maps.abs().max().item(), 0.0)

    def test_low_light_darkens_and_haze_brightens_towards_airlight(self):
        low, _ = self.run_config("low")
        haze, _ = self.run_config("haze")
        self.assertLess(low.mean().item(), self.clean.mean().item() - 0.05)
        self.assertLess(haze.std().item(), self.clean.std().item())

    def test_seeded_inputs_reproduce(self):
        g1, g2 = torch.Generator().manual_seed(5), torch.Generator().manual_seed(5)
        a = synth.degrade(self.clean, torch.ones(1, 4), *synth.random_inputs(1, 64, 80, g1))[0]
        b = synth.degrade(self.clean, torch.ones(1, 4), *synth.random_inputs(1, 64, 80, g2))[0]
        self.assertTrue(torch.equal(a, b))

    def test_order_low_rain_snow_haze(self):
        # haze is applied last: with haze on, rain streaks are attenuated by the transmission
        rain, _ = self.run_config("rain")
        haze_rain, _ = self.run_config("haze_rain")
        haze, _ = self.run_config("haze")
        self.assertLess((haze_rain - haze).abs().mean().item(), (rain - self.clean).abs().mean().item())

    def test_rain_and_snow_veils_in_half_the_draws(self):
        # a veil in most draws taught the model that rain and snow always take contrast away
        def contrast(name, index, u):
            params = self.params.clone()
            params[0, index] = u
            return synth.degrade(self.clean, synth.config_flags(name)[None], params, self.noise)[0].std().item()
        for name, index in (("rain", 26), ("snow", 39)):
            self.assertEqual(contrast(name, index, 0.0), contrast(name, index, 0.49), name)
            self.assertLess(contrast(name, index, 0.99), contrast(name, index, 0.49) - 0.01, name)


class IlluminationTest(unittest.TestCase):
    """Low light's illumination: a plain blur in half the draws, edge-keeping in the other."""

    def setUp(self):
        # a dark square (0.1) in a bright field (0.9): the blur spills light onto its border
        self.max_channel = torch.full((1, 1, 48, 48), 0.9)
        self.max_channel[..., 16:32, 16:32] = 0.1

    def light(self, u, u_eps):
        return synth.illumination(self.max_channel, torch.tensor([u]), torch.tensor([u_eps]))

    def test_the_first_half_of_the_draws_is_the_plain_blur(self):
        expected = synth._box(self.max_channel, 15).clamp(1e-3, 1)
        for u in (0.0, 0.3, 0.49):
            self.assertTrue(torch.allclose(self.light(u, 0.5), expected, atol=1e-6), u)

    def test_edge_keeping_leaves_a_dark_object_darker_than_the_blur_does(self):
        blurred, kept = self.light(0.0, 0.0), self.light(0.999, 0.0)
        inside_edge = (..., slice(17, 19), slice(16, 32))  # just inside the dark square's top edge
        self.assertLess(kept[inside_edge].mean().item(), blurred[inside_edge].mean().item() - 0.15)
        self.assertLess((kept[..., 20:28, 20:28] - 0.1).abs().max().item(), 0.05)

    def test_a_larger_edge_threshold_smooths_more(self):
        sharp, soft = self.light(0.999, 0.0), self.light(0.999, 0.999)
        self.assertGreater((soft - sharp).abs().max().item(), 0.05)


class SnowfallKindsTest(unittest.TestCase):
    """Three snowfalls in ten are large near flakes with next to no far specks."""

    def snowfall(self, u_kind):
        g = torch.Generator().manual_seed(3)
        params, noise = synth.random_inputs(1, 128, 128, g)
        params[0, 28] = 0.99  # the densest specks
        params[0, 31] = 0.0   # the fewest middle flakes
        params[0, 39] = 0.0   # no veil: count the flakes alone
        params[0, 49] = u_kind
        params[0, 50] = 0.9   # no smudges at the lens (NearestSmudgesTest)
        clean = torch.full((1, 3, 128, 128), 0.3)
        return synth.degrade(clean, synth.config_flags("snow")[None], params, noise)[0] - clean

    def test_near_flakes_alone_leave_most_of_the_frame_untouched(self):
        specks, near = self.snowfall(0.9), self.snowfall(0.0)
        touched = lambda d: (d.abs().amax(1) > 0.02).float().mean().item()
        self.assertGreater(touched(specks), 0.3)
        self.assertLess(touched(near), touched(specks) / 4)
        self.assertGreater(near.amax().item(), 0.3)  # the flakes are there, and bright


class NearestSmudgesTest(unittest.TestCase):
    """Half the snowfalls have a few large soft flakes at the lens, stretched by their motion."""

    def one_smudge(self, u_present, u_streak):
        params = torch.rand(1, synth.N_PARAMS, generator=torch.Generator().manual_seed(4))
        params[0, 27] = 0.5          # angle 0: falling straight down
        params[0, 50] = u_present
        params[0, 51] = 0.25         # radius 3 at quarter resolution
        params[0, 52] = u_streak
        noise = torch.full((1, synth.N_NOISE, 256, 256), 0.5)
        noise[0, 7, 128, 128] = 0.99999   # one seed, in the top window the smudges draw from
        p = [params[:, i] for i in range(synth.N_PARAMS)]
        return synth._nearest_smudges(p, noise, synth._lerp(p[27], -0.9, 0.9))[0, 0]

    def extent(self, alpha):
        rows, cols = torch.nonzero(alpha > 0.05, as_tuple=True)
        return (rows.max() - rows.min() + 1).item(), (cols.max() - cols.min() + 1).item()

    def test_absent_from_half_the_snowfalls(self):
        self.assertEqual(self.one_smudge(0.6, 0.5).abs().max().item(), 0.0)

    def test_large_soft_and_stretched_along_the_fall(self):
        still_h, still_w = self.extent(self.one_smudge(0.49, 0.0))
        moving_h, moving_w = self.extent(self.one_smudge(0.49, 1.0))
        self.assertGreater(still_w, 16)                  # larger than any half-resolution blob
        self.assertLess(abs(still_h - still_w), 3)       # round when still
        self.assertGreater(moving_h, 3 * moving_w)       # long along the vertical fall
        self.assertLess(abs(moving_w - still_w), 3)


if __name__ == "__main__":
    unittest.main()
