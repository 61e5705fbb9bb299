"""The same bytes on every machine: `dvc repro -f` under each SIMD kernel this CPU can emulate.

PyTorch and NumPy choose vectorised kernels per CPU at run time, and those kernels round
differently in the last bits. A user's laptop without AVX-512, or an older CPU without AVX2,
runs other kernels than this machine: ATEN_CPU_CAPABILITY and NPY_DISABLE_CPU_FEATURES make
this CPU run theirs. Every output must still match the committed dvc.lock, metrics and plots.
"""

import json
import sys

import pytest

from tests.conftest import Repo


def machines():
    """(torch kernel, NumPy features to disable) of each older CPU generation this one can stand in for.

    x86-64: the baseline without AVX2 (torch's DEFAULT kernels, NumPy's baseline), and an AVX2
    laptop on an AVX-512 CPU; elsewhere the baseline. The CPU as found is not among them:
    test_pipeline's fresh clone of the committed project, reproduced with the kernels as found,
    already checks that its outputs match the committed ones.
    """
    import torch  # in this process: the kernels a stage run from here picks (the tests import torch anyway)
    from numpy._core._multiarray_umath import __cpu_dispatch__, __cpu_features__

    torch_best = torch.backends.cpu.get_cpu_capability()
    numpy_found = [f for f in __cpu_dispatch__ if __cpu_features__[f]]
    baseline = pytest.param("default", numpy_found, id="baseline")
    if torch_best == "AVX512":
        return [baseline, pytest.param("avx2", [f for f in numpy_found if f != "X86_V3"], id="avx2")]
    return [baseline]


@pytest.mark.parametrize("torch_kernel, numpy_disabled", machines())
def test_every_kernel_reproduces_the_committed_outputs(tmp_path, torch_kernel, numpy_disabled):
    repo = Repo(tmp_path / "project")
    repo.env.update(ATEN_CPU_CAPABILITY=torch_kernel, NPY_DISABLE_CPU_FEATURES=" ".join(numpy_disabled))
    check = (
        "import torch, json; from numpy._core._multiarray_umath import __cpu_features__ as f; "
        "print(torch.backends.cpu.get_cpu_capability(), json.dumps(f))"
    )
    used = repo.run(sys.executable, "-c", check).stdout
    assert used.split()[0] == torch_kernel.upper()
    assert not any(json.loads(used.split(maxsplit=1)[1])[f] for f in numpy_disabled)

    repo.dvc("repro", "--force")
    # dvc.lock holds the md5 of every output, cached or not: a changed byte anywhere shows here.
    assert repo.run("git", "status", "--porcelain").stdout == ""
