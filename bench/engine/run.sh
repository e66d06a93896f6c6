#!/usr/bin/env bash
# Builds bench/engine (offline) and runs the replay-loop benchmarks; see bench/README.md.
#
#   bench/engine/run.sh                              # every benchmark, short settings, with -prof gc
#   bench/engine/run.sh hitDominated                 # extra arguments go to JMH (regex, -p, -prof ...)
#   bench/engine/run.sh missDominated -p mappedPages=16384
#   bench/engine/run.sh hitDominated -p mrc=false,true   # with and without the miss-ratio curves
#   JMH_OPTS="-f 3 -wi 5 -w 5s -i 10 -r 5s" bench/engine/run.sh   # longer, steadier runs
#   SKIP_BUILD=1 bench/engine/run.sh                 # reuse target/benchmarks.jar
#
# Prints JMH's own output, then one line per benchmark and metric:
#   RESULT engine.hit_dominated 43.5 Mtranslations/s
#   RESULT engine.hit_dominated.gc.alloc.rate.norm 0.0001 B/translation
# Every benchmark also prints .cpu_share (the share of a core the benchmark thread got, from its CPU
# time) and .per_cpu_second (the score divided by it: the speed on an unshared core).
# One JMH op is one translation (hit/miss benchmarks), one interrupt request (msiHeavy) or one
# event (invalidationHeavy: maps, DMAs and unmaps); in MrcBenchmark one IOTLB key lookup (mrcAllSets,
# mrcFullyAssociative) or one access or invalidation (mrcAllSetsWithInvalidations). The RESULT unit says which.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
jar="$here/target/benchmarks.jar"
json="$here/target/jmh-result.json"

if [[ -z "${SKIP_BUILD:-}" ]]; then
  (cd "$root" && mvn -q -B -o -P bench -pl bench/engine -am package -DskipTests)
fi

# One fork, 3 x 2 s warm-up, 5 x 2 s measurement: about 15 s per benchmark plus setup.
read -r -a opts <<< "${JMH_OPTS:--f 1 -wi 3 -w 2s -i 5 -r 2s}"
# With -p the parameter values become part of the RESULT names.
with_params=0
for a in "$@"; do [[ "$a" == "-p" ]] && with_params=1; done

java -jar "$jar" "${opts[@]}" -prof gc -rf json -rff "$json" "$@"

python3 - "$json" "$with_params" <<'EOF'
import json, re, sys

results = json.load(open(sys.argv[1]))
with_params = sys.argv[2] == "1"
for r in results:
    method = r["benchmark"].rsplit(".", 1)[1]
    name = "engine." + re.sub(r"(?<!^)(?=[A-Z])", "_", method).lower()
    # mrc=false is the default of every replay benchmark: named as before the curves existed
    params = {k: v for k, v in (r.get("params") or {}).items() if not (k == "mrc" and v == "false")}
    if params:
        name += "[" + ",".join(f"{k}={v}" for k, v in sorted(params.items())) + "]"
    m = r["primaryMetric"]
    # ops/us with one op per translation, interrupt request or event (@OperationsPerInvocation)
    # = millions of them per second
    assert m["scoreUnit"] == "ops/us", m["scoreUnit"]
    op = {"msiHeavy": "interrupt", "invalidationHeavy": "event", "mrcAllSets": "lookup",
          "mrcFullyAssociative": "lookup", "mrcAllSetsWithInvalidations": "operation"}.get(method, "translation")
    print(f"RESULT {name} {m['score']:.1f} M{op}s/s")
    # CPU ns of the benchmark thread per wall us; /1000 = the share of a core it got
    cpu = r.get("secondaryMetrics", {}).get("cpuNanos")
    if cpu is not None and cpu["score"] > 0:
        share = cpu["score"] / 1000.0
        print(f"RESULT {name}.cpu_share {share:.2f}")
        print(f"RESULT {name}.per_cpu_second {m['score'] / share:.1f} M{op}s/s")
    alloc = r.get("secondaryMetrics", {}).get("gc.alloc.rate.norm")
    if alloc is not None:
        print(f"RESULT {name}.gc.alloc.rate.norm {alloc['score']:.4f} B/{op}")
EOF
