"""The bpstudio command: train, grad, gradcheck, export, and errors as one clear line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bpstudio.cli import main
from bpstudio.core.engine.address import ParamRef
from bpstudio.core.engine.gradcheck import relative_error
from bpstudio.core.files.project import Project

# The worked example of docs/calculus.md §5.
NOTE_DW = [-5.873451416921e-03, 1.381298138906e-02, 4.337619893857e-02]
NOTE_DB = [-5.873451416921e-03, 2.139370630453e-02, 1.131109271665e-01]
NOTE_COST = 0.051399057279


@pytest.fixture
def note_files(tmp_path: Path) -> tuple[Path, Path]:
    params = tmp_path / "note.npz"
    np.savez(
        params,
        W1=[[0.5]],
        b1=[0.1],
        W2=[[-1.2]],
        b2=[0.3],
        W3=[[0.8]],
        b3=[-0.4],
    )
    data = tmp_path / "note.csv"
    data.write_text("x,y\n1.0,0.25\n")
    return params, data


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_grad_json_reproduces_the_worked_example(capsys, note_files):
    params, data = note_files
    code, out, _ = run(
        capsys,
        "grad", "--layers", "1,1,1,1", "--activation", "sigmoid", "--loss", "squared_error",
        "--params", str(params), "--data", str(data), "--json",
    )  # fmt: skip
    assert code == 0
    result = json.loads(out)
    np.testing.assert_allclose(result["cost"], NOTE_COST, atol=1e-12)
    for l in range(3):
        np.testing.assert_allclose(result["gradient"][f"W{l + 1}"], [[NOTE_DW[l]]], atol=1e-12)
        np.testing.assert_allclose(result["gradient"][f"b{l + 1}"], [NOTE_DB[l]], atol=1e-12)


def test_grad_text_names_every_component(capsys, note_files):
    params, data = note_files
    code, out, _ = run(
        capsys, "grad", "--layers", "1,1,1,1", "--params", str(params), "--data", str(data)
    )
    assert code == 0
    for name in ("W1[0,0]", "b1[0]", "W3[0,0]", "b3[0]"):
        assert name in out
    assert "4.337619893857e-02" in out


NOTE_W = {"W1": 0.5, "W2": -1.2, "W3": 0.8}


def _grad_json(capsys, params: Path, data: Path, *extra: str) -> dict:
    code, out, _ = run(
        capsys, "grad", "--layers", "1,1,1,1", "--params", str(params), "--data", str(data),
        "--json", *extra,
    )  # fmt: skip
    assert code == 0
    return json.loads(out)


def test_grad_prints_the_penalised_cost_and_its_gradient(capsys, note_files):
    params, data = note_files
    result = _grad_json(capsys, params, data, "--l2", "0.1", "--l1", "0.01")
    expected_penalty = 0.05 * sum(w * w for w in NOTE_W.values()) + 0.01 * sum(
        abs(w) for w in NOTE_W.values()
    )
    assert result["cost_formula"] == "C = C_data + (λ₂/2) Σ w² + λ₁ Σ |w| with λ₂ = 0.1, λ₁ = 0.01"
    np.testing.assert_allclose(result["data_cost"], NOTE_COST, atol=1e-12)
    np.testing.assert_allclose(result["penalty"], expected_penalty, rtol=1e-12)
    np.testing.assert_allclose(result["cost"], NOTE_COST + expected_penalty, atol=1e-12)
    for l, (name, w) in enumerate(NOTE_W.items()):
        # ∇C is the gradient of the C printed: the penalty's λ₂ w + λ₁ sign(w) included.
        np.testing.assert_allclose(
            result["gradient"][name], [[NOTE_DW[l] + 0.1 * w + 0.01 * np.sign(w)]], atol=1e-12
        )
        np.testing.assert_allclose(result["data_gradient"][name], [[NOTE_DW[l]]], atol=1e-12)
        # Biases are not penalised.
        np.testing.assert_allclose(result["gradient"][f"b{l + 1}"], [NOTE_DB[l]], atol=1e-12)


def test_grad_gradient_is_the_slope_of_the_printed_cost(capsys, note_files, tmp_path):
    params, data = note_files
    h = 1e-6
    costs = []
    for sign in (1, -1):
        moved = tmp_path / f"moved{sign}.npz"
        arrays = dict(np.load(params))
        arrays["W2"] = arrays["W2"] + sign * h
        np.savez(moved, **arrays)
        costs.append(_grad_json(capsys, moved, data, "--l2", "0.3")["cost"])
    slope = (costs[0] - costs[1]) / (2 * h)
    gradient = _grad_json(capsys, params, data, "--l2", "0.3")["gradient"]["W2"][0][0]
    np.testing.assert_allclose(gradient, slope, rtol=1e-7)


def test_grad_text_labels_the_cost_and_its_terms(capsys, note_files):
    params, data = note_files
    args = ["grad", "--layers", "1,1,1,1", "--params", str(params), "--data", str(data)]
    code, out, _ = run(capsys, *args, "--l2", "0.1")
    assert code == 0
    lines = out.splitlines()
    total = NOTE_COST + 0.05 * sum(w * w for w in NOTE_W.values())
    cost, formula = lines[1].split("   ")
    assert cost.startswith("cost C = ")
    np.testing.assert_allclose(float(cost.removeprefix("cost C = ")), total, atol=1e-11)
    assert formula == "(C = C_data + (λ₂/2) Σ w² with λ₂ = 0.1)"
    assert lines[2].startswith("  C_data = 0.05139905727")
    assert lines[3].startswith("  penalty = ")
    assert "the penalty's gradient included" in out
    code, out, _ = run(capsys, *args)
    assert "(C = C_data: no penalty)" in out.splitlines()[1]
    code, _, err = run(capsys, *args, "--l2", "-1")
    assert code == 2
    assert "l2 must be a non-negative number" in err


def test_grad_uses_the_projects_penalty(capsys, tmp_path):
    path = tmp_path / "p.bpstudio"
    code, _, _ = run(
        capsys, "train", "--layers", "2,3,1", "--dataset", "xor", "--steps", "3", "-q",
        "--l2", "0.2", "--save", str(path),
    )  # fmt: skip
    assert code == 0
    code, out, _ = run(capsys, "grad", str(path), "--json")
    assert code == 0
    result = json.loads(out)
    assert result["cost_formula"] == "C = C_data + (λ₂/2) Σ w² with λ₂ = 0.2"
    assert result["cost"] > result["data_cost"]
    code, out, _ = run(capsys, "grad", str(path), "--json", "--l2", "0")
    assert json.loads(out)["cost_formula"] == "C = C_data"


def test_gradcheck_passes_and_reports_per_layer(capsys):
    code, out, _ = run(
        capsys, "gradcheck", "--layers", "2,3,2", "--activation", "tanh",
        "--output-activation", "softmax", "--loss", "cross_entropy",
        "--dataset", "blobs", "--classes", "2", "--n-examples", "12",
    )  # fmt: skip
    assert code == 0, out
    assert "layer 1" in out
    assert "layer 2" in out
    assert "PASS" in out


@pytest.mark.parametrize(
    ("option", "formula"),
    [
        ("--l2", "C = C_data + (λ₂/2) Σ w² with λ₂ = 0.2"),
        ("--l1", "C = C_data + λ₁ Σ |w| with λ₁ = 0.2"),
    ],
)
def test_gradcheck_checks_the_whole_penalised_cost(capsys, tmp_path, option, formula):
    path = tmp_path / "p.bpstudio"
    code, _, _ = run(
        capsys, "train", "--layers", "2,3,1", "--dataset", "xor", "--steps", "3", "-q",
        option, "0.2", "--save", str(path),
    )  # fmt: skip
    assert code == 0
    code, out, _ = run(capsys, "gradcheck", str(path))
    assert code == 0, out
    assert f"checks ∇C of {formula} (the penalty's gradient included)" in out
    assert "PASS" in out
    code, out, _ = run(capsys, "gradcheck", str(path), "--json")
    assert code == 0
    checked = json.loads(out)
    assert checked["passed"]
    assert checked["cost_formula"] == formula
    # Against the same numeric slopes, the data term's gradient alone would fail.
    code, out, _ = run(capsys, "grad", str(path), "--json")
    data_gradient = json.loads(out)["data_gradient"]
    worst = 0.0
    for name, component in checked["components"].items():
        ref = ParamRef.parse(name)
        value = float(np.asarray(data_gradient[ref.array_name])[ref.index])
        worst = max(worst, relative_error(value, component["numeric"]))
    assert worst > 1e-3
    code, out, _ = run(capsys, "gradcheck", str(path), option, "0")
    assert "checks ∇C of C = C_data (no penalty)" in out


def test_gradcheck_skips_weights_at_l1s_kink_and_says_so(capsys, tmp_path):
    params = tmp_path / "p.npz"
    np.savez(params, W1=[[0.0, 0.7], [-0.4, 3e-7]], b1=[0.1, -0.2], W2=[[0.9, -1.1]], b2=[0.0])
    code, out, _ = run(
        capsys, "gradcheck", "--layers", "2,2,1", "--params", str(params), "--dataset", "xor",
        "--l1", "0.1",
    )  # fmt: skip
    assert code == 0, out
    assert "2 weights with |w| < ε not checked: λ₁ |w| has a kink at w = 0" in out
    assert "checked 7 of 9 parameters" in out
    code, out, _ = run(
        capsys, "gradcheck", "--layers", "2,2,1", "--params", str(params), "--dataset", "xor",
        "--l1", "0.1", "--json",
    )  # fmt: skip
    assert json.loads(out)["at_kink"] == ["W1[0,0]", "W1[1,1]"]


def test_gradcheck_fails_above_tolerance(capsys):
    code, out, _ = run(
        capsys, "gradcheck", "--layers", "2,3,1", "--dataset", "xor",
        "--n-examples", "8", "--tolerance", "1e-30",
    )  # fmt: skip
    assert code == 1
    assert "FAIL" in out


def test_train_xor_learns_and_saves(capsys, tmp_path):
    project_path = tmp_path / "xor.bpstudio"
    params_path = tmp_path / "xor.npz"
    code, out, err = run(
        capsys, "train", "--layers", "2,4,1", "--activation", "tanh",
        "--output-activation", "sigmoid", "--loss", "cross_entropy", "--dataset", "xor",
        "--epochs", "300", "--batch-size", "10", "--lr", "0.5", "--optimizer", "sgd",
        "--seed", "0", "--validation", "0.2", "--save-params", str(params_path),
        "--save", str(project_path),
    )  # fmt: skip
    assert code == 0, err
    assert "train accuracy: " in out
    assert "validation accuracy: " in out
    accuracy = float(out.split("train accuracy: ")[1].split()[0])
    assert accuracy > 0.9
    project = Project.load(project_path)
    assert project.epoch == 300
    with np.load(params_path, allow_pickle=False) as npz:
        np.testing.assert_array_equal(npz["W1"], project.params.W[0])


def test_train_continues_a_project(capsys, tmp_path):
    path = tmp_path / "run.bpstudio"
    assert run(capsys, "train", "--layers", "1,1,1,1", "--steps", "10", "--save", str(path))[0] == 0
    code, out, _ = run(capsys, "train", str(path), "--steps", "5", "--save", str(path), "--json")
    assert code == 0
    assert json.loads(out)["steps"] == 5
    assert Project.load(path).step == 15


def test_train_is_deterministic_with_a_seed(capsys):
    args = ["train", "--layers", "2,3,1", "--dataset", "moons", "--epochs", "5", "--json"]
    first = json.loads(run(capsys, *args)[1])
    second = json.loads(run(capsys, *args)[1])
    assert first["train_cost"] == second["train_cost"]


def test_train_picks_its_blas_thread_count(capsys):
    from bpstudio.core.training.blas import BlasThreads

    code, out, err = run(
        capsys, "train", "--layers", "2,4,1", "--dataset", "xor", "--epochs", "2", "--json"
    )
    assert code == 0, err
    assert json.loads(out)["blas_threads"] in (1, BlasThreads().most)


def test_train_reports_divergence(capsys):
    code, _, err = run(
        capsys, "train", "--layers", "1,8,1", "--activation", "relu",
        "--output-activation", "linear", "--dataset", "sine", "--lr", "1e4", "--epochs", "50",
        "--init", "normal",
    )  # fmt: skip
    assert code == 1
    assert "diverged" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["train", "--layers", "2,4,1", "--dataset", "nope"], "unknown"),
        (["train", "--layers", "3,4,1", "--dataset", "xor"], "inputs"),
        (["grad", "--layers", "1,1,1,1", "--params", "missing.npz"], "missing.npz"),
        (["train", "--layers", "2,1", "--loss", "cross_entropy", "--output-activation",
          "linear"], "cross_entropy"),
        (["export", "nowhere.bpstudio", "--format", "json", "-o", "x.json"], "nowhere"),
        (["train", "--dataset", "csv:absent.csv", "--layers", "1,1"], "absent.csv"),
    ],
)  # fmt: skip
def test_errors_are_one_line_without_traceback(capsys, args, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, *args)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("bpstudio: error:")
    assert message in lines[0]
    assert "Traceback" not in err


def test_bad_params_shape_names_the_array(capsys, tmp_path, note_files):
    bad = tmp_path / "bad.npz"
    np.savez(bad, W1=[[0.5, 1.0]], b1=[0.1], W2=[[-1.2]], b2=[0.3], W3=[[0.8]], b3=[-0.4])
    code, _, err = run(capsys, "grad", "--layers", "1,1,1,1", "--params", str(bad))
    assert code == 2
    assert "W1" in err
    assert "(1, 1)" in err


def test_bad_csv_names_the_line(capsys, tmp_path):
    data = tmp_path / "bad.csv"
    data.write_text("x,y\n1.0,0.25\n2.0,abc\n")
    code, _, err = run(capsys, "grad", "--layers", "1,1", "--data", str(data))
    assert code == 2
    assert "line 3" in err


def test_csv_dataset_with_label_column_trains(capsys, tmp_path):
    rng = np.random.default_rng(0)
    rows = ["a,b,label"]
    for _ in range(60):
        x = rng.normal(size=2)
        rows.append(f"{x[0]:.5f},{x[1]:.5f},{'pos' if x[0] + x[1] > 0 else 'neg'}")
    path = tmp_path / "points.csv"
    path.write_text("\n".join(rows) + "\n")
    code, out, err = run(
        capsys, "train", "--layers", "2,4,2", "--output-activation", "softmax",
        "--loss", "cross_entropy", "--dataset", f"csv:{path}", "--label-column", "label",
        "--standardize", "--validation", "0.25", "--epochs", "100", "--lr", "0.5",
    )  # fmt: skip
    assert code == 0, err
    assert float(out.split("train accuracy: ")[1].split()[0]) > 0.9


def test_export_every_format_verifies(capsys, tmp_path):
    project = tmp_path / "p.bpstudio"
    assert run(capsys, "train", "--layers", "2,3,1", "--dataset", "xor", "--epochs", "2",
               "--save", str(project))[0] == 0  # fmt: skip
    for fmt, ext in (("npz", "npz"), ("json", "json"), ("csv", "csv"), ("python", "py"),
                     ("onnx", "onnx"), ("safetensors", "safetensors")):  # fmt: skip
        target = tmp_path / f"model.{ext}"
        code, out, err = run(capsys, "export", str(project), "--format", fmt, "-o", str(target))
        assert code == 0, err
        assert target.exists()
        assert "verified" in out


def test_module_entry_point_runs():
    result = subprocess.run(
        [sys.executable, "-m", "bpstudio", "--version"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0
    assert "bpstudio" in result.stdout


def test_a_failed_command_writes_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    params = tmp_path / "p.npz"
    code, _, err = run(
        capsys,
        "train",
        "--layers",
        "1,1",
        "--epochs",
        "1",
        "-q",
        "--save-params",
        str(params),
        "--save",
        str(tmp_path / "missing" / "x.bpstudio"),
    )
    assert code != 0
    assert "folder" in err
    assert "does not exist" in err
    assert list(tmp_path.iterdir()) == []


def test_safetensors_export_onto_a_folder_writes_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    pytest.importorskip("safetensors")
    project = tmp_path / "p.bpstudio"
    Project.note_example().save(project)
    (tmp_path / "m.safetensors").mkdir()
    code, _, err = run(
        capsys, "export", str(project), "-f", "safetensors", "-o", str(tmp_path / "m.safetensors")
    )
    assert code != 0
    assert "it is a folder" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.safetensors", "p.bpstudio"]


def test_layer_sizes_too_large_for_memory_are_refused_with_an_estimate(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = run(capsys, "train", "--dataset", "xor", "--layers", "2,10000000,10000000,1")
    assert code != 0
    assert "would need about" in err
    assert "of memory" in err
    assert err.count("\n") == 1


def test_every_error_is_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.bpstudio"
    bad.write_bytes(b"PK\x03\x04" + b"\0" * 100)
    for args in (("train", str(bad)), ("grad", "--layers", "1,1", "--params", str(bad))):
        code, _, err = run(capsys, *args)
        assert code != 0
        assert err.startswith("bpstudio: error: ")
        assert err.count("\n") == 1


def test_standardised_export_predicts_like_the_app_on_raw_inputs(capsys, tmp_path):
    """`train --standardize` then `export`: the ONNX file, fed raw CSV rows, gives what the
    project's network gives the standardised rows, and names its classes."""
    onnx = pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")

    from bpstudio.core.data.source import load_examples, split_examples
    from bpstudio.core.engine.backprop import predict

    rng = np.random.default_rng(1)
    rows = ["grams,metres,label"]
    for _ in range(60):
        x = rng.normal(size=2)
        label = "heavy" if x[0] + x[1] > 0 else "light"
        rows.append(f"{float(5000 + 40 * x[0])!r},{float(0.002 + 0.001 * x[1])!r},{label}")
    data = tmp_path / "far.csv"
    data.write_text("\n".join(rows) + "\n")
    project = tmp_path / "far.bpstudio"
    code, _, err = run(
        capsys, "train", "--layers", "2,4,2", "--output-activation", "softmax",
        "--loss", "cross_entropy", "--dataset", f"csv:{data}", "--label-column", "label",
        "--standardize", "--epochs", "50", "--lr", "0.5", "-q", "--save", str(project),
        "--save-params", str(tmp_path / "far.npz"),
    )  # fmt: skip
    assert code == 0, err
    target = tmp_path / "far.onnx"
    code, out, err = run(capsys, "export", str(project), "--format", "onnx", "-o", str(target))
    assert code == 0, err
    assert "verified on raw inputs" in out
    loaded = Project.load(project)
    examples = load_examples(loaded.data)
    train, _ = split_examples(loaded.data, examples)
    raw, _ = examples.split(loaded.data.validation_fraction, loaded.data.seed)
    session = ort.InferenceSession(str(target), providers=["CPUExecutionProvider"])
    got = session.run(None, {"x": np.ascontiguousarray(raw.X)})[0]
    np.testing.assert_allclose(got, predict(loaded.spec, loaded.params, train.X), atol=1e-9)
    props = {p.key: p.value for p in onnx.load(str(target)).metadata_props}
    assert json.loads(props["class_names"]) == ["heavy", "light"]
    assert json.loads(props["feature_names"]) == ["grams", "metres"]
    with np.load(tmp_path / "far.npz", allow_pickle=False) as saved:  # --save-params too
        np.testing.assert_allclose(saved["input_mean"], raw.X.mean(axis=0), rtol=1e-12)


def test_values_prints_the_worked_example_in_the_notes_notation(capsys, note_files):
    params, data = note_files
    code, out, _ = run(
        capsys, "values", "--layers", "1,1,1,1", "--params", str(params), "--data", str(data),
        "--digits", "13", "--notation", "relative",
    )  # fmt: skip
    assert code == 0
    assert "for one example (its own cost): C₀ = 0.05139905727" in out
    assert "w₀₀⁽ᴸ⁾" in out
    assert "a₀⁽ᴸ⁻¹⁾" in out
    for dw, db in zip(NOTE_DW, NOTE_DB, strict=True):
        assert f"{dw:.13g}" in out
        assert f"{db:.13g}" in out


def test_values_csv_of_the_batch(capsys, tmp_path):
    code, out, _ = run(
        capsys, "values", "--layers", "2,3,1", "--dataset", "xor", "--batch",
        "--format", "csv", "--digits", "17",
    )  # fmt: skip
    assert code == 0
    import csv
    import io

    rows = list(csv.reader(io.StringIO(out)))
    parameters = rows[rows.index([]) + 1 :]
    assert parameters[0] == ["parameter", "value", "∂C/∂θ"]
    assert len(parameters) == 1 + 13
    code, grad_out, _ = run(capsys, "grad", "--layers", "2,3,1", "--dataset", "xor", "--json")
    gradient = json.loads(grad_out)["gradient"]
    assert float(parameters[1][2]) == gradient["W1"][0][0]


@pytest.mark.parametrize("fmt", ["markdown", "latex"])
def test_values_other_formats(capsys, fmt):
    code, out, _ = run(capsys, "values", "--layers", "1,2,1", "--format", fmt)
    assert code == 0
    assert ("| neuron |" in out) if fmt == "markdown" else ("\\begin{tabular}" in out)


def test_values_refuses_an_example_the_data_lacks(capsys):
    code, out, err = run(capsys, "values", "--layers", "1,1,1,1", "--example", "3")
    assert code != 0
    assert out == ""
    assert err.strip() == "bpstudio: error: the data has 1 examples (0 to 0), not an example 3"


# -- the optimiser's settings, the penalised cost and the vanishing-gradient warning ----------


def test_train_sets_and_saves_the_optimiser_settings(capsys, tmp_path):
    saved = tmp_path / "adam.bpstudio"
    code, _, _ = run(
        capsys,
        "train", "--layers", "2,3,1", "--dataset", "xor", "--steps", "5", "-q",
        "--optimizer", "adam", "--beta1", "0.8", "--beta2", "0.99", "--eps", "1e-6",
        "--schedule", "exponential", "--schedule-rate", "0.01",
        "--schedule-every", "20", "--schedule-factor", "0.25", "--save", str(saved),
    )  # fmt: skip
    assert code == 0
    hp = Project.load(saved).hyperparameters
    assert (hp.optimizer, hp.beta1, hp.beta2, hp.eps) == ("adam", 0.8, 0.99, 1e-6)
    assert (hp.schedule, hp.schedule_rate) == ("exponential", 0.01)
    assert (hp.schedule_every, hp.schedule_factor) == (20, 0.25)


def test_a_bad_optimiser_setting_is_one_line(capsys):
    code, _, err = run(capsys, "train", "--layers", "1,1,1,1", "--steps", "1", "--eps", "0")
    assert code == 2
    assert err.strip() == "bpstudio: error: Adam's ε must be a positive number, got 0.0"


def test_train_reports_the_cost_with_its_penalty(capsys):
    args = ["train", "--layers", "2,3,1", "--dataset", "xor", "--steps", "20", "-q"]
    code, out, _ = run(capsys, *args, "--l2", "0.1", "--l1", "0.01", "--json")
    assert code == 0
    s = json.loads(out)
    assert s["cost"] == "C = C_data + (λ₂/2) Σ w² + λ₁ Σ |w| with λ₂ = 0.1, λ₁ = 0.01"
    assert s["train_cost"] > s["train_data_cost"] > 0
    code, out, _ = run(capsys, *args, "--l2", "0.1")
    assert code == 0
    line = next(x for x in out.splitlines() if x.startswith("train cost C:"))
    assert "C_data" in line
    assert "C = C_data + (λ₂/2) Σ w² with λ₂ = 0.1" in line
    code, out, _ = run(capsys, *args, "--json")
    s = json.loads(out)
    assert s["cost"] == "C = C_data"
    assert s["train_cost"] == s["train_data_cost"]


def test_train_warns_once_when_the_gradient_vanishes(capsys, note_files):
    params, _ = note_files
    code, out, err = run(
        capsys,
        "train", "--layers", "1,1,1,1", "--params", str(params), "--lr", "1000",
        "--batch-size", "1", "--steps", "200", "-q", "--json",
    )  # fmt: skip
    assert code == 0
    warnings = [x for x in err.splitlines() if x.startswith("bpstudio: warning:")]
    assert len(warnings) == 1
    assert "Learning has stalled" in warnings[0]
    assert "layer 1" in warnings[0]
    summary = json.loads(out)
    assert summary["train_cost"] == pytest.approx(0.0625, abs=1e-12)
    assert summary["vanishing"].startswith("Learning has stalled")
