"""velocity.onnx: the graph computes what diagnostics.velocity_probe does per item, with float16 weights.

onnxruntime for Python is not available here and python3-onnx 1.12 has no reference evaluator,
so the file's numbers are checked in TypeScript (test/integration/model-velocity.test.ts runs it
in onnxruntime-node against the golden this export writes); here: the module, the rounding, and
the file's structure.
"""
from __future__ import annotations

import dataclasses
import json
import tempfile
import unittest
from pathlib import Path

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import TensorProto, numpy_helper

from f2dnet import synth
from f2dnet.checkpoint import save_compact
from f2dnet.diagnostics import evaluation_items, velocity_probe
from f2dnet.export import export_model, randomise_zero_init
from f2dnet.export import main as export_main
from f2dnet.model import CONFIGS, F2DNet
from f2dnet.transport import Transport
from f2dnet.velocity_graph import INPUTS, K_GRID, OUTPUTS, TABLES, VelocityGraph, export_velocity, halved

from .test_checkpoint import tiny_model

# The float16 weights' cost, relative to the largest |value| of each output, measured on the tiny
# models here with random float32 weights (each rounded by up to float16's relative 2^-11):
# velocity 3.4e-4, target 0 (no weight in it), alpha 4e-5 at most over the grid. The trained
# models' weights are float16 already (checkpoints/*/ema.fp16.pt), so there it costs nothing.
HALF_TOL = 2e-3


def weight_bytes(model: onnx.ModelProto) -> int:
    return sum(numpy_helper.to_array(i).nbytes for i in model.graph.initializer)


def lite_like(seed: int = 0) -> F2DNet:
    """The tiny widths with every module lite has: pixel-reading experts, detail head, smoother."""
    torch.manual_seed(seed)
    model = F2DNet(dataclasses.replace(CONFIGS["tiny"], detail=8, expert_pixels=True, smoother=True))
    randomise_zero_init(model, seed)
    return model.eval()


def example(model: F2DNet, k: int = 25, size: tuple[int, int] = (32, 48), seed: int = 3):
    g = torch.Generator().manual_seed(seed)
    degraded = torch.rand(1, 3, *size, generator=g) * 2 - 1
    clean = torch.rand(1, 3, *size, generator=g) * 2 - 1
    eps = torch.randn(1, 3, *size, generator=g)
    with torch.no_grad():
        maps, weights, _ = model.parser(degraded)
    return degraded, clean, torch.tensor([k]), eps, maps, weights


class VelocityGraphTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        g = torch.Generator().manual_seed(0)
        photos = [(torch.rand(3, 40, 48, generator=g) * 255).to(torch.uint8) for _ in range(2)]
        cls.items = evaluation_items(photos, 32, 2, synth)

    def probe_with_graph(self, model: F2DNet, transport: Transport, items, seed: int) -> dict:
        """velocity_probe's rows, each item's f, target and α from the graph module, with the
        same noise draws (one generator, k-major) and velocity_probe's own aggregation."""
        graph = VelocityGraph(model, transport).eval()
        gen = torch.Generator().manual_seed(seed)
        rows = {}
        for k in K_GRID:
            norms_f, norms_t, cosines, alphas = [], [], [], {}
            for name, _, deg, clean, _ in items:
                y, mu = deg * 2 - 1, clean * 2 - 1
                eps = torch.randn(y.shape, generator=gen)
                with torch.no_grad():
                    maps, weights, _ = model.parser(y)
                    f, target, alpha = graph(y, mu, torch.tensor([k]), eps, maps, weights)
                norms_f.append(f.norm().item())
                norms_t.append(target.norm().item())
                cosines.append(F.cosine_similarity(f.flatten(), target.flatten(), 0).item())
                alphas.setdefault(name, []).append(alpha[0].tolist())
            rows[k] = {"rho": sum(norms_f) / sum(norms_t), "cosine": sum(cosines) / len(cosines),
                       "alpha": {n: [sum(c) / len(v) for c in zip(*v)] for n, v in alphas.items()}}
        return rows

    def assert_rows_equal(self, got: dict, want: dict):
        self.assertEqual(list(got), list(want))
        for k in want:
            self.assertAlmostEqual(got[k]["rho"], want[k]["rho"], places=5, msg=f"rho at k={k}")
            self.assertAlmostEqual(got[k]["cosine"], want[k]["cosine"], places=5, msg=f"cosine at k={k}")
            self.assertEqual(set(got[k]["alpha"]), set(want[k]["alpha"]))
            for name, alpha in want[k]["alpha"].items():
                for a, b in zip(got[k]["alpha"][name], alpha):
                    self.assertAlmostEqual(a, b, places=6, msg=f"alpha of {name} at k={k}")

    def test_the_module_is_velocity_probes_per_item_computation(self):
        items = self.items[:4]  # the first photo under low, haze, rain and snow
        for model, scale in ((tiny_model(2), 1.0), (lite_like(), 1.0), (tiny_model(3), 0.5)):
            transport = Transport(scale)
            want = velocity_probe(model, transport, items, seed=7)
            self.assert_rows_equal(self.probe_with_graph(model, transport, items, seed=7), want)

    def test_the_noise_and_k_reach_the_sample(self):
        """At k = 0 the sample is y whatever ε; at k > 0 it moves towards μ, and ε matters."""
        model = tiny_model(2)
        graph = VelocityGraph(model, Transport(1.0)).eval()
        degraded, clean, _, eps, maps, weights = example(model)
        with torch.no_grad():
            _, target0, _ = graph(degraded, clean, torch.tensor([0]), eps, maps, weights)
            _, target0b, _ = graph(degraded, clean, torch.tensor([0]), eps * 3, maps, weights)
            f50, target50, _ = graph(degraded, clean, torch.tensor([50]), eps, maps, weights)
            _, target50b, _ = graph(degraded, clean, torch.tensor([50]), -eps, maps, weights)
            f0, _, _ = graph(degraded, clean, torch.tensor([0]), eps, maps, weights)
        self.assertTrue(torch.equal(target0, clean - degraded))
        self.assertTrue(torch.equal(target0, target0b))
        self.assertLess(target50.norm(), target0.norm())
        self.assertFalse(torch.allclose(target50, target50b))
        self.assertFalse(torch.allclose(f0, f50), "k reaches the time embedding")

    def test_float16_weights_cost_less_than_the_stated_tolerance(self):
        for model in (tiny_model(2), lite_like()):
            graph = VelocityGraph(model, Transport(1.0)).eval()
            half = halved(graph)
            worst = 0.0
            for k in K_GRID:
                inputs = example(model, k)
                with torch.no_grad():
                    full, rounded = graph(*inputs), half(*inputs)
                for name, a, b in zip(OUTPUTS, full, rounded):
                    err = ((a - b).abs().max() / a.abs().max().clamp(min=1e-12)).item()
                    self.assertLess(err, HALF_TOL, f"{name} at k={k}")
                    worst = max(worst, err)
            self.assertGreater(worst, 0.0, "the weights were rounded: a float32 model's outputs move a little")
            # the transport's tables are not rounded
            for name in TABLES:
                self.assertTrue(torch.equal(getattr(half, name), getattr(graph, name)), name)

    def test_the_file_holds_float16_weights_cast_to_float32(self):
        model = lite_like()
        inputs = example(model)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "velocity.onnx"
            module = export_velocity(model, path, 1.0, inputs, 17)
            full = Path(tmp) / "velocity-f32.onnx"
            torch.onnx.export(VelocityGraph(model, Transport(1.0)).eval(), inputs, full, opset_version=17,
                              input_names=list(INPUTS), output_names=list(OUTPUTS))
            m = onnx.load(str(path))
            # half the weights' bytes (the graph's nodes are the rest of a file: most of the tiny one's, 4 % of lite's)
            self.assertLess(weight_bytes(m), 0.55 * weight_bytes(onnx.load(str(full))))
        onnx.checker.check_model(m)
        inits = {i.name: i for i in m.graph.initializer}
        self.assertEqual([i.name for i in m.graph.input if i.name not in inits], list(INPUTS))
        self.assertEqual([o.name for o in m.graph.output], list(OUTPUTS))
        for o in m.graph.output:
            self.assertEqual(o.type.tensor_type.elem_type, TensorProto.FLOAT, o.name)
        casts = {n.input[0]: n for n in m.graph.node if n.op_type == "Cast"}
        state = module.state_dict()
        halves = [i for i in inits.values() if i.data_type == TensorProto.FLOAT16]
        self.assertGreater(len(halves), 20)
        consumers = {name for n in m.graph.node if n.op_type != "Cast" for name in n.input}
        for init in halves:
            cast = casts[init.name]
            self.assertEqual(cast.attribute[0].i, TensorProto.FLOAT, init.name)
            original = cast.output[0]
            self.assertIn(original, consumers, f"{original} is read as float32")
            # exactly the module's (already rounded) weight: the golden is what the file computes
            values = torch.from_numpy(numpy_helper.to_array(init).astype("float32"))
            self.assertTrue(torch.equal(values, state[original].reshape(values.shape)), original)
        for name in TABLES:
            self.assertEqual(inits[name].data_type, TensorProto.FLOAT, name)
            self.assertTrue(torch.equal(torch.from_numpy(numpy_helper.to_array(inits[name])), state[name]), name)

    def test_export_writes_the_graph_its_golden_and_the_manifest_entries(self):
        model = tiny_model(1)
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp)
            manifest = export_model(model, out, "t", {}, sigmas_scale=0.5)
            entry = manifest["files"]["velocity"]
            self.assertEqual(entry["path"], "velocity.onnx")
            self.assertEqual(len(entry["sha256"]), 64)
            m = onnx.load(str(out / "velocity.onnx"))
            inits = {i.name for i in m.graph.initializer}
            self.assertEqual([i.name for i in m.graph.input if i.name not in inits],
                             [i["name"] for i in manifest["io"]["velocity"]["inputs"]])
            self.assertEqual([o.name for o in m.graph.output], [o["name"] for o in manifest["io"]["velocity"]["outputs"]])
            v = manifest["velocity"]
            self.assertEqual(v["kGrid"], list(K_GRID))
            self.assertEqual(v["sigmasScale"], 0.5)
            self.assertGreater(v["golden"]["k"], 0)
            g = manifest["golden"]
            sizes = {role: (out / "golden" / name).stat().st_size for role, name in v["golden"]["files"].items()}
            image = 3 * g["width"] * g["height"] * 4
            self.assertEqual(sizes, {"degraded": image, "clean": image, "eps": image, "velocity": image,
                                     "target": image, "alpha": 16})
            # the golden's target is μ − x_k with the noise strength given, not the default one
            shape = (1, 3, g["height"], g["width"])

            def read(role: str) -> torch.Tensor:
                return torch.from_numpy(np.fromfile(out / "golden" / v["golden"]["files"][role], dtype="<f4")).view(shape)

            y, mu, eps, target = read("degraded"), read("clean"), read("eps"), read("target")
            for scale, same in ((0.5, True), (1.0, False)):
                x_k = Transport(scale).sample(y, mu, torch.tensor([v["golden"]["k"]]), eps)
                self.assertEqual(torch.allclose(mu - x_k, target, atol=1e-6), same, scale)

    def test_the_command_takes_the_noise_strength_from_the_checkpoints_last_stage(self):
        with tempfile.TemporaryDirectory() as tmp:
            ck, out = Path(tmp) / "ck", Path(tmp) / "out"
            save_compact(ck, tiny_model(), {"steps": 3, "minutes": 0.1, "stages": [
                {"steps": 2, "sigmas_scale": 1.0}, {"steps": 1, "sigmas_scale": 0.25}]})
            self.assertEqual(export_main(["--checkpoint", str(ck), "--out", str(out)]), 0)
            self.assertEqual(json.loads((out / "manifest.json").read_text())["velocity"]["sigmasScale"], 0.25)


if __name__ == "__main__":
    unittest.main()
