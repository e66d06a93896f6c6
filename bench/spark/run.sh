#!/usr/bin/env bash
# bench/spark: a scripted Spark benchmark (not a test). Generates a nic-ring trace once (default 50 M
# events) into WORKDIR, then times bare read+repartition+sort, simulate unprepared and simulate
# prepared in one SparkSession. Prints RESULT lines.
#   bench/spark/run.sh [WORKDIR] [EVENTS] [MASTER]      (defaults: /tmp/iommusim-bench 50000000 local[2])
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
work="${1:-/tmp/iommusim-bench}"; events="${2:-50000000}"; master="${3:-local[2]}"
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
  -cp "$cp" io.iommusim.bench.spark.SparkBench "$work" "$events" "$master"
