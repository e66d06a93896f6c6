#!/usr/bin/env bash
# Writes the results the notebooks are executed on: one run directory per line of the run list below,
# from the bundled sample traces and from small generated traces.
#   notebooks/sample-results.sh OUT_DIR
# Each run is `bin/iommusim VERB ... --out OUT_DIR/NAME`, so adding a run is adding one `run` line.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
[ $# -eq 1 ] || { echo "usage: $0 OUT_DIR" >&2; exit 2; }
out="$1"
samples="$here/sample-traces"
traces="$out/_traces"            # generated traces (no result tables, so the notebooks see no run here)
mkdir -p "$out" "$traces"
# Each job here is short: a JVM that only compiles with C1 spends ~40% less CPU on Spark's start-up
# (measured 18 -> 10 CPU-s for quickstart.csv); it changes no result.
export JDK_JAVA_OPTIONS="${JDK_JAVA_OPTIONS:-} -XX:TieredStopAtLevel=1"

# run NAME VERB ARGS...: one iommusim job writing the run directory OUT_DIR/NAME
run() {
  local name="$1" verb="$2"
  shift 2
  echo "== $name: iommusim $verb $*" >&2
  "$here/bin/iommusim" "$verb" "$@" --out "$out/$name" --overwrite \
    --conf spark.ui.showConsoleProgress=false --conf spark.sql.shuffle.partitions=4
}
generate() {   # generate FILE WORKLOAD EVENTS [-o key=value ...]: a CSV trace (no Spark)
  local file="$1" workload="$2" events="$3"
  shift 3
  "$here/bin/iommusim" generate --workload "$workload" --events "$events" --out "$traces/$file" --overwrite "$@" >&2
}

# Generated traces: a NIC with two devices (one domain each) whose driver invalidates strictly, lazily
# (Linux's flush queue, IOVAs held until the flush) or not at all; and traffic with misbehaving requesters.
generate nic-ring-strict.csv nic-ring 100000 -o devices=2 -o inv=strict
generate nic-ring-lazy.csv nic-ring 100000 -o devices=2 -o inv=lazy
generate nic-ring-none.csv nic-ring 100000 -o devices=2 -o inv=none
generate bad-actor.csv bad-actor 100000 -o msi_compat=0.02

# The runs. One Spark job each (several seconds of start-up), so few and rich: the bundled samples with
# every fault reason, and generated traces for latency, invalidation and security at volume.
run quickstart simulate --input "$samples/quickstart.csv"
run msi-spoofing simulate --input "$samples/msi-spoofing.csv"
run nic-ring-strict simulate --input "$traces/nic-ring-strict.csv"
run nic-ring-lazy simulate --input "$traces/nic-ring-lazy.csv"
# the same IOVA stream with the driver's invalidations left to the model's flush queue: the driver
# reuses IOVAs before the flush, so the device reaches the old buffers through stale IOTLB entries
run nic-ring-lazy-reuse simulate --input "$traces/nic-ring-none.csv" --set invalidation.mode=lazy
# compatibility-format MSIs let through unremapped (ir.block_compat=false) show as unprotected
run bad-actor simulate --input "$traces/bad-actor.csv" --set ir.block_compat=false
# a configuration sweep of the IOTLB's size and policy (sweep_stats, for cache-sizing)
run sweep sweep --input "$traces/nic-ring-lazy.csv" --grid iotlb.entries=16,32,64,128,256 --grid iotlb.policy=lru,fifo,random
