"""Multi-process training under torchrun: the process's rank and world (``Dist``), the process group.

Launch with ``torchrun --nproc_per_node N -m training_cli.main train ...`` (DistributedDataParallel,
DistributedSampler; gloo on CPU, nccl on GPU).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed


@dataclass
class Dist:
    rank: int = 0
    world: int = 1
    local_rank: int = 0

    @property
    def main(self) -> bool:
        return self.rank == 0

    @property
    def enabled(self) -> bool:
        return self.world > 1

    def barrier(self) -> None:
        if self.enabled:
            torch.distributed.barrier()


def init_distributed(device_name: str) -> Dist:
    """torchrun sets RANK/WORLD_SIZE/LOCAL_RANK: join the process group (gloo on CPU, nccl on GPU)."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return Dist()

    rank, local = int(os.environ["RANK"]), int(os.environ.get("LOCAL_RANK", "0"))
    use_cuda = torch.cuda.is_available() and device_name not in ("cpu",)
    if use_cuda:
        torch.cuda.set_device(local)
    if not torch.distributed.is_initialized():
        torch.distributed.init_process_group(backend="nccl" if use_cuda else "gloo")
    return Dist(rank, world, local)
