"""Writes the weight-file fixtures in test/fixtures/weights/ with the reference Python packages.

    python3 -m venv .venv-fixtures && .venv-fixtures/bin/pip install safetensors numpy h5py
    .venv-fixtures/bin/python scripts/make-weight-fixtures.py

The outputs are committed: CI reads them and needs no Python. Values are a
deterministic function of each tensor's index, so tests can recompute them.
"""
import json
import zipfile
from pathlib import Path

import h5py
import numpy as np
from safetensors.numpy import save_file

OUT = Path(__file__).resolve().parent.parent / "test" / "fixtures" / "weights"


def values(shape, seed, dtype):
    count = int(np.prod(shape))
    return ((np.arange(count, dtype=np.float64) * 0.25 - seed) / 8).reshape(shape).astype(dtype)


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    # A small PyTorch-style state_dict: Linear [out, in], Conv1d [out, in, k], batch-norm buffers, an int64 counter.
    tensors = {
        "ecg_dense.weight": values((4, 3), 1, np.float32),
        "ecg_dense.bias": values((4,), 2, np.float32),
        "tcn.network.0.conv1.weight": values((5, 4, 3), 3, np.float32),
        "tcn.network.0.bn.running_mean": values((5,), 4, np.float32),
        "tcn.network.0.bn.running_var": values((5,), 5, np.float32) ** 2 + 1,
        "tcn.network.0.bn.num_batches_tracked": np.array(7, dtype=np.int64),
        "half.weight": values((2, 3), 6, np.float16),
        "double.weight": values((3,), 7, np.float64),
    }
    save_file(tensors, str(OUT / "state-dict.safetensors"), metadata={"format": "pt", "written_by": "scripts/make-weight-fixtures.py"})
    print(f"wrote {OUT / 'state-dict.safetensors'}")
    keras_fixtures()


# The tabular sample's weights (configs/tabular-mlp), in Keras layout ([in, out] kernels), each seeded by its index.
TABULAR = [
    ("hidden/dense", [("kernel", (6, 32)), ("bias", (32,))]),
    ("trunk/dense_0", [("kernel", (32, 32)), ("bias", (32,))]),
    ("trunk/dense_1", [("kernel", (32, 16)), ("bias", (16,))]),
    ("trunk/downsample", [("kernel", (32, 16))]),
    ("state/dense", [("kernel", (16, 3)), ("bias", (3,))]),
]


def tabular_weights():
    """(Epochal layer, variable, array) for every weight, values seeded 10, 11, ... in order."""
    seed = 10
    for layer, variables in TABULAR:
        for variable, shape in variables:
            yield layer, variable, values(shape, seed, np.float32)
            seed += 1


def keras_fixtures():
    # Keras 3 (.weights.h5): layers/<layer>/vars/<index>, each layer named as Keras 3 saves it (by class, counted:
    # dense, dense_1, …; not by layer.name); the optimizer's state beside them.
    keras3 = OUT / "keras3-tabular.weights.h5"
    mapping = []
    with h5py.File(keras3, "w") as f:
        f.create_group("vars")
        saved = {}
        for layer, variable, array in tabular_weights():
            if layer not in saved:
                saved[layer] = ["dense" if not saved else f"dense_{len(saved)}", 0]
            name, index = saved[layer]
            saved[layer][1] += 1
            f.create_dataset(f"layers/{name}/vars/{index}", data=array)
            mapping.append({"from": f"layers.{name}.vars.{index}", "to": f"{layer}/{variable}"})
        f.create_dataset("optimizer/vars/0", data=np.array(3, dtype=np.int64))
    (OUT / "keras3-tabular.mapping.json").write_text(json.dumps({"description": "Keras 3 layer variables of keras3-tabular.weights.h5 to the tabular sample's weights", "rules": mapping}, indent=2) + "\n")
    # A .keras archive: the same weights beside the model's config and metadata.
    with zipfile.ZipFile(OUT / "tabular.keras", "w") as archive:
        archive.writestr("metadata.json", json.dumps({"keras_version": "3.6.0"}))
        archive.writestr("config.json", json.dumps({"class_name": "Functional", "config": {"name": "machine-state-mlp"}}))
        archive.write(keras3, "model.weights.h5")
    # Keras 2 (.h5 from save_weights): layer_names, and per layer weight_names with ":0"; layers named as Epochal names them.
    with h5py.File(OUT / "keras2-tabular.h5", "w") as f:
        layers = {}
        for layer, variable, array in tabular_weights():
            layers.setdefault(layer, []).append((f"{layer}/{variable}:0", array))
        f.attrs["layer_names"] = [name.encode() for name in layers]
        f.attrs["backend"] = b"tensorflow"
        f.attrs["keras_version"] = b"2.15.0"
        for layer, weights in layers.items():
            group = f.require_group(layer)
            group.attrs["weight_names"] = [name.encode() for name, _ in weights]
            for name, array in weights:
                group.create_dataset(name, data=array)
    for name in ["keras3-tabular.weights.h5", "keras3-tabular.mapping.json", "tabular.keras", "keras2-tabular.h5"]:
        print(f"wrote {OUT / name}")


if __name__ == "__main__":
    main()
