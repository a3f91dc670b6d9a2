"""Growing a trained model wider keeps its output, and the copied channels can still drift apart."""
from __future__ import annotations

import tempfile
import unittest
from pathlib import Path

import torch

from f2dnet.checkpoint import load_compact, save_compact
from f2dnet.export import randomise_zero_init
from f2dnet.grow import GrowError, grow, main as grow_main
from f2dnet.model import CONFIGS, F2DConfig, F2DNet

# tiny (widths 8/16/16, expert 4, 1 bottleneck block) with every channel count doubled and one
# more bottleneck block, as base is to lite
WIDE_TINY = F2DConfig(widths=(16, 32, 32), emb=16, expert=8, parser=4, freq=8, heads=2, mid_blocks=2)


def trained_tiny(seed: int = 0) -> F2DNet:
    torch.manual_seed(seed)
    model = F2DNet(CONFIGS["tiny"])
    randomise_zero_init(model, seed)  # zero-initialised outputs would make any two models agree
    return model.eval()


def run(model: F2DNet, seed: int = 1):
    g = torch.Generator().manual_seed(seed)
    y = torch.rand(2, 3, 32, 48, generator=g) * 2 - 1
    x = torch.rand(2, 3, 32, 48, generator=g) * 2 - 1
    k = torch.tensor([0, 41])
    maps, weights, _ = model.parser(y)
    return model(x, k, y, maps, weights)


class GrowTest(unittest.TestCase):
    def test_the_wider_model_computes_the_same_output(self):
        old = trained_tiny()
        new = grow(old, WIDE_TINY)
        self.assertGreater(sum(p.numel() for p in new.parameters()), 2 * sum(p.numel() for p in old.parameters()))
        with torch.no_grad():
            (f_old, a_old), (f_new, a_new) = run(old), run(new)
        self.assertGreater(f_old.abs().mean().item(), 1e-2)  # a real output, not two zeros agreeing
        self.assertLess((f_old - f_new).abs().max().item(), 1e-5)
        self.assertLess((a_old - a_new).abs().max().item(), 1e-6)

    def test_copies_get_different_gradients_so_training_can_separate_them(self):
        new = grow(trained_tiny(), WIDE_TINY).train()
        new.gate_noise = 0.0
        f, _ = run(new)
        f.square().mean().backward()
        # channels 0..7 are the originals, 8..15 their copies: same bias, different gradient
        bias = new.enc1.conv1.bias
        self.assertTrue(torch.equal(bias[:8], bias[8:]))
        self.assertGreater((bias.grad[:8] - bias.grad[8:]).abs().max().item(), 1e-7)

    def test_configurations_that_are_not_whole_copies_are_refused(self):
        old = trained_tiny()
        with self.assertRaisesRegex(GrowError, "emb differs"):
            grow(old, F2DConfig(widths=(16, 32, 32), emb=32, expert=8, parser=4, freq=8, heads=2, mid_blocks=1))
        with self.assertRaisesRegex(GrowError, "not a whole multiple"):
            grow(old, F2DConfig(widths=(12, 32, 32), emb=16, expert=8, parser=4, freq=8, heads=2, mid_blocks=1))

    def test_lite_grows_into_base(self):
        self.assertEqual(grow(F2DNet(CONFIGS["lite"]), CONFIGS["base"]).cfg, CONFIGS["base"])

    def test_command_line_keeps_the_stage_record(self):
        with tempfile.TemporaryDirectory() as tmp:
            src, out = Path(tmp) / "lite", Path(tmp) / "base"
            save_compact(src, trained_tiny(), {"steps": 12, "minutes": 1.5, "stages": [{"steps": 12, "minutes": 1.5}]})
            import f2dnet.grow as grow_module
            grow_module.CONFIGS = {**CONFIGS, "wide": WIDE_TINY}
            try:
                self.assertEqual(grow_main(["--from", str(src), "--config", "wide", "--out", str(out)]), 0)
            finally:
                grow_module.CONFIGS = CONFIGS
            model, state = load_compact(out)
            self.assertEqual(model.cfg, WIDE_TINY)
            self.assertEqual(state["steps"], 12)
            self.assertEqual(len(state["stages"]), 2)
            self.assertIn("f2dnet.grow", state["stages"][-1]["options"])


if __name__ == "__main__":
    unittest.main()
