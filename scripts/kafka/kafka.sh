#!/usr/bin/env bash
# Single-node KRaft Kafka broker for the e2e tests, run from jars fetched from Maven Central
# (no Docker on the build machines). See /work/shared/STACK.md, "Kafka broker from Maven Central".
#
#   bash scripts/kafka/kafka.sh start [--keep-data]|stop|restart|kill|status
#
#   start              a fresh broker: its data directory is wiped and formatted (what tests want)
#   start --keep-data  a broker on the data a previous one left (topics, messages, committed offsets);
#                      formatted only if there is none yet
#   stop               controlled shutdown (TERM, then KILL after 30 s)
#   restart            stop, then start --keep-data: the same broker back on its data
#   kill               SIGKILL, as a crash would (fault tests); `start --keep-data` brings it back
#   status             exit 0 when running, 3 when not
#
# Environment:
#   KAFKA_PORT             PLAINTEXT port (default 9092)
#   KAFKA_CONTROLLER_PORT  KRaft controller port (default KAFKA_PORT + 1)
#   KAFKA_READY_TIMEOUT    seconds `start` waits for the broker to answer (default 60)
#   KAFKA_HEAP             JVM heap options (default -Xms256m -Xmx512m)
#   JAVA_HOME              Java to use (default: java on PATH); Java 17 runs Kafka 3.9
#   KAFKA_SASL_SSL_PORT    also a SASL_SSL listener there (unset: none): TLS with a CA made by keytool
#                          (.kafka/tls-<port>/ca.pem for clients), SCRAM-SHA-512/256 for the user
#                          KAFKA_SASL_SSL_USER (creditflow) with KAFKA_SASL_SSL_PASSWORD (creditflow-test-secret)
#
# Everything lives under <repo>/.kafka (git-ignored): lib/ (the jars, copied once and reused),
# data-<port>/ (wiped and formatted on every start unless --keep-data), broker-<port>.{log,pid,properties}.
set -euo pipefail

script_dir=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
repo_root=$(cd -- "$script_dir/../.." && pwd -P)
kafka_home=$repo_root/.kafka
lib_dir=$kafka_home/lib
pom=$script_dir/pom.xml

host=127.0.0.1
port=${KAFKA_PORT:-9092}
controller_port=${KAFKA_CONTROLLER_PORT:-$((port + 1))}
ready_timeout=${KAFKA_READY_TIMEOUT:-60}
heap=${KAFKA_HEAP:--Xms256m -Xmx512m}
java=${JAVA_HOME:+$JAVA_HOME/bin/}java
keytool=${JAVA_HOME:+$JAVA_HOME/bin/}keytool
# A SASL_SSL listener beside PLAINTEXT, as secured clusters run it: TLS with a self-signed CA made by
# keytool, SCRAM-SHA-512/256 for the user below (created once the broker is up). Off unless set.
sasl_ssl_port=${KAFKA_SASL_SSL_PORT:-}
sasl_user=${KAFKA_SASL_SSL_USER:-creditflow}
sasl_password=${KAFKA_SASL_SSL_PASSWORD:-creditflow-test-secret}

data_dir=$kafka_home/data-$port
pid_file=$kafka_home/broker-$port.pid
log_file=$kafka_home/broker-$port.log
config_file=$kafka_home/broker-$port.properties
log4j_file=$kafka_home/log4j.properties
tls_dir=$kafka_home/tls-$port

say() { printf 'kafka: %s\n' "$*"; }
die() { printf 'kafka: error: %s\n' "$*" >&2; exit 1; }

now() { printf '%s' "${EPOCHREALTIME/,/.}"; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# --- process bookkeeping --------------------------------------------------------------------------

# The pid in the pid file, if that process is alive, not a zombie, and is our broker for this port
# (guards against a stale pid file whose pid was reused by something else).
running_pid() {
  [[ -f $pid_file ]] || return 1
  local pid
  pid=$(<"$pid_file")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  [[ -r /proc/$pid/cmdline ]] || return 1
  local state
  state=$(awk '{ sub(/^.*\) /, ""); print $1 }' "/proc/$pid/stat" 2>/dev/null || true)
  [[ $state != Z && -n $state ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$config_file" || return 1
  printf '%s' "$pid"
}

port_in_use() { (exec 3<>"/dev/tcp/$host/$1") 2>/dev/null; }

kafka_version() {
  local jar
  jar=$(cd "$lib_dir" && ls kafka_2.13-*.jar 2>/dev/null | grep -v -e '-test' -e '-sources' | head -n 1 || true)
  jar=${jar#kafka_2.13-}
  printf '%s' "${jar%.jar}"
}

# --- jars -----------------------------------------------------------------------------------------

# Copies the runtime jars once. A stamp holding the pom's checksum marks a complete copy, so a
# changed pom (say, a Kafka upgrade) copies again and an interrupted copy is never reused.
ensure_jars() {
  local stamp=$lib_dir/.pom.sha256 want
  want=$(sha256sum "$pom" | cut -d ' ' -f 1)
  if [[ -f $stamp && $(<"$stamp") == "$want" ]]; then
    return 0
  fi
  command -v mvn >/dev/null || die "mvn not found on PATH (needed once to fetch the Kafka jars)"
  say "copying Kafka jars from Maven Central to ${lib_dir#"$repo_root"/} (once)..."
  local started tmp out
  started=$(now)
  tmp=$(mktemp -d "$kafka_home/lib.tmp.XXXXXX")
  out=$tmp.mvn.log
  # -q still prints ANSI resets on Maven 3.8, so capture the output and show it only on failure.
  if ! mvn -B -q -f "$pom" dependency:copy-dependencies -DincludeScope=runtime \
      -DoutputDirectory="$tmp" </dev/null >"$out" 2>&1; then
    sed -e 's/\x1b\[[0-9;]*m//g' "$out" >&2
    rm -rf "$tmp" "$out"
    die "could not fetch the Kafka jars with Maven (see above)"
  fi
  rm -f "$out"
  printf '%s\n' "$want" >"$tmp/.pom.sha256"
  rm -rf "$lib_dir"
  mv "$tmp" "$lib_dir"
  say "jars copied in $(since "$started")s ($(ls "$lib_dir"/*.jar | wc -l) jars, $(du -sh "$lib_dir" | cut -f 1))"
}

# --- configuration --------------------------------------------------------------------------------

# A CA and a broker certificate for 127.0.0.1/localhost, signed by it (JDK keytool only), made once and
# kept: the broker's keystore, and the CA as PEM for clients (tls-<port>/ca.pem, KAFKA_SSL_CA).
ensure_tls() {
  [[ -f $tls_dir/broker.p12 && -f $tls_dir/ca.pem ]] && return 0
  command -v "$keytool" >/dev/null || die "keytool not found (a JDK is needed for the SASL_SSL listener)"
  rm -rf "$tls_dir"
  mkdir -p "$tls_dir"
  local kt=("$keytool" -noprompt -storetype PKCS12 -storepass changeit -keypass changeit)
  {
    "${kt[@]}" -genkeypair -alias ca -dname 'CN=creditflow test CA' -keyalg RSA -keysize 2048 -validity 3650 -ext bc:c -keystore "$tls_dir/ca.p12"
    "${kt[@]}" -exportcert -rfc -alias ca -keystore "$tls_dir/ca.p12" -file "$tls_dir/ca.pem"
    "${kt[@]}" -genkeypair -alias broker -dname 'CN=localhost' -keyalg RSA -keysize 2048 -validity 3650 -keystore "$tls_dir/broker.p12"
    "${kt[@]}" -certreq -alias broker -keystore "$tls_dir/broker.p12" -file "$tls_dir/broker.csr"
    "${kt[@]}" -gencert -alias ca -keystore "$tls_dir/ca.p12" -infile "$tls_dir/broker.csr" -outfile "$tls_dir/broker.crt" -rfc -validity 3650 \
      -ext 'SAN=IP:127.0.0.1,DNS:localhost'
    "${kt[@]}" -importcert -alias ca -keystore "$tls_dir/broker.p12" -file "$tls_dir/ca.pem"
    "${kt[@]}" -importcert -alias broker -keystore "$tls_dir/broker.p12" -file "$tls_dir/broker.crt"
  } >"$tls_dir/keytool.log" 2>&1 || { cat "$tls_dir/keytool.log" >&2; die "keytool could not make the TLS material in $tls_dir"; }
}

# SCRAM credentials are written through the PLAINTEXT listener once the broker answers (KRaft keeps them in its metadata log).
add_scram_user() {
  local out mechanism
  for mechanism in SCRAM-SHA-512 SCRAM-SHA-256; do # one mechanism per request
    if ! out=$("$java" -Xmx256m -Dlog4j.configuration="file:$log4j_file" -cp "$lib_dir/*" kafka.admin.ConfigCommand \
        --bootstrap-server "$host:$port" --alter --entity-type users --entity-name "$sasl_user" \
        --add-config "$mechanism=[password=$sasl_password]" 2>&1); then
      printf '%s\n' "$out" >&2
      die "could not create the SCRAM user $sasl_user ($mechanism)"
    fi
  done
}

sasl_ssl_config() {
  [[ -n $sasl_ssl_port ]] || return 0
  cat <<EOF

# The SASL_SSL listener (KAFKA_SASL_SSL_PORT): TLS with tls-$port/broker.p12, SCRAM users.
ssl.keystore.type=PKCS12
ssl.keystore.location=$tls_dir/broker.p12
ssl.keystore.password=changeit
ssl.key.password=changeit
sasl.enabled.mechanisms=SCRAM-SHA-512,SCRAM-SHA-256
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
EOF
}

write_config() {
  local listeners="PLAINTEXT://$host:$port,CONTROLLER://$host:$controller_port" advertised="PLAINTEXT://$host:$port"
  local protocols="PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"
  if [[ -n $sasl_ssl_port ]]; then
    listeners+=",SASL_SSL://$host:$sasl_ssl_port"
    advertised+=",SASL_SSL://$host:$sasl_ssl_port"
    protocols+=",SASL_SSL:SASL_SSL"
  fi
  cat >"$config_file" <<EOF
# Generated by scripts/kafka/kafka.sh on every start; edit the script, not this file.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$host:$controller_port
listeners=$listeners
advertised.listeners=$advertised
listener.security.protocol.map=$protocols
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
log.dirs=$data_dir

# One node: every internal topic has one replica, or consumers wait forever for a coordinator.
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
default.replication.factor=1
min.insync.replicas=1

# Tests: join groups at once, create topics on first use.
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
num.partitions=3
$(sasl_ssl_config)
EOF

  cat >"$log4j_file" <<'EOF'
# Generated by scripts/kafka/kafka.sh. The broker's stdout/stderr go to .kafka/broker-<port>.log.
log4j.rootLogger=WARN, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
EOF
}

# A KRaft cluster id is 16 random bytes in URL-safe base64 without padding (what
# `StorageTool random-uuid` prints); made here to save a JVM start. Kafka rejects ids starting with '-'.
cluster_id() {
  local id
  while :; do
    id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
    [[ $id != -* ]] && break
  done
  printf '%s' "$id"
}

# --- commands -------------------------------------------------------------------------------------

wait_ready() {
  local pid=$1 timeout=$2
  node "$script_dir/ready.cjs" --brokers "$host:$port" --timeout "$timeout" ${pid:+--pid "$pid"}
}

cmd_start() {
  local keep_data=false started pid
  case ${1:-} in
    '') ;;
    --keep-data) keep_data=true ;;
    *) die "start takes no option but --keep-data, not \"$1\"" ;;
  esac
  started=$(now)
  mkdir -p "$kafka_home"

  if pid=$(running_pid); then
    say "broker already running on $host:$port (pid $pid), reusing it"
    wait_ready "$pid" "$ready_timeout" || die "broker (pid $pid) does not answer; try: $0 stop"
    return 0
  fi
  rm -f "$pid_file"

  command -v "$java" >/dev/null || die "java not found (set JAVA_HOME or put java on PATH)"
  command -v node >/dev/null || die "node not found on PATH"
  local p
  for p in "$port" "$controller_port" ${sasl_ssl_port:+"$sasl_ssl_port"}; do
    if port_in_use "$p"; then
      die "port $host:$p is in use by another process (not a broker started by this script)"
    fi
  done

  ensure_jars
  [[ -z $sasl_ssl_port ]] || ensure_tls
  write_config

  # A fresh broker on every start (tests want no topics, offsets or groups left from earlier runs),
  # unless --keep-data: then the broker comes back on the log a previous one left, as after a
  # restart in production; formatting is only for a directory that has never been formatted.
  local data_kept=false
  if [[ $keep_data == true && -f $data_dir/meta.properties ]]; then
    data_kept=true
  else
    rm -rf "$data_dir"
    local format_log=$kafka_home/format-$port.log
    if ! "$java" -Xmx256m -Dlog4j.configuration="file:$log4j_file" -cp "$lib_dir/*" \
        kafka.tools.StorageTool format -t "$(cluster_id)" -c "$config_file" --ignore-formatted \
        >"$format_log" 2>&1; then
      cat "$format_log" >&2
      die "formatting $data_dir failed"
    fi
    rm -f "$format_log"
  fi

  # setsid: the broker gets its own session, so a Ctrl-C meant for the caller does not reach it;
  # `stop` (or scripts/test.sh's exit trap) ends it. exec keeps the pid the one we record.
  # shellcheck disable=SC2086 # $heap holds several JVM options
  setsid "$java" $heap -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true \
    -Dlog4j.configuration="file:$log4j_file" -cp "$lib_dir/*" \
    kafka.Kafka "$config_file" </dev/null >"$log_file" 2>&1 &
  pid=$!
  printf '%s\n' "$pid" >"$pid_file"

  if ! wait_ready "$pid" "$ready_timeout"; then
    printf -- '--- last lines of %s ---\n' "$log_file" >&2
    tail -n 40 "$log_file" >&2 || true
    printf -- '---\n' >&2
    stop_pid "$pid" >/dev/null || true
    rm -f "$pid_file"
    die "broker on $host:$port did not become ready"
  fi
  if [[ -n $sasl_ssl_port ]]; then
    add_scram_user
    say "SASL_SSL on $host:$sasl_ssl_port: SCRAM-SHA-512 user $sasl_user, CA ${tls_dir#"$repo_root"/}/ca.pem"
  fi
  say "broker ready on $host:$port in $(since "$started")s (kafka_2.13 $(kafka_version), pid $pid, $([[ $data_kept == true ]] && echo "on its kept data" || echo "fresh data"))"
}

# TERM, wait up to 30 s for a controlled shutdown, then KILL.
stop_pid() {
  local pid=$1 i
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 300; i++)); do
    [[ -d /proc/$pid ]] || return 0
    # a zombie has exited; its parent (not us) reaps it
    [[ $(awk '{ sub(/^.*\) /, ""); print $1 }' "/proc/$pid/stat" 2>/dev/null || true) == Z ]] && return 0
    sleep 0.1
  done
  say "broker (pid $pid) did not stop within 30s, killing it" >&2
  kill -KILL "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    [[ -d /proc/$pid ]] || return 0
    sleep 0.1
  done
  return 1
}

cmd_stop() {
  local pid started
  started=$(now)
  if ! pid=$(running_pid); then
    rm -f "$pid_file"
    say "no broker running on $host:$port"
    return 0
  fi
  stop_pid "$pid" || die "broker (pid $pid) is still running"
  rm -f "$pid_file"
  say "broker on $host:$port stopped in $(since "$started")s (pid $pid)"
}

# A crash, for the fault suite: SIGKILL, no controlled shutdown. The data directory stays.
cmd_kill() {
  local pid i
  if ! pid=$(running_pid); then
    rm -f "$pid_file"
    say "no broker running on $host:$port"
    return 0
  fi
  kill -KILL "$pid" 2>/dev/null || true
  # The JVM's main thread shows as a zombie while its other threads still exit and hold the
  # sockets: wait for the process and for both ports, so a `start` right after finds them free.
  for ((i = 0; i < 300; i++)); do
    if [[ ! -d /proc/$pid || $(awk '{ sub(/^.*\) /, ""); print $1 }' "/proc/$pid/stat" 2>/dev/null || true) == Z ]]; then
      port_in_use "$port" || port_in_use "$controller_port" || break
    fi
    sleep 0.1
  done
  rm -f "$pid_file"
  say "broker on $host:$port killed (SIGKILL, pid $pid); its data stays in ${data_dir#"$repo_root"/}"
}

# Exit status 0 when running, 3 when not (the LSB convention for "program is not running").
cmd_status() {
  local pid
  if pid=$(running_pid); then
    say "broker running on $host:$port (pid $pid, log ${log_file#"$repo_root"/})"
    return 0
  fi
  say "no broker running on $host:$port"
  return 3
}

case ${1:-} in
  start) cmd_start "${@:2}" ;;
  stop) cmd_stop ;;
  restart)
    cmd_stop
    cmd_start --keep-data
    ;;
  kill) cmd_kill ;;
  status) cmd_status ;;
  *)
    printf 'usage: %s start [--keep-data]|stop|restart|kill|status   (port: KAFKA_PORT, default 9092)\n' "$0" >&2
    exit 2
    ;;
esac
