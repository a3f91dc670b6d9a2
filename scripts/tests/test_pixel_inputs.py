"""What reads the input's own 4×4 blocks beside the backbone's features (the detail head and the
experts' pixel input): exported exactly, added to a trained model as a no-op, grown along."""
import dataclasses
import tempfile
import unittest
from pathlib import Path

import torch

from f2dnet.export import RestorerGraph, export_model, randomise_zero_init, to_model_range
from f2dnet.grow import grow
from f2dnet.import_onnx import check_goldens, import_model
from f2dnet.model import CONFIGS, F2DNet
from f2dnet.train import load_grown, parameter_groups

TINY_DETAIL = dataclasses.replace(CONFIGS["tiny"], detail=8)
TINY_PIXELS = dataclasses.replace(TINY_DETAIL, expert_pixels=True)
WIDE_TINY_PIXELS = dataclasses.replace(TINY_PIXELS, widths=(16, 32, 32), expert=8, mid_blocks=2)


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


def within_block_spread(diff: torch.Tensor) -> float:
    """Mean deviation inside 4×4 blocks: 0 for a correction that is one value per block."""
    return diff.unfold(2, 4, 4).unfold(3, 4, 4).std((-1, -2)).mean().item()


class PixelInputsTest(unittest.TestCase):
    def setUp(self):
        self.img = (torch.rand(1, 32, 48, 3, generator=torch.Generator().manual_seed(3)) * 255).to(torch.uint8)

    def test_the_detail_head_changes_the_output_per_pixel(self):
        model = random_model(TINY_DETAIL)
        with_head = one_step(model, self.img)
        model.detail = None
        diff = (with_head - one_step(model, self.img)).abs()
        self.assertGreater(diff.mean().item(), 1e-3)
        self.assertGreater(within_block_spread(diff), 1e-4)

    def test_the_experts_pixel_input_changes_the_output_per_pixel(self):
        model = random_model(TINY_PIXELS)
        with torch.no_grad():  # larger than the fixture's 0.05: the gate and maps scale an expert down
            for expert in model.experts:
                expert.px.weight.normal_(0, 0.5)
        with_px = one_step(model, self.img)
        for expert in model.experts:
            expert.px = None
        diff = (with_px - one_step(model, self.img)).abs()
        self.assertGreater(diff.mean().item(), 1e-3)
        self.assertGreater(within_block_spread(diff), 1e-4)

    def test_the_export_computes_the_same_step(self):
        for cfg in (TINY_DETAIL, TINY_PIXELS):
            model = random_model(cfg)
            x = to_model_range(self.img)
            maps, weights, _ = model.parser(x)
            ref = torch.round((one_step(model, self.img).clamp(-1, 1) + 1) * 127.5).to(torch.uint8).permute(0, 2, 3, 1)
            with torch.no_grad():
                out, _ = RestorerGraph(model)(self.img, maps, weights)
            self.assertLessEqual((ref.int() - out.int()).abs().max().item(), 1, cfg)

    def test_a_trained_model_gains_them_as_no_ops(self):
        trained = random_model(CONFIGS["tiny"])
        grown = F2DNet(TINY_PIXELS).eval()
        self.assertEqual(load_grown(grown, trained.state_dict()),
                         ["detail", "experts.0.px", "experts.1.px", "experts.2.px", "experts.3.px"])
        self.assertTrue(torch.equal(one_step(trained, self.img), one_step(grown, self.img)))

    def test_a_checkpoint_missing_anything_else_is_refused(self):
        state = {k: v for k, v in random_model(CONFIGS["tiny"]).state_dict().items() if not k.startswith("gate.")}
        with self.assertRaisesRegex(ValueError, "gate.0.weight"):
            load_grown(F2DNet(TINY_DETAIL), state)

    def test_added_modules_can_learn_faster(self):
        model = F2DNet(TINY_PIXELS)
        rest, new = parameter_groups(model, 10.0)
        self.assertEqual(new["lr_scale"], 10.0)
        new_ids = {id(p) for p in new["params"]}
        self.assertEqual(new_ids, {id(p) for n, p in model.named_parameters() if n.startswith("detail.") or ".px." in n})
        self.assertEqual(len(rest["params"]) + len(new["params"]), len(list(model.parameters())))
        # at the plain rate everything stays in one group, as in runs made before the option
        self.assertEqual(len(parameter_groups(model, 1.0)), 1)

    def test_import_from_onnx_recovers_the_detail_head(self):
        model = random_model(TINY_DETAIL, 2)
        with tempfile.TemporaryDirectory() as tmp:
            manifest = export_model(model, Path(tmp), "m", {})
            imported, _ = import_model(Path(tmp))
            self.assertLessEqual(check_goldens(imported, Path(tmp), manifest), 1.0)
            self.assertLess((one_step(model, self.img) - one_step(imported, self.img)).abs().max().item(), 1e-4)

    def test_import_from_onnx_recovers_experts_that_read_pixels(self):
        # their rows of the joined stride-4 convolution, with and without a detail head after them
        for cfg in (TINY_PIXELS, dataclasses.replace(CONFIGS["tiny"], expert_pixels=True)):
            model = random_model(cfg, 3)
            with tempfile.TemporaryDirectory() as tmp:
                manifest = export_model(model, Path(tmp), "m", {})
                imported, _ = import_model(Path(tmp))
                self.assertLessEqual(check_goldens(imported, Path(tmp), manifest), 1.0)
                for e, f in zip(model.experts, imported.experts):
                    self.assertTrue(torch.equal(e.px.weight, f.px.weight), cfg)
                self.assertLess((one_step(model, self.img) - one_step(imported, self.img)).abs().max().item(), 1e-4)

    def test_growing_wider_keeps_their_output(self):
        old = random_model(TINY_PIXELS)
        new = grow(old, WIDE_TINY_PIXELS)
        self.assertLess((one_step(old, self.img) - one_step(new, self.img)).abs().max().item(), 1e-5)


if __name__ == "__main__":
    unittest.main()
