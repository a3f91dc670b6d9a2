"""A soup is the weight average of checkpoints of one model, with the lineage's record."""
from __future__ import annotations

import tempfile
import unittest
from dataclasses import replace
from pathlib import Path

import torch

from f2dnet.checkpoint import load_compact, save_compact
from f2dnet.export import randomise_zero_init
from f2dnet.model import CONFIGS, F2DNet
from f2dnet.soup import SoupError, soup


def tiny(seed: int, **changes) -> F2DNet:
    torch.manual_seed(seed)
    model = F2DNet(replace(CONFIGS["tiny"], **changes))
    randomise_zero_init(model, seed)
    return model.eval()


def record(steps: int, name: str) -> dict:
    return {"steps": steps, "minutes": steps / 100, "stages": [{"steps": steps, "options": name}]}


class SoupTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.root = Path(self.dir.name)

    def tearDown(self):
        self.dir.cleanup()

    def save(self, name: str, model: F2DNet, state: dict) -> Path:
        save_compact(self.root / name, model, state)
        return self.root / name

    def test_every_weight_is_the_mean_of_the_checkpoints(self):
        a = self.save("a", tiny(0), record(100, "first"))
        b = self.save("b", tiny(1, despeckle=True), record(300, "second"))
        model, state = soup([a, b])
        weights_a, weights_b = load_compact(a)[0].state_dict(), load_compact(b)[0].state_dict()
        for name, value in model.state_dict().items():
            if value.is_floating_point():
                torch.testing.assert_close(value, (weights_a[name] + weights_b[name]) / 2, msg=name)
        self.assertFalse(torch.equal(weights_a["inp.weight"], weights_b["inp.weight"]), "the two must differ for the test to mean anything")
        # the weightless switches and the record are the last checkpoint's, with the soup as one more stage
        self.assertTrue(model.cfg.despeckle)
        self.assertEqual(state["steps"], 300)
        self.assertEqual([s["options"] for s in state["stages"][:-1]], ["second"])
        self.assertIn("uniform weight average", state["stages"][-1]["options"])
        self.assertEqual(state["stages"][-1]["steps"], 0)

    def test_the_soup_saves_and_loads_as_a_checkpoint(self):
        a = self.save("a", tiny(0), record(100, "first"))
        b = self.save("b", tiny(1), record(300, "second"))
        model, state = soup([a, b])
        out = self.save("soup", model, state)
        loaded, saved = load_compact(out)
        y = torch.rand(1, 3, 32, 48) * 2 - 1
        maps, weights, _ = loaded.parser(y)
        k = torch.zeros(1, dtype=torch.long)
        with torch.no_grad():
            torch.testing.assert_close(loaded(y, k, y, maps, weights)[0], model(y, k, y, maps, weights)[0], atol=2e-3, rtol=0)
        self.assertEqual(len(saved["stages"]), 2)

    def test_models_of_other_shapes_are_refused_by_name(self):
        a = self.save("a", tiny(0), record(100, "first"))
        wide = self.save("wide", tiny(1, expert=8), record(300, "second"))
        with self.assertRaisesRegex(SoupError, "wide.*differs"):
            soup([wide, a])
        with self.assertRaisesRegex(SoupError, "at least two"):
            soup([a])


if __name__ == "__main__":
    unittest.main()
