#!/usr/bin/env bash
# bench/spark: scripted Spark benchmarks (not tests). Print RESULT lines.
# BENCH=spark (default): generates a nic-ring trace once (default 50 M events) into WORKDIR, then
#   times bare read+repartition+sort, simulate unprepared and simulate prepared in one SparkSession.
#   bench/spark/run.sh [WORKDIR] [EVENTS] [MASTER] [key=value...]   (defaults: /tmp/iommusim-bench 50000000 local[2];
#   key=value: model settings for every simulate run, e.g. mrc.enabled=false)
#   PREPARED_ONLY=1: only the prepared replay; PREPARED_RUNS=N: N timed prepared runs (default 2), median of the steady ones
# BENCH=replay: the prepared replay without Spark, one thread, thread CPU per event (steadier on a shared VM).
#   BENCH=replay bench/spark/run.sh [WORKDIR] [EVENTS] [FILES] [key=value...]   (defaults: ... 50000000 2; replays
#   FILES files of WORKDIR/nic-ring-EVENTS.prepared, which BENCH=spark writes, 6 times)
# BENCH=sweep: a 12-configuration sweep against SEPARATE separate simulate runs, prepared and unprepared.
#   BENCH=sweep bench/spark/run.sh [WORKDIR] [EVENTS] [MASTER] [SEPARATE]   (defaults: ... 5000000 local[2] 12)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
case "${BENCH:-spark}" in
  spark) class=io.iommusim.bench.spark.SparkBench; default_events=50000000 ;;
  sweep) class=io.iommusim.bench.spark.SweepBench; default_events=5000000 ;;
  replay) class=io.iommusim.pipeline.job.ReplayBench; default_events=50000000 ;;
  *) echo "BENCH must be spark, sweep or replay" >&2; exit 2 ;;
esac
work="${1:-/tmp/iommusim-bench}"; events="${2:-$default_events}"; master="${3:-local[2]}"
main_args=("$work" "$events" "$master")
if [[ "${BENCH:-spark}" == replay ]]; then
  main_args=("$work/nic-ring-$events.prepared" "${3:-2}" 6)
fi
(cd "$root" && mvn -q -B -Dstyle.color=never -P bench -pl bench/spark -am package -DskipTests)
cp="$root/bench/spark/target/classes:$root/pipeline/target/iommusim-pipeline-0.1.0-SNAPSHOT.jar:$(cat "$root/pipeline/target/launcher-classpath.txt")"
export SPARK_LOCAL_IP=127.0.0.1
exec java -Xmx12g -XX:+IgnoreUnrecognizedVMOptions \
  --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED \
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED \
  --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED \
  --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED \
  --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/jdk.internal.ref=ALL-UNNAMED \
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/sun.nio.cs=ALL-UNNAMED \
  --add-opens=java.base/sun.security.action=ALL-UNNAMED --add-opens=java.base/sun.util.calendar=ALL-UNNAMED \
  -Dio.netty.tryReflectionSetAccessible=true \
  -cp "$cp" "$class" "${main_args[@]}" "${@:4}"
