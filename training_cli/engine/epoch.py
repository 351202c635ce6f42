"""One epoch of ``mirage train``: the optimisation step over the training split.

Mixed precision (``torch.autocast``, a grad scaler for fp16), gradient clipping, the moving average
of the weights (``--ema``: ``torch.optim.swa_utils.AveragedModel``, updated after each step), the
batch augmentation (``--augment``) and the stability loss (``--consistency``: the faulty copy's
prediction against the clean one's, Zheng et al. 2016, "Improving the robustness of deep neural
networks via stability training").
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch.optim.swa_utils import AveragedModel
from tqdm import tqdm

from mirage_model.losses import mirage_loss
from training_cli.engine.augment import augment_batch, consistency_loss
from training_cli.engine.data import batch_to_device, inputs_to_device
from training_cli.engine.errors import TrainingError
from training_cli.engine.recipes import TrainConfig


@dataclass
class TrainStep:
    """What one optimisation step needs: the model (``net``: wrapped for DDP), optimiser, schedule,
    scaler, weight average, device, mixed precision, loss settings and the training recipe's switches."""

    net: torch.nn.Module
    model: torch.nn.Module
    opt: torch.optim.Optimizer
    sched: torch.optim.lr_scheduler.LRScheduler
    scaler: torch.amp.GradScaler | None
    ema: AveragedModel | None
    device: torch.device
    amp: tuple                  # (enabled, dtype, use_grad_scaler), runtime.amp_settings
    loss_cfg: object            # what losses.mirage_loss reads
    weights: torch.Tensor | None
    task_type: str
    consistency: float          # weight of the stability loss (0: off)
    stability_on: str           # CONSISTENCY_FAULTS: which faulty copy the stability loss compares
    augment: bool


def train_epoch(s: TrainStep, loader, epoch: int, cfg: TrainConfig, progress: bool) -> dict:
    """One pass over the training split -> the epoch's log row (mean losses, and ``lr``: the mean learning
    rate its steps used; the optimiser's rate after the epoch, which the row had given, is the next
    step's: 0 after a run's last step, where the schedule ends)."""
    s.net.train()
    loader.base_sampler.set_epoch(epoch)
    sums = {"total": 0.0, "cls": 0.0, "con": 0.0, "stab": 0.0}
    n_seen = 0
    lrs: list[float] = []                   # the rate each step used
    bar = tqdm(loader, desc=f"epoch {epoch + 1}/{cfg.epochs}", disable=not progress, leave=False,
               mininterval=5.0)
    for batch in bar:
        signal, image, clinical, mask, target = batch_to_device(batch, s.device)
        clean_logits = None
        if s.consistency:
            clean_signal, clean_image = inputs_to_device(batch["clean_signal"], batch.get("clean_image"), s.device)
            s.net.eval()                         # the clean prediction as the model would make it
            with torch.no_grad(), torch.autocast(s.device.type, dtype=s.amp[1], enabled=s.amp[0]):
                clean_logits = s.net(clean_signal, clean_image, clinical, mask).logits.float()
            s.net.train()
        if s.augment:
            signal, image = augment_batch(signal, image)
        with torch.autocast(s.device.type, dtype=s.amp[1], enabled=s.amp[0]):
            output = s.net(signal, image, clinical, mask)
        output.logits = output.logits.float()
        if output.z_signal is not None:
            output.z_signal, output.z_image = output.z_signal.float(), output.z_image.float()
        loss, parts = mirage_loss(output, target, s.loss_cfg, s.weights)
        if clean_logits is not None:
            if s.stability_on == "noise":          # its own copy, muscle noise only, unshifted like the clean one
                stab_signal, stab_image = inputs_to_device(batch["stab_signal"], batch.get("stab_image"), s.device)
                with torch.autocast(s.device.type, dtype=s.amp[1], enabled=s.amp[0]):
                    stab_logits = s.net(stab_signal, stab_image, clinical, mask).logits.float()
                stab = consistency_loss(stab_logits, clean_logits, s.task_type)
            else:
                keep = batch["preserving"].to(s.device) if s.stability_on == "preserving" else None
                stab = consistency_loss(output.logits, clean_logits, s.task_type, keep)
            loss = loss + s.consistency * stab
            parts = {**parts, "total": float(loss.detach()), "stab": float(stab.detach())}
        if not torch.isfinite(loss):
            raise TrainingError(f"error: the loss became {loss.item()} at epoch {epoch + 1}; lower --lr "
                                f"(now {cfg.lr:g}) or check the data")
        s.opt.zero_grad(set_to_none=True)
        if s.scaler is not None:
            s.scaler.scale(loss).backward()
            s.scaler.unscale_(s.opt)
        else:
            loss.backward()
        if cfg.grad_clip:
            torch.nn.utils.clip_grad_norm_(s.model.parameters(), cfg.grad_clip)
        lrs.append(s.opt.param_groups[0]["lr"])
        if s.scaler is not None:
            s.scaler.step(s.opt)
            s.scaler.update()
        else:
            s.opt.step()
        s.sched.step()
        if s.ema is not None:
            s.ema.update_parameters(s.model)
        b = len(target)
        n_seen += b
        for k in sums:
            sums[k] += float(parts.get(k, 0.0)) * b
        # drawn with the count at tqdm's own redraws: a redraw here showed the count of the last one ("0/8, loss=...")
        bar.set_postfix(loss=f"{sums['total'] / n_seen:.4f}", refresh=False)
    bar.close()
    return {"epoch": epoch + 1, "train_loss": sums["total"] / max(n_seen, 1),
            "train_cls": sums["cls"] / max(n_seen, 1), "train_con": sums["con"] / max(n_seen, 1),
            **({"train_stab": sums["stab"] / max(n_seen, 1)} if s.consistency else {}),
            "lr": sum(lrs) / len(lrs) if lrs else s.opt.param_groups[0]["lr"]}
