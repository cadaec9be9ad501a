#!/usr/bin/env bash
# Fetches ElasticMQ (the SQS peer benchmarked beside kinesin) from Maven Central with Maven into
# target/elasticmq/lib (once) and prints the kbench --cmd that starts it on {port}, bound to
# loopback only, stats endpoint off.   scripts/lib/elasticmq.sh [VERSION]   (default 1.6.11)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
version=${1:-1.6.11}
dir=$root/target/elasticmq-$version
if [ ! -f "$dir/lib/elasticmq-server_2.13-$version.jar" ]; then
  mkdir -p "$dir"
  cat > "$dir/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
  <groupId>kinesin.bench</groupId><artifactId>elasticmq-peer</artifactId><version>1</version>
  <dependencies><dependency><groupId>org.elasticmq</groupId>
    <artifactId>elasticmq-server_2.13</artifactId><version>$version</version></dependency></dependencies>
</project>
POM
  mvn -q -f "$dir/pom.xml" dependency:copy-dependencies -DoutputDirectory="$dir/lib" >&2
fi
# An explicit class path: the harness may hand the command to a shell, which would expand `lib/*`.
cp=$(printf '%s:' "$dir"/lib/*.jar)
echo "java -Drest-sqs.bind-hostname=127.0.0.1 -Drest-sqs.bind-port={port} -Dnode-address.host=127.0.0.1" \
  "-Dnode-address.port={port} -Drest-stats.enabled=false -cp ${cp%:} org.elasticmq.server.Main"
