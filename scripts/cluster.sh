#!/usr/bin/env bash
# A real Flink standalone session cluster (JobManager and TaskManager as separate JVMs) and a real Kafka broker
# (KRaft, combined broker+controller) on this machine, from Maven Central jars alone; jobs submitted with
# Flink's command line client and savepoints through Flink's REST API, the way operators do it. See docs/operating.md.
#
#   scripts/cluster.sh up                      kafka-start + start + topics
#   scripts/cluster.sh down                    stop + kafka-stop
#   scripts/cluster.sh deps                    resolve the jars into .cluster/deps (done by start/kafka-start)
#   scripts/cluster.sh kafka-start|kafka-stop  the broker
#   scripts/cluster.sh topics [partitions]     create Floodgate's topics (LogAppendTime, retention)
#   scripts/cluster.sh start|stop|status       the Flink cluster
#   scripts/cluster.sh submit [job options]    the live job (the job jar through Flink's CLI: flink run -t remote);
#                                              FLOODGATE_RESTORE_FROM=<savepoint> restores it from a savepoint, every
#                                              operator's state claimed (FLOODGATE_ALLOW_NON_RESTORED_STATE=true: an
#                                              upgrade that drops an operator on purpose)
#   scripts/cluster.sh taskmanager-start <name>   one more TaskManager (a standby, or a replacement of a killed one)
#   scripts/cluster.sh savepoint [job-id] [--stop]   trigger (or stop-with-) savepoint, wait, print its path
#   scripts/cluster.sh submit-backfill <savepoint> [job options]   dev.floodgate.job.BackfillJob from a savepoint
#   scripts/cluster.sh tool <savepoint inspect <path>|reconcile> [options]   the job jar's tools, in this shell
#   scripts/cluster.sh tls                     this cluster's TLS key material (start makes it when missing): paths
#
# FLOODGATE_STOCK_CONF=true starts the cluster with Flink's default configuration instead of flink-conf/ (only
# addresses, ports, memory, directories and TLS set): what a user's stock session cluster does.
#
# Results (job ids, savepoint paths) go to standard output, progress to standard error.
# Everything is bound to 127.0.0.1 except the Prometheus reporter (it has no host option: all interfaces).
#
# TLS is always on (docs/security.md): the REST API and web UI speak HTTPS and refuse a client without this cluster's
# client certificate (mutual TLS), and RPC, the blob server and the TaskManagers' data exchange use TLS with mutual
# authentication. start makes the key material with keytool when it is missing: $FLOODGATE_CLUSTER_DIR/tls, files
# 0600, one random store password per cluster in tls/store-password. This script's own REST calls (curl) and the
# Flink CLI (submit, submit-backfill) present the client certificate; to call the REST API by hand:
#   curl -K .cluster/tls/curl.conf https://127.0.0.1:18081/overview
# Passwords never reach a command line (keytool reads them from the file, curl from its config file) or a log.
set -euo pipefail
# Every file this script makes (configuration with the store passwords, key material, state, logs) is the user's
# alone: the configuration holds the keystore passwords, as Flink requires, and state holds customer data.
umask 077

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Where this cluster's config, data, logs and pid files live (a test uses its own).
CLUSTER_DIR="${FLOODGATE_CLUSTER_DIR:-$ROOT/.cluster}"
# The resolved jars; shared by every cluster dir.
DEPS_DIR="${FLOODGATE_DEPS_DIR:-$ROOT/.cluster/deps}"
REST_PORT="${FLOODGATE_REST_PORT:-18081}"
RPC_PORT="${FLOODGATE_RPC_PORT:-16123}"
PROM_PORTS="${FLOODGATE_PROM_PORTS:-9249-9260}"
KAFKA_PORT="${FLOODGATE_KAFKA_PORT:-19092}"
KAFKA_CONTROLLER_PORT="${FLOODGATE_KAFKA_CONTROLLER_PORT:-19093}"
JM_MEMORY="${FLOODGATE_JM_MEMORY:-1024m}"
TM_MEMORY="${FLOODGATE_TM_MEMORY:-1728m}"
TM_SLOTS="${FLOODGATE_TM_SLOTS:-2}"
TOPIC_RETENTION_MS="${FLOODGATE_TOPIC_RETENTION_MS:-604800000}"
JOB_JAR="${FLOODGATE_JOB_JAR:-$ROOT/job/target/floodgate-job-0.1.0-SNAPSHOT-job.jar}"
# The live job's entry class (the fault campaign submits a test build's wrapper of it).
LIVE_CLASS="${FLOODGATE_LIVE_CLASS:-dev.floodgate.job.FloodgateJob}"
BACKFILL_CLASS="dev.floodgate.job.BackfillJob"
TOPICS=(interactions interactions.processed interactions.shed interactions.dlq)
PROGRESS_TOPIC=interactions.shed.progress   # the drain's marks: compacted

CONF="$CLUSTER_DIR/conf"
LOGS="$CLUSTER_DIR/log"
RUN="$CLUSTER_DIR/run"
TLS="$CLUSTER_DIR/tls"
REST="https://127.0.0.1:$REST_PORT"
BOOTSTRAP="127.0.0.1:$KAFKA_PORT"

log() { echo "[cluster] $*" >&2; }
die() { echo "[cluster] ERROR: $*" >&2; exit 1; }
need() { command -v "$1" >/dev/null 2>&1 || die "$1 is required"; }

# ---------------------------------------------------------------------------------------------- jars

deps() {
  if [[ -f "$DEPS_DIR/.complete" ]]; then return; fi
  need mvn
  # Two clusters may start at once (tests run side by side): one resolves, the other waits for it.
  mkdir -p "$(dirname "$DEPS_DIR")"
  exec 8>"$DEPS_DIR.lock"
  flock 8
  if [[ -f "$DEPS_DIR/.complete" ]]; then exec 8>&-; return; fi
  log "resolving Flink, Prometheus plugin and Kafka jars from Maven into $DEPS_DIR"
  rm -rf "$DEPS_DIR"
  local spec
  for spec in flink-lib:lib prometheus:plugins/prometheus kafka:kafka-libs; do
    local profile="${spec%%:*}" dir="$DEPS_DIR/${spec#*:}"
    # Offline first (shared ~/.m2), online if something is missing.
    mvn -B -q -o -f "$ROOT/cluster/pom.xml" -P"$profile" dependency:copy-dependencies -DoutputDirectory="$dir" >&2 \
      || mvn -B -q -f "$ROOT/cluster/pom.xml" -P"$profile" dependency:copy-dependencies -DoutputDirectory="$dir" >&2
  done
  touch "$DEPS_DIR/.complete"
  exec 8>&-
}

# ---------------------------------------------------------------------------------------------- config

# set_conf file key value: replaces the flat "key: ..." line of a Flink config.yaml, or appends it. The value goes
# to awk through its environment, not its command line (anyone on the host can read command lines; a value may be
# a keystore password).
set_conf() {
  local file="$1" key="$2"
  SET_CONF_VALUE="$3" awk -v k="$key" 'BEGIN { done = 0; v = ENVIRON["SET_CONF_VALUE"] }
    index($0, k ":") == 1 { print k ": " v; done = 1; next }
    { print }
    END { if (!done) print k ": " v }' "$file" > "$file.tmp" && mv "$file.tmp" "$file"
}

conf_value() { sed -n "s/^$2: *//p" "$1" | tail -1; }

render_conf() {
  mkdir -p "$CONF" "$LOGS" "$RUN" "$CLUSTER_DIR/state" "$CLUSTER_DIR/tmp"
  cp "$ROOT/flink-conf/config.yaml" "$ROOT/flink-conf/log4j.properties" "$ROOT/flink-conf/log4j-console.properties" "$CONF/"
  local c="$CONF/config.yaml"
  if [[ "${FLOODGATE_STOCK_CONF:-false}" == true ]]; then
    # Flink's default configuration, as a session cluster from the distribution runs it: none of flink-conf's
    # checkpointing, restart, network (buffer debloating) or heartbeat choices; only the distribution's JVM
    # flags for Java 17 and this script's addresses, ports, memory, directories and TLS below (tests of what the
    # jobs set themselves on a stock cluster).
    local opens; opens="$(conf_value "$c" env.java.opts.all)"
    : > "$c"
    set_conf "$c" env.java.opts.all "$opens"
  fi
  set_conf "$c" jobmanager.rpc.address 127.0.0.1
  set_conf "$c" jobmanager.bind-host 127.0.0.1
  set_conf "$c" jobmanager.rpc.port "$RPC_PORT"
  set_conf "$c" taskmanager.host 127.0.0.1
  set_conf "$c" taskmanager.bind-host 127.0.0.1
  set_conf "$c" rest.address 127.0.0.1
  set_conf "$c" rest.bind-address 127.0.0.1
  set_conf "$c" rest.port "$REST_PORT"
  set_conf "$c" jobmanager.memory.process.size "$JM_MEMORY"
  set_conf "$c" taskmanager.memory.process.size "$TM_MEMORY"
  set_conf "$c" taskmanager.numberOfTaskSlots "$TM_SLOTS"
  set_conf "$c" execution.checkpointing.dir "file://$CLUSTER_DIR/state/checkpoints"
  set_conf "$c" execution.checkpointing.savepoint-dir "file://$CLUSTER_DIR/state/savepoints"
  set_conf "$c" metrics.reporter.prom.port "$PROM_PORTS"
  set_conf "$c" io.tmp.dirs "$CLUSTER_DIR/tmp"
  set_conf "$c" web.tmpdir "$CLUSTER_DIR/tmp"
  set_conf "$c" blob.storage.directory "$CLUSTER_DIR/tmp/blobs"
  tls_conf "$c"
  # Extra "key: value" lines for this cluster only (a test's bounded restart strategy, for instance).
  if [[ -n "${FLOODGATE_EXTRA_CONF:-}" ]]; then
    local line
    while IFS= read -r line; do
      [[ -z "$line" ]] && continue
      set_conf "$c" "${line%%:*}" "$(echo "${line#*:}" | sed 's/^ *//')"
    done <<< "$FLOODGATE_EXTRA_CONF"
  fi
}

# ---------------------------------------------------------------------------------------------- TLS

# tls_material: this cluster's key material, made once (start calls it; "cluster.sh tls" too) with the JDK's keytool:
#   internal.p12, internal-trust.p12   RPC, blob server, data exchange: a self-signed key pair of this cluster
#                                      alone, trusted by nothing else (Flink's advice for internal connectivity)
#   rest.p12, rest-trust.p12           REST API and web UI: the JobManager's server key pair, which is also the
#                                      client certificate the CLI, this script and the tests present (mutual TLS)
#   rest.pem                           the REST certificate (curl's --cacert)
#   curl.conf                          curl -K: the client certificate and its password, the CA; no password on a
#                                      command line
#   store-password                     the stores' password (random, 256 bits); Flink's config.yaml holds it too
# Every file is 0600 in a 0700 directory. keytool reads the password from its file (-storepass:file), never from
# its command line.
tls_material() {
  if [[ -f "$TLS/.complete" ]]; then return; fi
  need keytool
  log "making this cluster's TLS key material in $TLS"
  rm -rf "$TLS"
  mkdir -p "$TLS"
  chmod 700 "$TLS"
  local pw="$TLS/store-password"
  head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$pw"
  # The two key pairs at once (each is three keytool JVMs in a row): half the time on a cluster's first start.
  key_pair internal "$pw" & local internal_pid=$!
  key_pair rest "$pw" -ext "SAN=ip:127.0.0.1,dns:localhost" & local rest_pid=$!
  wait "$internal_pid" && wait "$rest_pid" || die "keytool failed: see $TLS/keytool-*.log"
  rm -f "$TLS/internal.pem"
  # curl reads the PKCS12 client certificate with its password from this file (-K), not from its command line.
  {
    echo "cacert = \"$TLS/rest.pem\""
    echo "cert = \"$TLS/rest.p12:$(cat "$pw")\""
    echo "cert-type = P12"
  } > "$TLS/curl.conf"
  chmod 600 "$TLS"/*
  touch "$TLS/.complete"
}

# key_pair name password-file [keytool options]: $TLS/name.p12 (a self-signed key pair, alias flink.name),
# $TLS/name.pem (its certificate) and $TLS/name-trust.p12 (the certificate alone, to trust). The REST one names the
# address clients connect to (curl checks it); internal connections check the certificate, not the host (Flink does
# no host name verification there).
key_pair() {
  local name="$1" pw="$2"; shift 2
  local out="$TLS/keytool-$name.log"
  keytool -genkeypair -alias "flink.$name" -keyalg RSA -keysize 2048 -validity 3650 -dname "CN=floodgate-cluster-$name" \
    "$@" -storetype PKCS12 -keystore "$TLS/$name.p12" -storepass:file "$pw" >>"$out" 2>&1 \
    && keytool -exportcert -rfc -alias "flink.$name" -keystore "$TLS/$name.p12" -storetype PKCS12 \
      -storepass:file "$pw" -file "$TLS/$name.pem" >>"$out" 2>&1 \
    && keytool -importcert -noprompt -alias "flink.$name" -file "$TLS/$name.pem" -storetype PKCS12 \
      -keystore "$TLS/$name-trust.p12" -storepass:file "$pw" >>"$out" 2>&1
}

# tls_conf file: the TLS keys of a Flink config.yaml, pointing at this cluster's key material. Internal connectivity
# (RPC, blob server, data exchange) always authenticates both sides; the REST API does with
# security.ssl.rest.authentication-enabled, so a client without this cluster's certificate is refused in the TLS
# handshake, before any request. The CLI reads the same file: it connects with https and presents the certificate.
tls_conf() {
  local c="$1" pw
  pw="$(cat "$TLS/store-password")"
  set_conf "$c" security.ssl.internal.enabled true
  set_conf "$c" security.ssl.internal.keystore "$TLS/internal.p12"
  set_conf "$c" security.ssl.internal.truststore "$TLS/internal-trust.p12"
  set_conf "$c" security.ssl.internal.keystore-password "$pw"
  set_conf "$c" security.ssl.internal.key-password "$pw"
  set_conf "$c" security.ssl.internal.truststore-password "$pw"
  set_conf "$c" security.ssl.rest.enabled true
  set_conf "$c" security.ssl.rest.authentication-enabled true
  set_conf "$c" security.ssl.rest.keystore "$TLS/rest.p12"
  set_conf "$c" security.ssl.rest.truststore "$TLS/rest-trust.p12"
  set_conf "$c" security.ssl.rest.keystore-password "$pw"
  set_conf "$c" security.ssl.rest.key-password "$pw"
  set_conf "$c" security.ssl.rest.truststore-password "$pw"
}

# rest_curl args...: curl to this cluster's REST API with the client certificate.
rest_curl() { curl -K "$TLS/curl.conf" "$@"; }

tls() {
  tls_material
  echo "client keystore (PKCS12, also the server's): $TLS/rest.p12"
  echo "truststore: $TLS/rest-trust.p12, certificate (PEM): $TLS/rest.pem"
  echo "password: in $TLS/store-password"
  echo "curl: curl -K $TLS/curl.conf $REST/overview"
}

# ---------------------------------------------------------------------------------------------- processes

pid_of() { [[ -f "$RUN/$1.pid" ]] && cat "$RUN/$1.pid" || true; }

# alive name main-class: the pid file's process is running and is still that program (pids are reused).
alive() {
  local pid; pid="$(pid_of "$1")"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q "$2"
}

stop_process() {
  local name="$1" main="$2" pid
  pid="$(pid_of "$name")"
  if ! alive "$name" "$main"; then
    log "$name is not running"
    rm -f "$RUN/$name.pid"
    return
  fi
  log "stopping $name (pid $pid)"
  kill "$pid"
  for _ in $(seq 1 60); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "$name did not stop in 30 s: kill -9 $pid"
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$RUN/$name.pid"
}

# wait_for description seconds command...: retries the command every 0.5 s.
wait_for() {
  local what="$1" seconds="$2"; shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS > deadline)); then die "$what not ready after ${seconds}s"; fi
    sleep 0.5
  done
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

java_opens() { conf_value "$CONF/config.yaml" env.java.opts.all; }

# The last BASH_JAVA_UTILS_EXEC_RESULT lines of BashJavaUtils: JVM memory flags, then dynamic -D configs.
resource_params() {
  local out
  out="$(java -cp "$DEPS_DIR/lib/*" -Dlog4j2.level=ERROR -Dlog4j.configurationFile=file:"$CONF/log4j-console.properties" \
    -Dlog.file="$LOGS/bash-java-utils.log" \
    org.apache.flink.runtime.util.bash.BashJavaUtils "$1" --configDir "$CONF" 2>>"$LOGS/bash-java-utils.log")" \
    || die "BashJavaUtils $1 failed: see $LOGS/bash-java-utils.log"
  echo "$out" | sed -n 's/^BASH_JAVA_UTILS_EXEC_RESULT://p'
}

launch_flink() {
  local name="$1" main="$2"; shift 2
  local params jvm dynamic
  params="$(resource_params "$@")"
  jvm="$(echo "$params" | sed -n 1p)"
  dynamic="$(echo "$params" | sed -n 2p)"
  shift
  local args=("$@")
  # shellcheck disable=SC2086 # jvm flags and dynamic properties are word lists
  FLINK_CONF_DIR="$CONF" FLINK_PLUGINS_DIR="$DEPS_DIR/plugins" FLINK_LIB_DIR="$DEPS_DIR/lib" \
    nohup java $jvm $(java_opens) \
      -Dlog.file="$LOGS/flink-$name.log" -Dlog4j.configurationFile=file:"$CONF/log4j.properties" \
      -classpath "$DEPS_DIR/lib/*" "$main" "${args[@]}" $dynamic \
      > "$LOGS/flink-$name.out" 2>&1 < /dev/null &
  echo $! > "$RUN/$name.pid"
  log "$name started (pid $!), log $LOGS/flink-$name.log"
}

JM_MAIN=org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint
TM_MAIN=org.apache.flink.runtime.taskexecutor.TaskManagerRunner
KAFKA_MAIN=kafka.Kafka

start() {
  need java; need curl; need jq
  deps
  if alive jobmanager "$JM_MAIN" || alive taskmanager "$TM_MAIN"; then die "the cluster is already running: stop it first"; fi
  port_open "$REST_PORT" && die "port $REST_PORT is taken (FLOODGATE_REST_PORT)"
  port_open "$RPC_PORT" && die "port $RPC_PORT is taken (FLOODGATE_RPC_PORT)"
  tls_material
  render_conf
  launch_flink jobmanager "$JM_MAIN" GET_JM_RESOURCE_PARAMS --configDir "$CONF" --executionMode cluster
  wait_for "the JobManager's REST API at $REST" 90 rest_curl -sf "$REST/overview"
  launch_flink taskmanager "$TM_MAIN" GET_TM_RESOURCE_PARAMS --configDir "$CONF"
  wait_for "a registered TaskManager" 90 tm_registered
  log "Flink web UI: $REST, client certificate $TLS/rest.p12 ($(rest_curl -sf "$REST/overview" | jq -r '"\(.taskmanagers) TaskManager(s), \(."slots-available") free slots"'))"
}

tm_registered() { [[ "$(rest_curl -sf "$REST/overview" | jq -r '."slots-available"')" -ge 1 ]]; }

# taskmanager_start name: one more TaskManager process of this cluster (pid file run/<name>.pid).
taskmanager_start() {
  local name="${1:-}"
  [[ "$name" =~ ^taskmanager[-a-z0-9]*$ ]] || die "usage: taskmanager-start taskmanager[-suffix]"
  alive jobmanager "$JM_MAIN" || die "the JobManager is not running: start the cluster first"
  alive "$name" "$TM_MAIN" && die "$name is already running"
  launch_flink "$name" "$TM_MAIN" GET_TM_RESOURCE_PARAMS --configDir "$CONF"
}

stop() {
  local f name
  for f in "$RUN"/taskmanager*.pid; do
    [[ -e "$f" ]] || continue
    name="$(basename "$f" .pid)"
    stop_process "$name" "$TM_MAIN"
  done
  stop_process jobmanager "$JM_MAIN"
}

status() {
  local name main
  for name in jobmanager:$JM_MAIN taskmanager:$TM_MAIN kafka:$KAFKA_MAIN; do
    main="${name#*:}"; name="${name%%:*}"
    if alive "$name" "$main"; then echo "$name: running (pid $(pid_of "$name"))"; else echo "$name: stopped"; fi
  done
  if [[ -f "$TLS/curl.conf" ]] && rest_curl -sf "$REST/overview" >/dev/null 2>&1; then
    echo "web UI: $REST (client certificate $TLS/rest.p12, password in $TLS/store-password)"
    rest_curl -sf "$REST/jobs/overview" | jq -r '.jobs[] | "job \(.jid) \(.name) \(.state)"'
    local f port
    for f in "$LOGS"/flink-jobmanager.log "$LOGS"/flink-taskmanager.log; do
      port="$(prometheus_port "$f")"
      [[ -n "$port" ]] && echo "prometheus: http://127.0.0.1:$port/metrics ($(basename "$f" .log))"
    done
  fi
  echo "kafka: $BOOTSTRAP"
}

# The port the Prometheus reporter of the process logging to $1 bound to (decided at start).
prometheus_port() {
  [[ -f "$1" ]] && grep -o 'Started PrometheusReporter HTTP server on port [0-9]*' "$1" | tail -1 | awk '{print $NF}' || true
}

# ---------------------------------------------------------------------------------------------- kafka

kafka_java() {
  java -Xms512m -Xmx1g -Dlog4j2.configurationFile=file:"$CLUSTER_DIR/kafka/log4j2.properties" \
    -Dkafka.logs.dir="$LOGS" -cp "$DEPS_DIR/kafka-libs/*" "$@"
}

kafka_start() {
  need java
  deps
  if alive kafka "$KAFKA_MAIN"; then die "kafka is already running"; fi
  port_open "$KAFKA_PORT" && die "port $KAFKA_PORT is taken (FLOODGATE_KAFKA_PORT)"
  port_open "$KAFKA_CONTROLLER_PORT" && die "port $KAFKA_CONTROLLER_PORT is taken (FLOODGATE_KAFKA_CONTROLLER_PORT)"
  mkdir -p "$CLUSTER_DIR/kafka/data" "$LOGS" "$RUN"
  cat > "$CLUSTER_DIR/kafka/server.properties" <<EOF
# Generated by scripts/cluster.sh: one KRaft node, broker and controller in one process, on 127.0.0.1.
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$CLUSTER_DIR/kafka/data
num.partitions=4
auto.create.topics.enable=false
# One broker: internal topics with one replica.
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=4
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
# The default maximum: Floodgate's sinks use --transaction-timeout 10min, below it.
transaction.max.timeout.ms=900000
EOF
  cat > "$CLUSTER_DIR/kafka/log4j2.properties" <<EOF
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = file
logger.state.name = state.change.logger
logger.state.level = WARN
appender.file.type = File
appender.file.name = file
appender.file.fileName = $LOGS/kafka.log
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
EOF
  if [[ ! -f "$CLUSTER_DIR/kafka/data/meta.properties" ]]; then
    local id
    id="$(kafka_java kafka.tools.StorageTool random-uuid 2>>"$LOGS/kafka-format.log")"
    kafka_java kafka.tools.StorageTool format --standalone -t "$id" -c "$CLUSTER_DIR/kafka/server.properties" \
      >>"$LOGS/kafka-format.log" 2>&1 || die "formatting the Kafka storage failed: see $LOGS/kafka-format.log"
    log "formatted Kafka storage (cluster id $id)"
  fi
  nohup java -Xms512m -Xmx1g -Dlog4j2.configurationFile=file:"$CLUSTER_DIR/kafka/log4j2.properties" \
    -Dkafka.logs.dir="$LOGS" -cp "$DEPS_DIR/kafka-libs/*" "$KAFKA_MAIN" "$CLUSTER_DIR/kafka/server.properties" \
    > "$LOGS/kafka.out" 2>&1 < /dev/null &
  echo $! > "$RUN/kafka.pid"
  log "kafka started (pid $!), log $LOGS/kafka.log"
  wait_for "the Kafka broker at $BOOTSTRAP" 60 port_open "$KAFKA_PORT"
  wait_for "the Kafka broker's metadata" 60 kafka_java org.apache.kafka.tools.TopicCommand --bootstrap-server "$BOOTSTRAP" --list
  log "kafka ready at $BOOTSTRAP"
}

kafka_stop() { stop_process kafka "$KAFKA_MAIN"; }

topics() {
  local partitions="${1:-4}" t
  for t in "${TOPICS[@]}"; do
    kafka_java org.apache.kafka.tools.TopicCommand --bootstrap-server "$BOOTSTRAP" --create --if-not-exists \
      --topic "$t" --partitions "$partitions" --replication-factor 1 \
      --config message.timestamp.type=LogAppendTime --config retention.ms="$TOPIC_RETENTION_MS" >&2
  done
  kafka_java org.apache.kafka.tools.TopicCommand --bootstrap-server "$BOOTSTRAP" --create --if-not-exists \
    --topic "$PROGRESS_TOPIC" --partitions 1 --replication-factor 1 \
    --config message.timestamp.type=LogAppendTime --config cleanup.policy=compact >&2
  log "topics: ${TOPICS[*]} ($partitions partitions, LogAppendTime), $PROGRESS_TOPIC (compacted)"
}

# ---------------------------------------------------------------------------------------------- jobs

has_option() { local key="$1"; shift; local a; for a in "$@"; do [[ "$a" == "$key" || "$a" == "$key="* ]] && return 0; done; return 1; }

# run_jar entry-class savepoint-or-empty allow-non-restored-state(true|false) args...: prints the job id. Submits
# with Flink's command line client (flink run -t remote -d), which runs the job's main here and sends the job graph
# to the cluster's REST API: the production config turns jar upload off (web.submit.enable: false), and with it
# REST's /jars endpoints. --allowNonRestoredState only where the caller means it: for the live job, a savepoint
# state no operator claims (a changed uid) would otherwise be dropped without a word.
run_jar() {
  local cls="$1" savepoint="$2" allow_non_restored="$3"; shift 3
  need java
  [[ -f "$JOB_JAR" ]] || die "no job jar at $JOB_JAR: build it with mvn -B -o -q -DskipTests package"
  [[ -f "$CONF/config.yaml" ]] || die "no cluster configuration in $CONF: start the cluster first"
  local args=("$@")
  if ! has_option --bootstrap-servers "${args[@]+"${args[@]}"}"; then
    # this script's own broker: plaintext on 127.0.0.1, never off the machine; the jobs refuse plaintext unless
    # told, so the script tells them here, for its broker only (any other broker: your --kafka-config)
    args=(--bootstrap-servers "$BOOTSTRAP" "${args[@]+"${args[@]}"}")
    has_option --kafka-config "${args[@]}" || has_option --kafka-plaintext "${args[@]}" || args+=(--kafka-plaintext true)
  fi
  local cli=(run -t remote -d -c "$cls")
  if [[ -n "$savepoint" ]]; then
    cli+=(-s "$savepoint")
    [[ "$allow_non_restored" == true ]] && cli+=(--allowNonRestoredState)
  fi
  # the option names only: a value may be a secret or a URL with one, which the job refuses without echoing it
  local a keys=()
  for a in "${args[@]}"; do [[ "$a" == --* ]] && keys+=("${a%%=*}"); done
  log "running $cls with ${keys[*]:-no options}${savepoint:+ from $savepoint}"
  local out
  # shellcheck disable=SC2046 # the JVM flags of the cluster config are a word list
  out="$(FLINK_CONF_DIR="$CONF" FLINK_PLUGINS_DIR="$DEPS_DIR/plugins" FLINK_LIB_DIR="$DEPS_DIR/lib" \
    java $(java_opens) -Dlog.file="$LOGS/flink-client.log" -Dlog4j.configurationFile=file:"$CONF/log4j.properties" \
      -classpath "$DEPS_DIR/lib/*" org.apache.flink.client.cli.CliFrontend "${cli[@]}" "$JOB_JAR" "${args[@]}" \
      2>&1 < /dev/null)" || die "run failed: $(echo "$out" | tail -c 4000) (log $LOGS/flink-client.log)"
  local id; id="$(echo "$out" | sed -n 's/.*Job has been submitted with JobID \([0-9a-f]\{32\}\).*/\1/p' | tail -1)"
  [[ -n "$id" ]] || die "run failed: $(echo "$out" | tail -c 4000)"
  log "job $id submitted: $REST/#/job/running/$id/overview"
  echo "$id"
}

# The live job restores every operator's state or does not start: Flink refuses a savepoint with state no operator
# claims. FLOODGATE_ALLOW_NON_RESTORED_STATE=true for an upgrade that drops an operator on purpose (docs/operating.md).
submit() {
  local allow="${FLOODGATE_ALLOW_NON_RESTORED_STATE:-false}"
  [[ "$allow" == true || "$allow" == false ]] || die "FLOODGATE_ALLOW_NON_RESTORED_STATE is true or false, not $allow"
  run_jar "$LIVE_CLASS" "${FLOODGATE_RESTORE_FROM:-}" "$allow" "$@"
}

submit_backfill() {
  [[ $# -ge 1 ]] || die "usage: submit-backfill <savepoint path> [job options]"
  local savepoint="$1"; shift
  [[ -f "$JOB_JAR" ]] || die "no job jar at $JOB_JAR"
  unzip -l "$JOB_JAR" "${BACKFILL_CLASS//.//}.class" >/dev/null 2>&1 \
    || die "$JOB_JAR has no $BACKFILL_CLASS (not written yet?)"
  local args=("$@")
  has_option --mode "${args[@]+"${args[@]}"}" || args=(--mode drain "${args[@]+"${args[@]}"}")
  # Deliberate: the backfill starts from a savepoint of the live job and has none of its source, shedding and sinks,
  # whose state it must skip (docs/operating.md, "Upgrades and state compatibility").
  run_jar "$BACKFILL_CLASS" "$savepoint" true "${args[@]}"
}

single_running_job() {
  local ids
  ids="$(rest_curl -sf "$REST/jobs/overview" | jq -r '.jobs[] | select(.state == "RUNNING") | .jid')"
  [[ "$(echo "$ids" | grep -c .)" -eq 1 ]] || die "give a job id: running jobs are: ${ids:-none}"
  echo "$ids"
}

savepoint() {
  local job="" stop_job=false a
  for a in "$@"; do
    case "$a" in
      --stop) stop_job=true ;;
      *) job="$a" ;;
    esac
  done
  [[ -n "$job" ]] || job="$(single_running_job)"
  local dir="file://$CLUSTER_DIR/state/savepoints" out trigger
  if $stop_job; then
    out="$(rest_curl -sS -X POST -H 'Content-Type: application/json' \
      -d "{\"targetDirectory\": \"$dir\", \"drain\": false}" "$REST/jobs/$job/stop")"
  else
    out="$(rest_curl -sS -X POST -H 'Content-Type: application/json' \
      -d "{\"target-directory\": \"$dir\", \"cancel-job\": false}" "$REST/jobs/$job/savepoints")"
  fi
  trigger="$(echo "$out" | jq -r '."request-id" // empty')"
  [[ -n "$trigger" ]] || die "savepoint trigger failed: $out"
  log "savepoint of job $job triggered ($trigger)$($stop_job && echo ', stopping the job')"
  local deadline=$((SECONDS + ${FLOODGATE_SAVEPOINT_TIMEOUT:-600})) state
  while true; do
    out="$(rest_curl -sS "$REST/jobs/$job/savepoints/$trigger")"
    state="$(echo "$out" | jq -r '.status.id')"
    if [[ "$state" == COMPLETED ]]; then
      local location; location="$(echo "$out" | jq -r '.operation.location // empty')"
      [[ -n "$location" ]] || die "savepoint failed: $(echo "$out" | jq -c '.operation."failure-cause" // .' | head -c 4000)"
      log "savepoint completed"
      echo "$location"
      return
    fi
    ((SECONDS < deadline)) || die "savepoint $trigger still $state"
    sleep 0.5
  done
}

# tool args...: dev.floodgate.job.tools.Tools from the job jar, run here with the cluster's lib (Flink runtime,
# log4j: provided, so not in the job jar) on the classpath. Its exit status is the tool's.
tool() {
  need java
  deps
  [[ -f "$JOB_JAR" ]] || die "no job jar at $JOB_JAR: build it with mvn -B -o -q -DskipTests package"
  local args=("$@")
  if [[ "${args[0]:-}" == reconcile ]] && ! has_option --bootstrap-servers "${args[@]}"; then
    args+=(--bootstrap-servers "$BOOTSTRAP")
  fi
  # shellcheck disable=SC2046 # the JVM flags of flink-conf are a word list
  exec java $(conf_value "$ROOT/flink-conf/config.yaml" env.java.opts.all) \
    -Dlog4j.configurationFile=floodgate-tools-log4j2.properties \
    -classpath "$JOB_JAR:$DEPS_DIR/lib/*" dev.floodgate.job.tools.Tools "${args[@]+"${args[@]}"}"
}

# ---------------------------------------------------------------------------------------------- main

usage() { sed -n '2,20p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

cmd="${1:-}"; [[ $# -gt 0 ]] && shift
case "$cmd" in
  deps) deps ;;
  start) start ;;
  stop) stop ;;
  taskmanager-start) taskmanager_start "$@" ;;
  status) status ;;
  kafka-start) kafka_start ;;
  kafka-stop) kafka_stop ;;
  topics) topics "$@" ;;
  up) kafka_start; start; topics ;;
  down) stop; kafka_stop ;;
  submit) submit "$@" ;;
  savepoint) savepoint "$@" ;;
  submit-backfill) submit_backfill "$@" ;;
  tool) tool "$@" ;;
  tls) tls ;;
  -h|--help|help|"") usage ;;
  *) usage; die "unknown command $cmd" ;;
esac
