"""The SSIM, tone and frequency terms on the restoration: what they measure, that they are recorded, that
a step lowers them."""
from __future__ import annotations

import tempfile
import unittest
from pathlib import Path

import torch

from f2dnet.metrics import ssim
from f2dnet.options import options_from_dict
from f2dnet.train import restoration_terms, train

from .test_train import OPTIONS, tiny_photos


def options(**extra):
    return options_from_dict({**OPTIONS, **extra}, "test options")


class RestorationTermsTest(unittest.TestCase):
    def setUp(self):
        g = torch.Generator().manual_seed(0)
        self.clean = torch.rand(2, 3, 64, 64, generator=g) * 2 - 1

    def test_off_by_default(self):
        self.assertEqual(restoration_terms(self.clean + 0.1, self.clean, options()), {})

    def test_tone_sees_a_frame_wide_shift_and_not_zero_mean_noise(self):
        opt = options(lambda_tone=1.0)
        shifted = restoration_terms(self.clean + 0.1, self.clean, opt)["tone"].item()
        # ±0.1 per pixel, alternating: as large per pixel as the shift, but no block mean moves
        checker = (torch.arange(64).view(1, 1, -1, 1) + torch.arange(64).view(1, 1, 1, -1)) % 2 * 0.2 - 0.1
        noisy = restoration_terms(self.clean + checker, self.clean, opt)["tone"].item()
        self.assertAlmostEqual(shifted, 0.1, delta=0.002)
        self.assertLess(noisy, 0.002)

    def test_ssim_term_is_one_minus_ssim(self):
        opt = options(lambda_ssim=1.0)
        g = torch.Generator().manual_seed(2)
        noisy = (self.clean + 0.2 * torch.randn(self.clean.shape, generator=g)).clamp(-1, 1)
        term = restoration_terms(noisy, self.clean, opt)["ssim"].item()
        expected = 1 - ssim((noisy + 1) / 2, (self.clean + 1) / 2).mean().item()
        self.assertAlmostEqual(term, expected, places=4)
        self.assertAlmostEqual(restoration_terms(self.clean, self.clean, opt)["ssim"].item(), 0.0, places=5)

    def test_fft_is_zero_on_the_clean_photo_and_sees_lost_texture(self):
        opt = options(lambda_fft=1.0)
        self.assertEqual(restoration_terms(self.clean, self.clean, opt)["fft"].item(), 0.0)
        blurred = torch.nn.functional.avg_pool2d(self.clean, 3, stride=1, padding=1, count_include_pad=False)
        lost = restoration_terms(blurred, self.clean, opt)["fft"].item()
        # a frame-wide shift of the same per-pixel size lands on one frequency (the mean): the term is far smaller
        shift = (self.clean - blurred).abs().mean().item()
        shifted = restoration_terms(self.clean + shift, self.clean, opt)["fft"].item()
        self.assertGreater(lost, 0.1)
        self.assertLess(shifted, lost / 10)

    def test_a_gradient_step_lowers_both(self):
        opt = options(lambda_ssim=1.0, lambda_tone=1.0, lambda_fft=1.0)
        g = torch.Generator().manual_seed(3)
        restored = (self.clean + 0.15 + 0.1 * torch.randn(self.clean.shape, generator=g)).requires_grad_()
        before = restoration_terms(restored, self.clean, opt)
        sum(before.values()).backward()
        with torch.no_grad():
            stepped = restored - 0.01 * restored.grad / restored.grad.abs().max()
        after = restoration_terms(stepped, self.clean, opt)
        for name in ("ssim", "tone", "fft"):
            self.assertLess(after[name].item(), before[name].item(), name)

    def test_training_uses_them_and_the_stage_records_them(self):
        with tempfile.TemporaryDirectory() as tmp:
            photos, run = Path(tmp) / "photos", Path(tmp) / "run"
            tiny_photos(photos)
            train(options(lambda_ssim=0.2, lambda_tone=0.5, lambda_fft=0.1, total_steps=50, val_every=50), photos, run)
            info = torch.load(run / "last.pt", map_location="cpu")["training_info"]
            self.assertEqual((info["lambda_ssim"], info["lambda_tone"], info["lambda_fft"]), (0.2, 0.5, 0.1))
            logged = (run / "log.jsonl").read_text()
            self.assertIn('"ssim"', logged)
            self.assertIn('"tone"', logged)
            self.assertIn('"fft"', logged)

    def test_weights_must_be_numbers(self):
        with self.assertRaisesRegex(Exception, "lambda_ssim"):
            options(lambda_ssim="high")


if __name__ == "__main__":
    unittest.main()
