"""PSNR/SSIM against hand-computed values."""
import math
import unittest

import torch

from f2dnet.metrics import psnr, ssim


class MetricsTest(unittest.TestCase):
    def test_psnr_of_known_mse(self):
        a = torch.zeros(1, 3, 8, 8)
        b = torch.full((1, 3, 8, 8), 0.1)
        self.assertAlmostEqual(psnr(a, b).item(), 10 * math.log10(1 / 0.01), places=4)

    def test_ssim_identity_and_constant_shift(self):
        a = torch.rand(1, 3, 32, 32)
        self.assertAlmostEqual(ssim(a, a).item(), 1.0, places=5)
        self.assertLess(ssim(a, (a + 0.2).clamp(0, 1)).item(), 0.99)
        self.assertLess(ssim(a, torch.rand(1, 3, 32, 32)).item(), 0.2)


if __name__ == "__main__":
    unittest.main()
