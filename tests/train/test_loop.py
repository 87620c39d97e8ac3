"""The loop on a tiny real model: exact resumption, best checkpoint on validation, accumulation."""

from __future__ import annotations

import pytest
import torch

from cxrgen.errors import ConfigError, InputError
from cxrgen.pipeline.checkpoint import read_checkpoint
from cxrgen.train.config import load_config
from cxrgen.train.loop import Trainer

from .tiny import PAD, TinyCaptioner, TinyStudies, collate


def make_config(out, **train):
    overrides = [f"train.out={out}", "train.batch_size=4", "train.epochs=2", "train.progress=false",
                 "train.log_every=1", "optim.schedule=step", "optim.step_size=1", "optim.gamma=0.5",
                 "optim.lr_encoder=1e-2", "optim.lr_decoder=3e-2", "model.name=tiny", "model.aux_loss_weight=0.5",
                 "train.monitor=loss", "train.monitor_mode=min", "train.threads=1"]
    overrides += [f"train.{k}={v}" for k, v in train.items()]
    return load_config(None, overrides)


def make_trainer(out, val=True, **train):
    torch.manual_seed(0)
    model = TinyCaptioner()
    val_set = TinyStudies(8, seed=1)

    def val_fn(m):
        batch = collate([val_set[i] for i in range(len(val_set))])
        from cxrgen.train.loop import compute_loss

        return {"loss": float(compute_loss(m, batch, cfg, PAD)["loss"])}

    cfg = make_config(out, **train)
    return Trainer(cfg, model, TinyStudies(22), collate_fn=collate, pad_id=PAD,
                   meta={"vocab": {"tokens": ["<pad>"]}}, val_fn=val_fn if val else None)


def test_resume_mid_epoch_gives_the_same_next_losses(tmp_path):
    # 22 studies / batch 4 = 6 batches per epoch (the last one of 2): 12 steps in 2 epochs
    full = make_trainer(tmp_path / "full")
    full.fit()
    assert len(full.step_losses) == 12

    cut = make_trainer(tmp_path / "cut", max_steps=8)  # killed two batches into epoch 2
    cut.fit()
    assert cut.step_losses == full.step_losses[:8]
    ckpt = read_checkpoint(tmp_path / "cut" / "last.pt")
    assert (ckpt["epoch"], ckpt["step"], ckpt["sampler"]["start"]) == (1, 8, 8)

    resumed = make_trainer(tmp_path / "cut")
    resumed.fit(resume=tmp_path / "cut" / "last.pt")
    # exact equality on CPU: same batches, same dropout masks, same flips, same optimiser state
    assert resumed.step_losses == full.step_losses[8:]
    a = torch.load(tmp_path / "full" / "last.pt", weights_only=True)["model"]
    b = torch.load(tmp_path / "cut" / "last.pt", weights_only=True)["model"]
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_resume_from_end_of_epoch_checkpoint(tmp_path):
    full = make_trainer(tmp_path / "full")
    full.fit()
    first = make_trainer(tmp_path / "a", keep_every=1, max_steps=9)
    first.fit()
    resumed = make_trainer(tmp_path / "b")
    resumed.fit(resume=tmp_path / "a" / "epoch_001.pt")
    assert resumed.step_losses == full.step_losses[6:]


def test_checkpoint_describes_itself_and_best_follows_validation(tmp_path):
    tr = make_trainer(tmp_path, epochs=3)
    state = tr.fit()
    ckpt = read_checkpoint(tmp_path / "best.pt")
    for key in ("model", "config", "vocab", "versions", "git_sha", "seed", "optimizer", "rng", "history"):
        assert key in ckpt
    losses = [h["loss"] for h in state.history]
    assert ckpt["epoch"] == state.best_epoch == 1 + losses.index(min(losses))
    assert ckpt["config"]["train"]["epochs"] == 3
    assert (tmp_path / "config.yaml").read_text().startswith("data:")
    assert (tmp_path / "versions.yaml").exists()
    csv = (tmp_path / "metrics.csv").read_text().splitlines()
    assert csv[0] == "step,epoch,split,name,value" and any(",val,loss," in row for row in csv)
    assert list((tmp_path / "tensorboard").glob("events.out.tfevents.*"))


def test_training_lowers_the_loss(tmp_path):
    tr = make_trainer(tmp_path, epochs=6, val=False)
    tr.fit()
    first, last = sum(tr.step_losses[:3]) / 3, sum(tr.step_losses[-3:]) / 3
    assert last < 0.5 * first


def test_gradient_accumulation_matches_a_bigger_batch(tmp_path):
    # without dropout, 2 accumulated batches of 2 make the same step as one batch of 4
    # (every report has 3 target tokens, so the mean over tokens weighs the halves equally)
    def one_step(out, batch_size, accumulate):
        tr = make_trainer(out, val=False, epochs=1, max_steps=1, batch_size=batch_size)
        tr.config.optim.accumulate = accumulate
        tr.model.drop.p = 0.0
        tr.fit()
        return tr.model.state_dict(), tr.step_losses
    big, big_loss = one_step(tmp_path / "big", 4, 1)
    acc, acc_loss = one_step(tmp_path / "acc", 2, 2)
    assert acc_loss[0] == pytest.approx(big_loss[0], rel=1e-5)
    assert all(torch.allclose(big[k], acc[k], atol=1e-6) for k in big)
    untouched, _ = one_step(tmp_path / "one", 2, 1)  # one batch of 2 is a different step
    assert not all(torch.allclose(big[k], untouched[k], atol=1e-6) for k in big)


def test_monitor_must_be_a_validation_metric(tmp_path):
    tr = make_trainer(tmp_path, monitor="BLEU-4")
    with pytest.raises(ConfigError, match="train.monitor='BLEU-4' is not among the validation metrics: loss"):
        tr.fit()


def test_resume_rejects_a_file_that_is_not_a_checkpoint(tmp_path):
    bad = tmp_path / "x.pt"
    bad.write_text("not a checkpoint")
    tr = make_trainer(tmp_path)
    with pytest.raises(InputError, match="not a readable cxrgen checkpoint"):
        tr.fit(resume=bad)
    torch.save({"weights": torch.zeros(1)}, bad)
    with pytest.raises(InputError, match="not a cxrgen checkpoint"):
        read_checkpoint(bad)
