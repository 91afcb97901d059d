#!/usr/bin/env bash
# Paired runs: each benchmark on an older revision, then on this checkout, alternating, so that
# both see the same machine. Usage: bench/paired.sh OLD_REV [ROUNDS]   (PostgreSQL on localhost)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
old_rev="${1:?usage: bench/paired.sh OLD_REV [ROUNDS]}"
rounds="${2:-2}"
py="$here/.venv/bin/python"
old="$(mktemp -d /tmp/bo_paired_XXXX)"
git -C "$here" worktree add -q --detach "$old" "$old_rev"
trap 'git -C "$here" worktree remove --force "$old"' EXIT
for round in $(seq 1 "$rounds"); do
  for tree in "$old" "$here"; do
    cd "$tree"
    echo "=== round $round $(git rev-parse --short HEAD) $(date -u +%H:%M:%S) load $(cut -d' ' -f1 /proc/loadavg)"
    "$py" bench/ledger_concurrent.py --writers 8 --entries 500 | grep entries/s
    "$py" bench/work_claim.py | grep -E "claims/s|p99"
    "$py" bench/commerce_invoices.py --db postgres --invoices 1000 | grep -E "invoices/s|queries"
    "$py" bench/work_intake.py --db postgresql --rows 1000000 | grep items/s
    "$py" bench/ledger_bulk.py --db postgres --lines 1000000 --batch 25000 --workers 2 | grep lines/s
  done
done
