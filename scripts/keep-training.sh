#!/usr/bin/env bash
# Runs a `gan train` command and, when the process dies before its time is up (a native crash in libtorch: see
# docs/platform.md), resumes it from its last checkpoint with the minutes that are left — until the run ends by itself
# or the time is spent. A run that exits 0 (finished, or stopped by --max-minutes) or 2 (bad arguments) is not resumed.
#
#   scripts/keep-training.sh --minutes 120 -- gan train stylegan2 --data data/emoji --out runs/emoji --size 64 ...
#   scripts/keep-training.sh --minutes 120 -- dotnet path/to/gan.dll train stargan --out runs/style --resume
#
# The command's own --max-minutes, if any, is replaced by the minutes left; a resume keeps the command's --threads.
# Progress goes where the command writes it.
set -uo pipefail
minutes=
while [ $# -gt 0 ]; do
  case "$1" in
    --minutes) minutes=$2; shift 2 ;;
    --) shift; break ;;
    *) echo "keep-training: unknown option '$1' (usage: keep-training.sh --minutes N -- COMMAND...)" >&2; exit 2 ;;
  esac
done
[ -n "$minutes" ] && [ $# -gt 0 ] || { echo "usage: keep-training.sh --minutes N -- gan train FAMILY ... --out DIR ..." >&2; exit 2; }

# The command up to and including `train FAMILY`, and the run folder (--out DIR or --out=DIR).
cmd=("$@")
# --threads is not stored in the checkpoint, so a resume passes it again.
family= out= threads=()
for ((i = 0; i < ${#cmd[@]}; i++)); do
  case "${cmd[$i]}" in
    train) [ -z "$family" ] && { family=${cmd[$((i + 1))]:-}; prefix=("${cmd[@]:0:$((i + 2))}"); } ;;
    --out) out=${cmd[$((i + 1))]:-} ;;
    --out=*) out=${cmd[$i]#--out=} ;;
    --threads) threads=(--threads "${cmd[$((i + 1))]:-}") ;;
    --threads=*) threads=("${cmd[$i]}") ;;
  esac
done
[ -n "$family" ] || { echo "keep-training: the command has no 'train FAMILY'" >&2; exit 2; }
[ -n "$out" ] || { echo "keep-training: the command needs --out DIR (the folder a resume continues)" >&2; exit 2; }

# The arguments without any --max-minutes, then the minutes left.
without_limit() {
  local skip=0
  for a in "$@"; do
    if [ $skip = 1 ]; then skip=0; continue; fi
    case "$a" in --max-minutes) skip=1 ;; --max-minutes=*) ;; *) printf '%s\0' "$a" ;; esac
  done
}

end=$(( $(date +%s) + minutes * 60 ))
mapfile -d '' run < <(without_limit "${cmd[@]}")
attempt=1
while true; do
  left=$(( (end - $(date +%s)) / 60 ))
  [ "$left" -ge 1 ] || { echo "keep-training: time is up" >&2; exit 0; }
  "${run[@]}" --max-minutes "$left"
  status=$?
  case $status in
    0) exit 0 ;;
    2) exit 2 ;;
  esac
  if [ ! -f "$out/checkpoint/state.json" ]; then
    echo "keep-training: the run exited with status $status and left no checkpoint in $out to resume" >&2
    exit "$status"
  fi
  attempt=$((attempt + 1))
  echo "keep-training: the run exited with status $status; resuming from $out/checkpoint (attempt $attempt)" >&2
  run=("${prefix[@]}" --out "$out" --resume "${threads[@]}")
  sleep 2
done
