"""The gated output smoother: what it does to noise and edges, that it is exported exactly,
that a trained model gains it nearly as a no-op, and that import and grow carry it."""
import dataclasses
import tempfile
import unittest
from pathlib import Path

import torch

from f2dnet.export import RestorerGraph, export_model, to_model_range
from f2dnet.grow import GrowError, grow
from f2dnet.import_onnx import check_goldens, import_model
from f2dnet.model import CONFIGS, F2DNet
from f2dnet.smoother import OutputSmoother
from f2dnet.train import load_grown

from .test_pixel_inputs import one_step, random_model

TINY = CONFIGS["tiny"]
TINY_SMOOTH = dataclasses.replace(TINY, detail=8, expert_pixels=True, smoother=True)
WIDE_TINY_SMOOTH = dataclasses.replace(TINY_SMOOTH, widths=(16, 32, 32), expert=8, mid_blocks=2)


def noisy_step_edge(seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """A dark half and a bright half ([-1,1]), and the same with Gaussian noise of σ 0.1."""
    clean = torch.full((1, 3, 32, 32), -0.6)
    clean[..., 16:] = 0.6
    noise = torch.randn(clean.shape, generator=torch.Generator().manual_seed(seed)) * 0.1
    return clean, clean + noise


class SmootherTest(unittest.TestCase):
    def setUp(self):
        self.smoother = OutputSmoother(4, 4)

    def gates(self, luma: float, chroma: float) -> torch.Tensor:
        return torch.tensor([float(luma), float(chroma)]).view(1, 2, 1, 1).expand(1, 2, 8, 8)

    def test_closed_gates_leave_the_image_as_it_is(self):
        _, noisy = noisy_step_edge()
        self.assertTrue(torch.allclose(self.smoother(noisy, self.gates(0, 0)), noisy, atol=1e-6))

    def test_open_gates_remove_noise_and_keep_the_edge(self):
        clean, noisy = noisy_step_edge()
        out = self.smoother(noisy, self.gates(1, 1))
        flat = (slice(None), slice(None), slice(None), slice(2, 13))  # away from the edge and borders
        self.assertLess((out - clean)[flat].pow(2).mean(), 0.4 * (noisy - clean)[flat].pow(2).mean())
        # the 1.2 step survives: a mean filter of the same window would leave 0.6 at one pixel off
        self.assertGreater((out[..., 17] - out[..., 14]).mean().item(), 1.0)

    def test_the_chroma_gate_keeps_the_luma(self):
        _, noisy = noisy_step_edge(1)
        out = self.smoother(noisy, self.gates(0, 1))
        luma = torch.tensor([0.299, 0.587, 0.114]).view(1, 3, 1, 1)
        self.assertTrue(torch.allclose((out * luma).sum(1), (noisy * luma).sum(1), atol=1e-5))
        self.assertGreater((out - noisy).abs().mean().item(), 1e-3)

    def test_the_gates_start_nearly_closed(self):
        g = self.smoother.gates(torch.randn(1, 4, 8, 8), torch.rand(1, 4, 8, 8))
        self.assertTrue(((g > 0.04) & (g < 0.06)).all())


class SmootherInModelTest(unittest.TestCase):
    def setUp(self):
        self.img = (torch.rand(1, 32, 48, 3, generator=torch.Generator().manual_seed(3)) * 255).to(torch.uint8)

    def test_the_export_computes_the_same_step(self):
        model = random_model(TINY_SMOOTH)
        with torch.no_grad():
            model.smoother.gate.bias.fill_(0.0)  # half open: the smoothing shows in the output
        x = to_model_range(self.img)
        maps, weights, _ = model.parser(x)
        ref = torch.round((one_step(model, self.img).clamp(-1, 1) + 1) * 127.5).to(torch.uint8).permute(0, 2, 3, 1)
        with torch.no_grad():
            out, _ = RestorerGraph(model)(self.img, maps, weights)
            model.smoother = None
            without, _ = RestorerGraph(model)(self.img, maps, weights)
        self.assertLessEqual((ref.int() - out.int()).abs().max().item(), 1)
        self.assertGreater((out.int() - without.int()).abs().float().mean().item(), 1.0)

    def test_a_trained_model_gains_it_nearly_as_a_no_op(self):
        trained = random_model(dataclasses.replace(TINY_SMOOTH, smoother=False))
        with_smoother = F2DNet(TINY_SMOOTH).eval()
        self.assertEqual(load_grown(with_smoother, trained.state_dict()), ["smoother"])
        before, after = one_step(trained, self.img), one_step(with_smoother, self.img)
        # 5 % of a 5×5 guided filter of uniform noise: a few levels at most
        self.assertLess((before - after).abs().mean().item() * 127.5, 3.0)
        self.assertGreater((before - after).abs().mean().item(), 0.0)

    def test_import_from_onnx_brings_the_gate_back(self):
        model = random_model(TINY_SMOOTH, 1)
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "m"
            manifest = export_model(model, out, "m", {"training": {"steps": 5, "minutes": 0.1}})
            imported, _ = import_model(out)
            self.assertTrue(imported.cfg.smoother)
            self.assertLessEqual(check_goldens(imported, out, manifest), 1.0)
            for k in ("smoother.gate.weight", "smoother.gate.bias"):
                self.assertTrue(torch.equal(model.state_dict()[k], imported.state_dict()[k]), k)

    def test_grow_keeps_the_output(self):
        old = random_model(TINY_SMOOTH, 2)
        with torch.no_grad():
            old.smoother.gate.weight.normal_(0, 0.5)
        new = grow(old, WIDE_TINY_SMOOTH, seed=1)
        self.assertLess((one_step(old, self.img) - one_step(new, self.img)).abs().max().item(), 1e-4)
        with self.assertRaises(GrowError):
            grow(old, dataclasses.replace(WIDE_TINY_SMOOTH, smoother=False))


if __name__ == "__main__":
    unittest.main()
