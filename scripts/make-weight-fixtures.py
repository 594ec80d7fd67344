"""Writes the weight-file fixtures in test/fixtures/weights/ with the reference Python packages.

    python3 -m venv .venv-fixtures && .venv-fixtures/bin/pip install safetensors numpy h5py
    .venv-fixtures/bin/python scripts/make-weight-fixtures.py

The outputs are committed: CI reads them and needs no Python. Values are a
deterministic function of each tensor's index, so tests can recompute them.
"""
from pathlib import Path

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


if __name__ == "__main__":
    main()
