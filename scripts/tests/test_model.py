"""Shapes, parameter budgets and invariants of the F2D-Net port."""
import unittest

import torch

from f2dnet.export import RestorerGraph, randomise_zero_init, to_model_range
from f2dnet.model import CONFIGS, SIZE_MULTIPLE, F2DNet, count_parameters


class ModelTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        torch.manual_seed(0)
        cls.model = F2DNet(CONFIGS["tiny"]).eval()
        randomise_zero_init(cls.model)

    def test_parser_budget_and_lite_size(self):
        lite = F2DNet(CONFIGS["lite"])
        self.assertLess(count_parameters(lite.parser), 500_000)
        self.assertLess(count_parameters(lite), 1_500_000)

    def test_shapes_maps_range_and_gate_sum(self):
        x = torch.rand(2, 3, 2 * SIZE_MULTIPLE, 3 * SIZE_MULTIPLE) * 2 - 1
        maps, weights, logits = self.model.parser(x)
        self.assertEqual(tuple(maps.shape), (2, 4, x.shape[2] // 4, x.shape[3] // 4))
        self.assertEqual(tuple(weights.shape), (2, 4))
        self.assertEqual(tuple(logits.shape), (2, 4))
        for t in (maps, weights):
            self.assertGreaterEqual(t.min().item(), 0.0)
            self.assertLessEqual(t.max().item(), 1.0)
        f, alpha = self.model(x, torch.tensor([0, 70]), x, maps, weights)
        self.assertEqual(f.shape, x.shape)
        self.assertTrue(torch.allclose(alpha.sum(1), torch.ones(2), atol=1e-5))
        self.assertGreaterEqual(alpha.min().item(), 0.0)

    def test_gate_depends_on_time(self):
        x = torch.rand(1, 3, 32, 32) * 2 - 1
        maps, weights, _ = self.model.parser(x)
        _, a0 = self.model(x, torch.tensor([0]), x, maps, weights)
        _, a1 = self.model(x, torch.tensor([90]), x, maps, weights)
        self.assertFalse(torch.allclose(a0, a1))

    def test_experts_are_gated_by_maps(self):
        # with all maps at zero the experts contribute nothing: f is the shared head alone
        x = torch.rand(1, 3, 32, 32) * 2 - 1
        w = torch.full((1, 4), 0.5)
        zero = torch.zeros(1, 4, 8, 8)
        one = torch.ones(1, 4, 8, 8)
        k = torch.tensor([0])
        f0, _ = self.model(x, k, x, zero, w)
        f1, _ = self.model(x, k, x, one, w)
        self.assertFalse(torch.allclose(f0, f1))
        v = torch.nn.functional.pixel_shuffle(self.model.head(torch.zeros(1, 8, 8, 8)), 4)
        self.assertEqual(v.shape, f0.shape)

    def test_export_graph_matches_training_forward(self):
        img = (torch.rand(1, 32, 48, 3) * 255).to(torch.uint8)
        x = to_model_range(img)
        maps, weights, _ = self.model.parser(x)
        with torch.no_grad():
            f, ref_alpha = self.model(x, torch.zeros(1, dtype=torch.long), x, maps, weights)
            ref = torch.round(((x + f).clamp(-1, 1) + 1) * 127.5).to(torch.uint8).permute(0, 2, 3, 1)
            out, alpha = RestorerGraph(self.model)(img, maps, weights)
        self.assertLessEqual((ref.int() - out.int()).abs().max().item(), 1)
        self.assertLess((alpha - ref_alpha).abs().max().item(), 1e-6)


if __name__ == "__main__":
    unittest.main()
