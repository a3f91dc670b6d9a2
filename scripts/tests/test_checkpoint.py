"""The campaign's committed checkpoints: import from an export, publish, resume with the stage record."""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

import torch

from f2dnet.checkpoint import LOCK, is_compact, load_compact, publishing, save_compact
from f2dnet.export import export_model, randomise_zero_init
from f2dnet.import_onnx import check_goldens, import_model
from f2dnet.model import CONFIGS, F2DNet
from f2dnet.options import options_from_dict
from f2dnet.train import main as train_main
from f2dnet.train import train

from .test_train import OPTIONS, tiny_photos


def tiny_model(seed: int = 0) -> F2DNet:
    torch.manual_seed(seed)
    model = F2DNet(CONFIGS["tiny"])
    randomise_zero_init(model, seed)
    return model.eval()


class CheckpointTest(unittest.TestCase):
    def test_compact_round_trip_is_fp16_of_the_weights(self):
        model = tiny_model()
        with tempfile.TemporaryDirectory() as tmp:
            save_compact(Path(tmp), model, {"steps": 7, "stages": [{"steps": 7}]})
            self.assertTrue(is_compact(Path(tmp)))
            back, state = load_compact(Path(tmp))
            self.assertEqual(state["steps"], 7)
            for (k, a), b in zip(model.state_dict().items(), back.state_dict().values()):
                self.assertTrue(torch.allclose(a, b, atol=2e-3, rtol=1e-3), k)

    def test_import_from_onnx_reproduces_the_goldens(self):
        model = tiny_model(1)
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "m"
            manifest = export_model(model, out, "m", {"training": {"steps": 5, "minutes": 0.1}})
            imported, _ = import_model(out)
            self.assertLessEqual(check_goldens(imported, out, manifest), 1.0)
            # every exported weight came back as it was (the folded input halves sum to the original's)
            ref = model.state_dict()
            got = imported.state_dict()
            for k in ("head.weight", "head.bias", "experts.2.out.weight", "experts.3.out.bias", "enc1.film.weight"):
                self.assertTrue(torch.allclose(ref[k], got[k], atol=1e-6), k)
            self.assertTrue(torch.allclose(model.folded_input_weight(), imported.folded_input_weight(), atol=1e-6))

    def test_export_from_a_compact_checkpoint_records_every_stage(self):
        from f2dnet.export import main as export_main
        with tempfile.TemporaryDirectory() as tmp:
            ck, out = Path(tmp) / "ck", Path(tmp) / "out"
            save_compact(ck, tiny_model(), {"steps": 30, "minutes": 2.0, "stages": [
                {"steps": 10, "minutes": 1.0, "options": "a"}, {"steps": 20, "minutes": 1.0, "options": "b"}]})
            self.assertEqual(export_main(["--checkpoint", str(ck), "--out", str(out)]), 0)
            training = json.loads((out / "manifest.json").read_text())["training"]
            self.assertEqual(training["options"], "b")
            self.assertEqual([s["options"] for s in training["previousStages"]], ["a"])
            self.assertEqual(training["totalSteps"], 30)

    def test_training_resumes_from_a_compact_checkpoint_and_extends_the_stage_record(self):
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            tiny_photos(root / "photos")
            save_compact(root / "ck", tiny_model(), {"steps": 100, "minutes": 1.0,
                                                     "stages": [{"steps": 100, "minutes": 1.0, "options": "first"}]})
            opt = {**OPTIONS, "init_from": str(root / "ck"), "publish": str(root / "ck")}
            train(options_from_dict(opt, "test options"), root / "photos", root / "run")
            _, state = load_compact(root / "ck")
            self.assertEqual([s["options"] for s in state["stages"]], ["first", "t"])
            self.assertEqual(state["steps"], 103)
            self.assertIsNotNone(state["stages"][-1]["validation"])
            # a rerun of the same stage resumes its own run and does not record the stage twice
            train(options_from_dict({**opt, "total_steps": 4}, "test options"), root / "photos", root / "run")
            _, state = load_compact(root / "ck")
            self.assertEqual([s["options"] for s in state["stages"]], ["first", "t"])
            self.assertEqual(state["steps"], 104)
            json.dumps(state)  # the record is plain JSON

    def test_a_second_stage_cannot_publish_to_a_folder_another_live_one_holds(self):
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp) / "ck"
            with publishing(folder, "first"):
                self.assertTrue((folder / LOCK).exists())
                other = subprocess.run([sys.executable, "-c", "from pathlib import Path; import sys; "
                                        "from f2dnet.checkpoint import publishing\n"
                                        f"with publishing(Path({str(folder)!r}), 'second'): pass"],
                                       capture_output=True, text=True, cwd=Path(__file__).parents[1])
                self.assertNotEqual(other.returncode, 0)
                self.assertIn("being published by stage first", other.stderr)
            self.assertFalse((folder / LOCK).exists(), "released when the stage ends")

    def test_a_lock_left_by_a_dead_process_is_taken_over(self):
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp) / "ck"
            folder.mkdir()
            dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
            (folder / LOCK).write_text(json.dumps({"pid": int(dead.stdout), "stage": "gone"}))
            with publishing(folder, "next"):
                self.assertEqual(json.loads((folder / LOCK).read_text())["stage"], "next")

    def test_the_trainer_stops_before_training_when_its_publish_folder_is_held(self):
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            (root / "o.json").write_text(json.dumps({**OPTIONS, "publish": str(root / "ck")}))
            with publishing(root / "ck", "first"):
                self.assertEqual(train_main(["--options", str(root / "o.json"), "--photos", str(root / "none"),
                                             "--runs", str(root / "runs")]), 2)
            self.assertFalse((root / "runs").exists(), "nothing started")


if __name__ == "__main__":
    unittest.main()
