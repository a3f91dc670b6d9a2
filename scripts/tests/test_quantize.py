"""The QDQ rewrite: which tensors it probes, and a valid graph whose weights round-trip within one step."""
import unittest
from pathlib import Path

import numpy as np
import onnx
from onnx import numpy_helper

from f2dnet.quantize import activation_tensors, build, probe, quantizable_convs, u8_params

FIXTURE = Path(__file__).resolve().parents[2] / "test" / "fixtures" / "models" / "f2d-tiny" / "restorer.onnx"


def fake_ranges(tensors):
    return {t: {"lo": -1.5, "hi": 2.5} for t in tensors}


class QuantizeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.model = onnx.load(str(FIXTURE))

    def test_probe_exposes_every_conv_activation(self):
        convs = quantizable_convs(self.model.graph, set())
        self.assertGreater(len(convs), 5)
        probed, tensors = probe(self.model, set())
        outputs = {o.name for o in probed.graph.output}
        for n in convs:
            self.assertIn(n.input[0], outputs)
            self.assertIn(n.output[0], outputs)
        self.assertEqual(len(tensors), len(set(tensors)))
        onnx.checker.check_model(probed)

    def test_build_quantizes_weights_per_channel_within_half_a_step(self):
        convs = quantizable_convs(self.model.graph, set())
        q, summary = build(self.model, fake_ranges(activation_tensors(self.model.graph, convs)), set())
        self.assertEqual(summary["quantizedConvs"], len(convs))
        inits = {i.name: numpy_helper.to_array(i) for i in q.graph.initializer}
        original = {i.name: numpy_helper.to_array(i) for i in self.model.graph.initializer}
        for n in convs:
            base = n.name or n.output[0]
            w = original[n.input[1]]
            wq, ws = inits[f"{base}_weight_quantized"], inits[f"{base}_weight_scale"]
            self.assertEqual(wq.dtype, np.int8)
            err = np.abs(wq.astype(np.float32) * ws[:, None, None, None] - w)
            self.assertTrue(np.all(err <= ws[:, None, None, None] / 2 + 1e-7))
        ops = [n.op_type for n in q.graph.node]
        self.assertEqual(ops.count("QuantizeLinear"), len(activation_tensors(self.model.graph, convs)))
        # Every quantized Conv reads dequantized input and weight.
        producers = {o: n.op_type for n in q.graph.node for o in n.output}
        for n in q.graph.node:
            if n.op_type == "Conv" and n.name in {c.name for c in convs}:
                self.assertEqual(producers.get(n.input[0]), "DequantizeLinear")
                self.assertEqual(producers.get(n.input[1]), "DequantizeLinear")

    def test_skip_keeps_a_conv_float(self):
        convs = quantizable_convs(self.model.graph, set())
        first = convs[0].name
        q, summary = build(self.model, fake_ranges(activation_tensors(self.model.graph, convs)), {first})
        self.assertIn(first, summary["floatConvs"])
        self.assertEqual(summary["quantizedConvs"], len(convs) - 1)

    def test_missing_range_is_an_error_naming_the_fix(self):
        with self.assertRaises(SystemExit) as ctx:
            build(self.model, {}, set())
        self.assertIn("calibration", str(ctx.exception))

    def test_u8_grid_covers_the_range_and_zero(self):
        for lo, hi in [(-1.0, 3.0), (0.2, 5.0), (-4.0, -1.0), (0.0, 0.0)]:
            scale, zp = u8_params(lo, hi)
            self.assertTrue(0 <= zp <= 255)
            # The grid's ends land within half a step of the range (zero pulled in when outside it).
            self.assertLessEqual((0 - zp) * scale, min(lo, 0.0) + scale / 2 + 1e-9)
            self.assertGreaterEqual((255 - zp) * scale, max(hi, 0.0) - scale / 2 - 1e-9)


if __name__ == "__main__":
    unittest.main()
