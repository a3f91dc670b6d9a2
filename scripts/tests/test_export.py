"""The export writes valid ONNX whose inputs and outputs are what the manifest declares."""
import json
import tempfile
import unittest
from pathlib import Path

import numpy as np
import onnx
import onnx.numpy_helper
import torch

from f2dnet.export import export_model, export_synth, randomise_zero_init
from f2dnet.model import CONFIGS, F2DNet


def io_names(path: Path) -> tuple[list[str], list[str]]:
    m = onnx.load(str(path))
    onnx.checker.check_model(m)
    inits = {i.name for i in m.graph.initializer}
    return [i.name for i in m.graph.input if i.name not in inits], [o.name for o in m.graph.output]


class ExportTest(unittest.TestCase):
    def test_restorer_export_matches_manifest(self):
        torch.manual_seed(0)
        model = F2DNet(CONFIGS["tiny"])
        randomise_zero_init(model)
        with tempfile.TemporaryDirectory() as d:
            out = Path(d)
            manifest = export_model(model, out, "t", {})
            self.assertEqual(json.loads((out / "manifest.json").read_text())["name"], "t")
            for graph in ("parser", "restorer"):
                ins, outs = io_names(out / manifest["files"][graph]["path"])
                self.assertEqual(ins, [i["name"] for i in manifest["io"][graph]["inputs"]])
                self.assertEqual(outs, [o["name"] for o in manifest["io"][graph]["outputs"]])
            g = manifest["golden"]
            restored = (out / "golden" / "restored.u8").read_bytes()
            self.assertEqual(len(restored), g["width"] * g["height"] * 3)

    def test_half_storage_halves_only_what_float16_holds_exactly(self):
        torch.manual_seed(0)
        model = F2DNet(CONFIGS["tiny"])
        randomise_zero_init(model)
        with torch.no_grad():  # as a compact checkpoint loads: every weight rounded to float16
            for p in model.parameters():
                p.copy_(p.half().float())
        with tempfile.TemporaryDirectory() as d:
            plain, half = Path(d) / "plain", Path(d) / "half"
            export_model(model, plain, "t", {})
            manifest = export_model(model, half, "t", {}, half_storage=True)
            self.assertEqual(manifest["weightStorage"], "float16 where exact, cast to float32 in the graph")
            # the golden is PyTorch's, and the halved graph's weights are the same numbers
            self.assertEqual((half / "golden" / "restored.u8").read_bytes(), (plain / "golden" / "restored.u8").read_bytes())
            graph = onnx.load(str(half / "restorer.onnx"))
            casts = {n.output[0]: n.input[0] for n in graph.graph.node if n.op_type == "Cast"}
            stored = {i.name: onnx.numpy_helper.to_array(i) for i in graph.graph.initializer}
            reference = {i.name: onnx.numpy_helper.to_array(i) for i in onnx.load(str(plain / "restorer.onnx")).graph.initializer}
            halved = [name for name in reference if name in casts]
            self.assertGreater(len(halved), 10)
            for name in halved:
                self.assertEqual(stored[casts[name]].dtype, np.float16)
                np.testing.assert_array_equal(stored[casts[name]].astype(np.float32), reference[name])
            for name, values in reference.items():  # what float16 would round stays as it was
                if name not in casts and values.dtype == np.float32 and values.size >= 16:
                    self.assertFalse(np.array_equal(values.astype(np.float16).astype(np.float32), values), name)
            self.assertLess((half / "restorer.onnx").stat().st_size, 0.75 * (plain / "restorer.onnx").stat().st_size)

    def test_export_leaves_the_model_in_eval_mode(self):
        # a model handed back in training mode restores with the gate's exploration noise on
        model = F2DNet(CONFIGS["tiny"]).eval()
        with tempfile.TemporaryDirectory() as d:
            export_model(model, Path(d), "t", {})
        self.assertFalse(any(m.training for m in model.modules()))

    def test_synth_export_matches_manifest(self):
        with tempfile.TemporaryDirectory() as d:
            out = Path(d)
            manifest = export_synth(out)
            ins, outs = io_names(out / "degrade.onnx")
            self.assertEqual(ins, ["image", "flags", "params", "noise"])
            self.assertEqual(outs, ["degraded"])
            self.assertEqual(len(manifest["configurations"]), 11)

    def test_independent_synth_export_declares_its_own_sizes(self):
        with tempfile.TemporaryDirectory() as d:
            out = Path(d)
            manifest = export_synth(out, "synth-independent")
            ins, outs = io_names(out / "degrade.onnx")
            self.assertEqual(ins, ["image", "flags", "params", "noise"])
            self.assertEqual(outs, ["degraded"])
            self.assertEqual(manifest["name"], "synth-independent")
            g = manifest["golden"]
            self.assertEqual((out / "golden" / "params.f32").stat().st_size, 4 * manifest["nParams"])
            self.assertEqual((out / "golden" / "noise.f32").stat().st_size,
                             4 * manifest["nNoise"] * g["width"] * g["height"])
            self.assertEqual(len(manifest["paramNames"]), manifest["nParams"])


if __name__ == "__main__":
    unittest.main()
