"""In-harness baselines: resnet1d_wang (PTB-XL benchmark, Wang et al. 2017) and PatchTST (Nie et al. 2023).

CONTRACT (owned by the CLI helper). Same forward signature as Mirage; image/clinical are ignored.
"""

from __future__ import annotations

from dataclasses import dataclass

from torch import nn


@dataclass
class ResNet1dConfig:
    num_classes: int = 5
    task: str = "multilabel"
    n_leads: int = 12
    n_samples: int = 1000
    n_clinical: int = 0


@dataclass
class PatchTSTConfig:
    num_classes: int = 5
    task: str = "multilabel"
    n_leads: int = 12
    n_samples: int = 1000
    n_clinical: int = 0


class ResNet1dWang(nn.Module):
    def __init__(self, config: ResNet1dConfig):
        super().__init__()
        self.config = config
        raise NotImplementedError


class PatchTST(nn.Module):
    def __init__(self, config: PatchTSTConfig):
        super().__init__()
        self.config = config
        raise NotImplementedError
