#!/usr/bin/env bash
# Issue 14's GPU checks in one script, each part with a hard time limit; everything goes to $OUT.
#
#   G=/path/to/folder PARTS=harness,ddp bash bench/gpu_session.sh        # on the GPU machine
#   SMOKE=1 OUT=/tmp/gs PYTHON=.venv/bin/python bash bench/gpu_session.sh # CPU dry run, tiny sizes
#
# $G holds src/ and configs/ (this repository's), peers/r2gen_bench (../shared/peers/r2gen_bench,
# the harness that runs R2Gen's released code and cxrgen side by side), bench/ and site/ (pure-Python
# packages the GPU machine lacks: pydicom, snowballstemmer). Parts (PARTS, comma-separated):
#   harness  the shared harness at IU X-Ray settings (batch 16, beam batches 16 and 64) and at batch 128
#            with beam batch 512, R2Gen and cxrgen in the same run, peak GPU memory (results: h16.json, h128.json)
#   ddp      `torchrun --nproc-per-node 1` (NCCL) training of the demo preset on phantoms, then a resume
#   vs       bench/vs_r2gen.py on the GPU with train.compile / decode.compile (vs.json)
#   learn    the r2gen_iu_xray-sized model on 256 px two-view phantoms (findings), label warm start, bf16,
#            a shortened run: validation CE-F1-micro per epoch (learn.json)
set -u
G="${G:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
OUT="${OUT:-$G/out}"
PY="${PYTHON:-python3}"
SMOKE="${SMOKE:-0}"
PARTS="${PARTS:-harness,ddp}"
W="$(mktemp -d)"
mkdir -p "$OUT"
export PYTHONPATH="$G/site:$G/src" PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 CXRGEN_SRC="$G/src"
exec > >(tee -a "$OUT/session.log") 2>&1
part() { echo; echo "== $1 ($(date -u +%T))"; }
has() { [[ ",$PARTS," == *",$1,"* ]]; }
DEV=cuda
[ "$SMOKE" = 1 ] && DEV=cpu

part "environment"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
"$PY" -c "import torch, platform; print('python', platform.python_version(), '| torch', torch.__version__, '| cuda', torch.cuda.is_available())"
git -C "$G" log --oneline -1 2>/dev/null || true
cat "$G/COMMIT" 2>/dev/null || true

harness() {  # name, time limit (s), bench.py arguments...
  local name=$1 limit=$2
  shift 2
  part "harness $name: bench.py $*"
  (cd "$W" && OUT="$W/$name" BENCH_TIMEOUT="$limit" timeout -k 5 $((limit + 10)) bash "$G/peers/r2gen_bench/run.sh" "$@")
  cp "$W/$name/results.json" "$OUT/$name.json" 2>/dev/null || echo "!! $name: no results.json"
}

if has harness; then
  if [ "$SMOKE" = 1 ]; then
    harness h16 300 --smoke --device cpu --jobs r2gen_train_fp32,cxrgen_train_fp32,cxrgen_beam_fp32
  else
    harness h16 175 --batch 16 --beam-batches 16,64 --beam-studies 64 --warmup 5 --steps 20 --deadline 165 \
      --jobs r2gen_train_fp32,cxrgen_train_fp32,cxrgen_train_bf16,r2gen_beam_fp32,cxrgen_beam_fp32,cxrgen_beam_bf16
    harness h128 150 --batch 128 --beam-batches 512 --beam-studies 512 --warmup 3 --steps 8 --cudnn-benchmark \
      --deadline 140 --jobs r2gen_train_fp32,cxrgen_train_bf16,r2gen_beam_fp32,cxrgen_beam_fp32
  fi
fi
if has h128b; then  # the batch-128 jobs that did not fit the first call's deadline
  harness h128b 75 --batch 128 --beam-batches 512 --beam-studies 512 --warmup 3 --steps 8 --cudnn-benchmark \
    --deadline 70 --jobs cxrgen_beam_fp32,cxrgen_train_fp32
fi

if has ddp; then
  part "torchrun --nproc-per-node 1 ($DEV): demo preset on phantoms, 1 epoch, then resume to 2"
  DDP_DEV=cuda
  [ "$SMOKE" = 1 ] && DDP_DEV=cpu
  timeout 60 "$PY" -m cxrgen data synth --out "$W/ph96" --studies 240 --size 96 --langs en --workers 8 --quiet
  common=(--config demo --root "$W/ph96" --out "$W/ddp" "train.device=$DDP_DEV" pretrain.steps=40 train.threads=0
          train.eval_batch_size=64 data.num_workers=2)
  timeout 120 "$PY" -m torch.distributed.run --nproc-per-node 1 --master-addr 127.0.0.1 --master-port 29533 \
    -m cxrgen train "${common[@]}" train.epochs=1 && echo "ddp: first run ok"
  timeout 120 "$PY" -m torch.distributed.run --nproc-per-node 1 --master-addr 127.0.0.1 --master-port 29534 \
    -m cxrgen train "${common[@]}" train.epochs=2 --resume "$W/ddp/last.pt" && echo "ddp: resume ok"
  ls "$W/ddp"
  cp "$W/ddp/metrics.csv" "$OUT/ddp_metrics.csv" 2>/dev/null || true
fi

if has vs; then
  part "bench/vs_r2gen.py on $DEV (compile included)"
  if [ "$SMOKE" = 1 ]; then
    timeout 300 "$PY" "$G/bench/vs_r2gen.py" --smoke --device cpu --reference "$G/peers/r2gen_bench/r2gen" \
      --precisions fp32 --out "$OUT/vs.json"
  else
    timeout "${VS_LIMIT:-200}" "$PY" "$G/bench/vs_r2gen.py" --device cuda --batch 16 --beam-batch 16 --warmup 3 \
      --steps 10 --beam-repeats 3 --reference "$G/peers/r2gen_bench/r2gen" --precisions fp32 --compile \
      --skip "${VS_SKIP:-}" --out "$OUT/vs.json"
  fi
fi

if has learn; then
  part "r2gen_iu_xray-sized model learning on 256 px two-view phantoms ($DEV)"
  if [ "$SMOKE" = 1 ]; then
    n=80; size=64; extra=(model.options.encoder.width=8 data.resize=64 data.crop=56 train.epochs=1 pretrain.steps=4
                         model.options.d_model=64 model.options.d_ff=64 model.options.rm_d_model=64)
  else
    n=1200; size=256; extra=(train.epochs="${LEARN_EPOCHS:-4}" pretrain.steps="${LEARN_WARM:-300}")
  fi
  timeout 120 "$PY" -m cxrgen data synth --out "$W/ph$size" --studies $n --size $size --langs en --workers 14 --quiet
  timeout "${LEARN_LIMIT:-330}" "$PY" -m cxrgen train --config r2gen_iu_xray --root "$W/ph$size" --out "$W/learn" \
    data.dataset=phantom "data.options={lang: en}" data.section=findings "train.device=$DEV" optim.precision=bf16 \
    train.monitor=CE-F1-micro train.monitor_mode=max pretrain.batch_size=32 pretrain.lr=3e-3 pretrain.threads=0 \
    data.num_workers=12 data.cache_images=true train.eval_batch_size=128 train.log_every=20 train.threads=0 "${extra[@]}"
  cp "$W/learn/metrics.csv" "$OUT/learn_metrics.csv" 2>/dev/null || ls "$W/learn"
fi
part "done"
rm -rf "$W"
