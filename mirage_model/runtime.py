"""Where torch runs: the compute device and the intra-op thread count, chosen in one place for
inference, training, the app and the command line."""

from __future__ import annotations

import os

import torch

DEVICE_TYPES = ("cpu", "cuda", "mps")


class DeviceError(ValueError):
    """A device that cannot be used here. ``str(err)`` names the device and why.

    Attributes:
        device: the requested name, as given.
    """

    def __init__(self, device, reason: str):
        self.device = device
        super().__init__(f"device {str(device)!r}: {reason}")


def resolve_device(name: str | torch.device | None = "auto") -> torch.device:
    """The torch device for a user's choice.

    Args:
        name: "auto" (also None or ""): CUDA when a GPU is present, else the CPU; "cpu";
            "cuda" or "cuda:N"; "mps" (Apple GPUs); or a ``torch.device``.

    Returns:
        The device (``torch.device("cuda")`` without an index for "auto" on a GPU machine).

    Raises:
        DeviceError: an unknown device name, or a GPU that this machine does not have.
    """
    if name is None or (isinstance(name, str) and name.strip().lower() in ("", "auto")):
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        dev = name if isinstance(name, torch.device) else torch.device(str(name).strip())
    except (RuntimeError, ValueError, TypeError):
        raise DeviceError(name, "unknown device; use 'auto', 'cpu' or 'cuda'") from None
    if dev.type not in DEVICE_TYPES:
        raise DeviceError(name, "unknown device; use 'auto', 'cpu' or 'cuda'")
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            raise DeviceError(name, "no CUDA GPU is available on this machine; use 'cpu' or 'auto'")
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            raise DeviceError(name, f"this machine has {torch.cuda.device_count()} CUDA GPU(s)")
    if dev.type == "mps" and not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
        raise DeviceError(name, "no Apple GPU (MPS) is available on this machine")
    return dev


def usable_cores() -> int:
    """CPU cores this process may run on (its affinity mask where the OS exposes one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def default_threads(cores: int | None = None) -> int:
    """The intra-op thread count inference uses by default: 1 on machines with 2 cores or fewer,
    else half the cores, at most 4.

    Why: one record is a batch of one through a small model, where extra threads gain little, while
    an OpenMP thread that has to wait for a core (the GUI, preprocessing or other programs hold
    it) spins and stalls the others. On the 2-core development machine under load, 2 threads made
    one "small" preset prediction about 10x slower than 1 thread (median 287 ms vs 28 ms).
    """
    cores = usable_cores() if cores is None else cores
    return 1 if cores <= 2 else min(4, cores // 2)


_THREADS_SET = False


def set_threads(n: int | None = None) -> int:
    """Set torch's intra-op threads and numpy's BLAS threads to the same count (process-wide).

    Args:
        n: the count to use (at least 1). None: keep a count that an earlier call set in this
            process, else ``MIRAGE_THREADS`` when set, else ``default_threads()``.

    Returns:
        The thread count in effect.
    """
    global _THREADS_SET

    if n is None and _THREADS_SET:
        return torch.get_num_threads()
    _THREADS_SET = True
    if n is None:
        env = os.environ.get("MIRAGE_THREADS", "")
        n = int(env) if env.isdigit() and int(env) > 0 else default_threads()
    n = max(1, int(n))
    if n != torch.get_num_threads():
        torch.set_num_threads(n)
    _limit_blas(n)
    return torch.get_num_threads()


def _limit_blas(n: int) -> None:
    """numpy's and scipy's BLAS (OpenBLAS, MKL) held to ``n`` threads, as torch is (``threadpoolctl``, which
    scikit-learn brings): the same reason as ``default_threads``'s, where a BLAS thread that waits for a core spins.
    The mains fit of a 60 s 2 kHz record (``preprocess.remove_mains``) took 3.6-9.7 s with OpenBLAS's 2 threads on the
    2-core machine under load and 0.7-0.9 s with one. Nothing is done where threadpoolctl cannot be imported."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:         # pragma: no cover - a declared dependency (and scikit-learn's)
        return
    threadpool_limits(limits=n, user_api="blas")
