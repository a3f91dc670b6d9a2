"""The closed form of the transport against the theory (docs/f2dnet-method.md §2)."""
import math
import unittest

import torch

from f2dnet.transport import FINAL_LOG_MULTIPLIER, Transport, cosine_thetas


class TransportTest(unittest.TestCase):
    def test_schedule_matches_reference_values(self):
        t = Transport(1.0)
        self.assertAlmostEqual(float(t.dt), 0.8244, places=3)
        self.assertAlmostEqual(float(Transport(0.0).dt), 0.8767, places=3)
        self.assertAlmostEqual(float(cosine_thetas().sum()), 7.879, places=2)
        for k, m, s in [(10, -0.027, 0.091), (50, -0.679, 0.454), (100, -6.908, 0.908)]:
            self.assertAlmostEqual(float(t.log_mean[k]), m, places=2)
            self.assertAlmostEqual(float(t.log_std[k]), s, places=2)

    def test_final_mean_log_multiplier_is_ln_0_001(self):
        for scale in (0.0, 0.5, 1.0, 2.0):
            self.assertAlmostEqual(float(Transport(scale).log_mean[-1]), FINAL_LOG_MULTIPLIER, places=6)

    def test_log_multiplier_moments_match_theory(self):
        torch.manual_seed(0)
        t = Transport(1.0)
        y, mu = torch.full((1, 1, 400, 500), 0.8), torch.full((1, 1, 400, 500), 0.3)
        for k in (25, 50, 75):
            x = t.sample(y, mu, torch.tensor([k]))
            log_mult = torch.log((x - mu) / (y - mu))
            self.assertAlmostEqual(log_mult.mean().item(), float(t.log_mean[k]), delta=0.01)
            self.assertAlmostEqual(log_mult.std().item(), float(t.log_std[k]), delta=0.01)
            # E[r_k] = r_0 · exp(−dt Σθ): the σ²/2 drift and the noise cancel in the mean
            expected = 0.5 * math.exp(-float(t.dt) * float(t.thetas[:k + 1].sum()))
            self.assertAlmostEqual((x - mu).mean().item(), expected, delta=0.01)

    def test_contracts_to_target_at_T_and_starts_at_y(self):
        t = Transport(1.0)
        y, mu = torch.rand(2, 3, 16, 16), torch.rand(2, 3, 16, 16)
        x0 = t.sample(y, mu, torch.tensor([0, 0]))
        self.assertTrue(torch.allclose(x0, y))
        xT = t.sample(y, mu, torch.tensor([100, 100]))
        self.assertLess(((xT - mu).abs() / (y - mu).abs().clamp(min=1e-3)).median().item(), 0.01)

    def test_deterministic_when_sigmas_scale_is_zero(self):
        t = Transport(0.0)
        y, mu = torch.rand(1, 3, 8, 8), torch.rand(1, 3, 8, 8)
        a = t.sample(y, mu, torch.tensor([60]))
        b = t.sample(y, mu, torch.tensor([60]))
        self.assertTrue(torch.equal(a, b))


if __name__ == "__main__":
    unittest.main()
