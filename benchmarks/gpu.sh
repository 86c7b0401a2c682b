#!/usr/bin/env bash
# The GPU checks in one short run (a few minutes on a CUDA machine): the gpu-marked tests, the
# CUDA kernels under the real device, and the GPU benchmark rows. Run from the repository root
# after `pip install -e '.[test,gpu]'`.
set -euo pipefail
python -c "from assoc.backend import available_backends; ok, why = available_backends()['cupy']; print(why); raise SystemExit(0 if ok else 1)"
python -m pytest -q -m gpu -rs tests/
python -m pytest -q tests/test_gpu_kernels.py tests/test_backend.py
python benchmarks/bench_gpu.py "$@"
