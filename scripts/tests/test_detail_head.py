"""The sub-pixel detail head: exported exactly, added to a trained model as a no-op, grown along."""
import dataclasses
import tempfile
import unittest
from pathlib import Path

import torch

from f2dnet.export import RestorerGraph, export_model, randomise_zero_init, to_model_range
from f2dnet.import_onnx import check_goldens, import_model
from f2dnet.grow import grow
from f2dnet.model import CONFIGS, F2DNet
from f2dnet.train import load_grown

TINY_DETAIL = dataclasses.replace(CONFIGS["tiny"], detail=8)
WIDE_TINY_DETAIL = dataclasses.replace(TINY_DETAIL, widths=(16, 32, 32), expert=8, mid_blocks=2)


def random_model(cfg, seed: int = 0) -> F2DNet:
    torch.manual_seed(seed)
    model = F2DNet(cfg).eval()
    randomise_zero_init(model, seed)
    return model


def one_step(model: F2DNet, img: torch.Tensor) -> torch.Tensor:
    x = to_model_range(img)
    maps, weights, _ = model.parser(x)
    with torch.no_grad():
        f, _ = model(x, torch.zeros(1, dtype=torch.long), x, maps, weights)
    return x + f


class DetailHeadTest(unittest.TestCase):
    def setUp(self):
        self.img = (torch.rand(1, 32, 48, 3, generator=torch.Generator().manual_seed(3)) * 255).to(torch.uint8)

    def test_it_changes_the_output_per_pixel(self):
        model = random_model(TINY_DETAIL)
        with_head = one_step(model, self.img)
        model.detail = None
        without = one_step(model, self.img)
        diff = (with_head - without).abs()
        self.assertGreater(diff.mean().item(), 1e-3)
        # not one correction per 4×4 block: the head sees the block's own pixels
        block = diff.unfold(2, 4, 4).unfold(3, 4, 4)
        self.assertGreater(block.std((-1, -2)).mean().item(), 1e-4)

    def test_the_export_folds_it_into_the_output_convolution(self):
        model = random_model(TINY_DETAIL)
        x = to_model_range(self.img)
        maps, weights, _ = model.parser(x)
        ref = torch.round((one_step(model, self.img).clamp(-1, 1) + 1) * 127.5).to(torch.uint8).permute(0, 2, 3, 1)
        with torch.no_grad():
            out, _ = RestorerGraph(model)(self.img, maps, weights)
        self.assertLessEqual((ref.int() - out.int()).abs().max().item(), 1)

    def test_a_trained_model_gains_it_as_a_no_op(self):
        trained = random_model(CONFIGS["tiny"])
        grown = F2DNet(TINY_DETAIL).eval()
        self.assertEqual(load_grown(grown, trained.state_dict()), ["detail"])
        self.assertTrue(torch.equal(one_step(trained, self.img), one_step(grown, self.img)))

    def test_a_checkpoint_missing_anything_else_is_refused(self):
        state = {k: v for k, v in random_model(CONFIGS["tiny"]).state_dict().items() if not k.startswith("gate.")}
        with self.assertRaisesRegex(ValueError, "gate.0.weight"):
            load_grown(F2DNet(TINY_DETAIL), state)

    def test_import_from_onnx_recovers_it(self):
        model = random_model(TINY_DETAIL, 2)
        with tempfile.TemporaryDirectory() as tmp:
            manifest = export_model(model, Path(tmp), "m", {})
            imported, _ = import_model(Path(tmp))
            self.assertLessEqual(check_goldens(imported, Path(tmp), manifest), 1.0)
            self.assertLess((one_step(model, self.img) - one_step(imported, self.img)).abs().max().item(), 1e-4)

    def test_growing_wider_keeps_its_output(self):
        old = random_model(TINY_DETAIL)
        new = grow(old, WIDE_TINY_DETAIL)
        self.assertLess((one_step(old, self.img) - one_step(new, self.img)).abs().max().item(), 1e-5)


if __name__ == "__main__":
    unittest.main()
