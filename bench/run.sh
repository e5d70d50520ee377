#!/usr/bin/env bash
# tcpgate's benchmark harness (issue 4). `make bench` runs it once target/tcpgate.jar and the test classes are built.
#
#   bench/run.sh            the standard run, about 20 minutes on 2 cores: scenarios (a) 50 conn x 16 in flight,
#                           (b) 50 x 1, (c) 1,000 x 1, (d) 4 KiB frames 50 x 1, against every tcpgate variant of
#                           BENCH_TCPGATE_SERVERS (by default the three dispatch modes: tcpgate and tcpgate-el
#                           ordered, tcpgate-parallel, tcpgate-pinned; and, in (a) and (b) only, the Node worker
#                           behind the event-bus bridge, tcpgate-node, next to its in-JVM twin tcpgate-parallel-string)
#                           and the two reference servers (direct, naive); and (f), the connect rate (issue 11):
#                           50 client loops each connecting, sending one line, reading its reply and closing, again
#                           and again (LoadGenerator --connect-rate), against tcpgate, tcpgate-admission (admission
#                           limits and rules that refuse nothing but all run), tcpgate-tls and the references direct
#                           and direct-tls (direct over TLS); all several rounds in rotating order; then (e)
#                           the 19,000-connection scale run against tcpgate, direct and naive; then the JMH framer
#                           benchmarks. Writes docs/BENCHMARKS.md.
#   bench/run.sh profile    a JFR CPU profile of tcpgate under scenario (a) (BENCH_PROFILE_SCENARIO=b|c|d|f for
#                           another), summarised by top frames
#                           (target/bench/<run>/profile.md).
#
# Every server is its own JVM on 127.0.0.1 with an ephemeral port (port 0; the port is read from its log), and is
# killed when this script exits, whatever happens. Client and servers share the machine's cores (no pinning).
#
# Settings (environment variables):
#   BENCH_ROUNDS=3            rounds of scenarios a-d and f
#   BENCH_WARMUP=2            seconds of unmeasured load at the start of every run
#   BENCH_DURATION=5          seconds of the measured window of every run
#   BENCH_SERVER_WARMUP=10    seconds of load each server gets once on each port, before the rounds: tcpgate's JIT
#                             needs over 10 s of load before its throughput settles (a variant whose scenarios use
#                             one port only gets twice this on that port)
#   BENCH_SCALE=19000         connections of the scale run (e); 0 skips it (the machine's descriptor limit is 20,000)
#   BENCH_SCALE_BATCH=500     connections opened per batch in the scale run
#   BENCH_JMH=1               0 skips the JMH framer benchmarks
#   BENCH_SCENARIOS="a b c d f"
#   BENCH_CONNECT=1           0 leaves (f) out (of BENCH_SCENARIOS too), and with it tcpgate-admission, tcpgate-tls and
#                             direct-tls; (f) adds about 3 minutes (3 rounds x 5 servers x 7 s, the warm-ups, and
#                             2 s more for each TLS run, in which the client JVM warms up its own TLS crypto first)
#   BENCH_CONNECT_LOOPS=50    concurrent client loops of (f), each a thread with blocking sockets. Every socket is
#                             closed with SO_LINGER 0 (a RST): closing first with a FIN would leave each client port in
#                             TIME_WAIT for 60 s, and thousands of connections a second exhaust the ephemeral ports
#                             (net.ipv4.ip_local_port_range, ~28,000 by default) within seconds. TLS handshakes are all
#                             full ones (no resumption). Before the rounds each server of (f) gets connect load for
#                             half of BENCH_SERVER_WARMUP.
#                             (f) needs openssl: run.sh makes a self-signed P-256 certificate for 127.0.0.1 in
#                             target/bench/<run>/tls/ for direct-tls and the tcpgate TLS variants.
#   BENCH_SERVER_JAVA_OPTS    JVM flags of every server (default: -Xms256m -Xmx1g, G1)
#   BENCH_CLIENT_JAVA_OPTS    JVM flags of the load generator (default: -Xmx1g -XX:+UseSerialGC)
#   BENCH_CLIENT_THREADS=1    selector threads of the load generator
#   BENCH_RETRY_OTHER=0.5     a measured run during which other processes used more than this many cores is run
#   BENCH_RETRIES=12          once more, up to this many times in all (the machine may be shared); the disturbed
#                             results are kept in disturbed.jsonl
#   TCPGATE_JAVA_OPTS         extra JVM flags for the tcpgate variants (not the reference servers), e.g.
#                             -XX:StartFlightRecording=duration=30s,filename=/tmp/tcpgate.jfr,settings=profile
#                             (tcpgate reads TCPGATE_* variables as config overrides, so this script starts it
#                             without any TCPGATE_* variable in its environment, nor LOG_FORMAT/LOG_LEVEL)
#   BENCH_TCPGATE_SERVERS     the tcpgate variants of scenarios a-d, f: space-separated NAME=CONFIG[@JAR][+OPTION...]
#                             (NAME of letters, digits, - and _; paths relative to the repository, without '+'; JAR
#                             defaults to target/tcpgate.jar). Every config has listeners lines and binary on
#                             127.0.0.1 port 0 in front of an echo worker: the built-in one, or one behind the bridge
#                             (+node). A config containing the placeholders @BENCH_TLS_CERT@ and @BENCH_TLS_KEY@ (in
#                             its listeners' "tls") is a TLS variant: run.sh copies it into the run's directory with
#                             the paths of the run's certificate filled in and starts tcpgate on the copy; it runs (f)
#                             only, against direct-tls (the other scenarios' load generator speaks plain TCP). Options:
#       +node                 no worker in the JVM: once tcpgate has logged "event-bus bridge on 127.0.0.1:PORT", start
#                             `node bench/node-echo-worker.js` (TCPGATE_BRIDGE_PORT=PORT, WORKER_ADDRESS=the listeners'
#                             address), wait for its "ready", measure its CPU per request apart (LoadGenerator
#                             --worker-pid; NAME-node.log) and stop it at exit. Needs node (NODE=/path/to/node)
#       +scenarios=LETTERS    run only these of BENCH_SCENARIOS (e.g. scenarios=ab, scenarios=f); a variant with none
#                             of them in this run is not started. A variant without it runs every scenario, (f)
#                             included
#       +vs=NAME              the in-JVM variant the report compares a +node variant with (default:
#                             tcpgate-parallel-string if in the list, else tcpgate-parallel)
#                             The default list:
#     tcpgate=bench/tcpgate-bench.json                echo as one worker-thread instance (the issue's "event-bus
#                                                     route to a worker verticle", set up like naive's consumer),
#                                                     dispatch ordered: the file has no "dispatch" key, ordered being
#                                                     the default, so that a jar built before dispatch existed (it
#                                                     rejects unknown keys) can run it too
#     tcpgate-parallel=bench/tcpgate-bench-parallel.json+scenarios=abcd   the same with "dispatch": "parallel"
#     tcpgate-el=bench/tcpgate-bench-eventloop.json+scenarios=abcd   echo on 4 event-loop instances, like
#                                                     conf/config.json; ordered
#     tcpgate-pinned=bench/tcpgate-bench-pinned.json+scenarios=abcd  the same with "dispatch": "pinned"
#                                                     (the dispatch modes differ in how frames reach the worker, not
#                                                     in what accepting a connection costs: tcpgate alone stands for
#                                                     them in (f))
#     tcpgate-pinned-nio=bench/tcpgate-bench-pinned-nio.json+scenarios=ab  tcpgate-pinned on the NIO transport
#                                                     ("transport": "nio"; the others run on epoll, the default
#                                                     where it loads): the transports compared in the same run
#     tcpgate-admission=bench/tcpgate-bench-admission.json+scenarios=f
#                                                     tcpgate with "admission" on its listeners: connection limits,
#                                                     per-IP limits, connect-rate buckets and six allow/deny rules
#                                                     (127.0.0.1 matches the fourth), all set so that nothing is
#                                                     refused but every check runs
#     tcpgate-tls=bench/tcpgate-bench-tls.json        tcpgate with "tls" on its listeners (the run's certificate)
#     tcpgate-parallel-string=bench/tcpgate-bench-parallel-string.json+scenarios=ab
#                                                     tcpgate-parallel with "body": "string", as bridge workers want
#     tcpgate-node=bench/tcpgate-bench-bridge.json+node+scenarios=ab+vs=tcpgate-parallel-string
#                                                     the same listeners (string bodies, parallel dispatch) served by
#                                                     the Node echo worker through the bridge; these two add about
#                                                     2.5 minutes (BENCH_NODE=0 leaves both out; so does a machine
#                                                     without node, with a warning)
#                             The Node worker against the in-JVM one (and direct, naive) alone, in about 5 minutes:
#                               BENCH_SCENARIOS="a b" BENCH_SCALE=0 BENCH_JMH=0 BENCH_OUT=/tmp/bench-node.md \
#                               BENCH_TCPGATE_SERVERS="tcpgate-parallel-string=bench/tcpgate-bench-parallel-string.json \
#                                 tcpgate-node=bench/tcpgate-bench-bridge.json+node" bash bench/run.sh
#                             A before/after comparison in one sitting adds an older build of tcpgate to the list:
#                               BENCH_TCPGATE_SERVERS="tcpgate=bench/tcpgate-bench.json \
#                                 tcpgate-before=bench/tcpgate-bench.json@/tmp/before/tcpgate.jar"
#                             The Node pair is left out of the default list by BENCH_NODE=0, the (f) pair by
#                             BENCH_CONNECT=0. The connect rate alone, in about 3 minutes:
#                               BENCH_SCENARIOS=f BENCH_SCALE=0 BENCH_JMH=0 BENCH_OUT=/tmp/bench-connect.md \
#                                 bash bench/run.sh
#                             The scale run (e) and profile mode use the variant named tcpgate (if the list has none:
#                             BENCH_TCPGATE_CONF on target/tcpgate.jar).
#   BENCH_TCPGATE_CONF=bench/tcpgate-bench.json, BENCH_TCPGATE_EL_CONF=bench/tcpgate-bench-eventloop.json
#                             the configs of tcpgate and tcpgate-el in the default list (an empty
#                             BENCH_TCPGATE_EL_CONF leaves tcpgate-el out)
#   BENCH_NODE=1              0 leaves tcpgate-parallel-string and tcpgate-node out of the default list
#   BENCH_OUT=docs/BENCHMARKS.md
#   profile mode: BENCH_PROFILE_SCENARIO=a, BENCH_PROFILE_WARMUP=30, BENCH_PROFILE_SECONDS=30 (the summarised window), BENCH_JFR=/tmp/tcpgate.jfr,
#                 BENCH_JFR_PERIOD="5 ms" (Java execution sampling period; JFR's "profile" settings use 10 ms)
#   MVN=mvn MVN_FLAGS="-B -q"  used only to build what is missing (the jar, test classes, target/bench.cp)
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
MODE=${1:-full}
case "$MODE" in
  full|profile) ;;
  -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "usage: bench/run.sh [full|profile]" >&2; exit 2 ;;
esac

ROUNDS=${BENCH_ROUNDS:-3}
WARMUP=${BENCH_WARMUP:-2}
DURATION=${BENCH_DURATION:-5}
SERVER_WARMUP=${BENCH_SERVER_WARMUP:-10}
SCALE=${BENCH_SCALE:-19000}
SCALE_BATCH=${BENCH_SCALE_BATCH:-500}
SCALE_SETTLE=2
SCALE_TRAFFIC=10
RUN_JMH=${BENCH_JMH:-1}
SCENARIOS=${BENCH_SCENARIOS:-"a b c d f"}
CONNECT=${BENCH_CONNECT:-1}
CONNECT_LOOPS=${BENCH_CONNECT_LOOPS:-50}
if [ "$CONNECT" = 0 ]; then
  SCENARIOS=$(printf '%s\n' $SCENARIOS | grep -vx f | tr '\n' ' ' || true)
fi
SERVER_JAVA_OPTS=${BENCH_SERVER_JAVA_OPTS:-"-Xms256m -Xmx1g"}
CLIENT_JAVA_OPTS=${BENCH_CLIENT_JAVA_OPTS:-"-Xmx1g -XX:+UseSerialGC"}
CLIENT_THREADS=${BENCH_CLIENT_THREADS:-1}
RETRIES=${BENCH_RETRIES:-12}
RETRY_OTHER=${BENCH_RETRY_OTHER:-0.5}
TCPGATE_EXTRA=${TCPGATE_JAVA_OPTS:-}
OUT_MD=${BENCH_OUT:-docs/BENCHMARKS.md}
PROFILE_SCENARIO=${BENCH_PROFILE_SCENARIO:-a}
PROFILE_WARMUP=${BENCH_PROFILE_WARMUP:-30}
PROFILE_SECONDS=${BENCH_PROFILE_SECONDS:-30}
JFR_FILE=${BENCH_JFR:-/tmp/tcpgate.jfr}
JFR_PERIOD=${BENCH_JFR_PERIOD:-"5 ms"}
MVN=${MVN:-mvn}
MVN_FLAGS=${MVN_FLAGS:-"-B -q"}
JAVA=${JAVA:-java}
CONF=${BENCH_TCPGATE_CONF:-bench/tcpgate-bench.json}
EL_CONF=${BENCH_TCPGATE_EL_CONF-bench/tcpgate-bench-eventloop.json}
DEFAULT_JAR=target/tcpgate.jar
NODE_PAIR=${BENCH_NODE:-1}
NODE=${NODE:-node}
NODE_WORKER=bench/node-echo-worker.js
# the Node worker behind the bridge, and its in-JVM twin, in scenarios (a) and (b) of the default list
NODE_DEFAULTS="tcpgate-parallel-string=bench/tcpgate-bench-parallel-string.json+scenarios=ab
  tcpgate-node=bench/tcpgate-bench-bridge.json+node+scenarios=ab+vs=tcpgate-parallel-string"
if [ "$NODE_PAIR" != 1 ]; then
  NODE_DEFAULTS=""
elif [ -z "${BENCH_TCPGATE_SERVERS:-}" ] && ! command -v "$NODE" >/dev/null; then
  printf '%s %s\n' "$(date +%H:%M:%S)" "WARNING: no $NODE on the PATH: the default list leaves out tcpgate-node and \
tcpgate-parallel-string (BENCH_NODE=0 says so without this warning)" >&2
  NODE_DEFAULTS=""
fi
# admission and TLS in the connect-rate scenario (f)
CONNECT_DEFAULTS="tcpgate-admission=bench/tcpgate-bench-admission.json+scenarios=f
  tcpgate-tls=bench/tcpgate-bench-tls.json"
[ "$CONNECT" = 0 ] && CONNECT_DEFAULTS=""
TCPGATE_SERVERS=${BENCH_TCPGATE_SERVERS:-"tcpgate=$CONF tcpgate-parallel=bench/tcpgate-bench-parallel.json+scenarios=abcd
  ${EL_CONF:+tcpgate-el=$EL_CONF+scenarios=abcd} tcpgate-pinned=bench/tcpgate-bench-pinned.json+scenarios=abcd
  tcpgate-pinned-nio=bench/tcpgate-bench-pinned-nio.json+scenarios=ab
  $NODE_DEFAULTS $CONNECT_DEFAULTS"}

# the standard scenarios: load-generator arguments, and which framing (port) they use
declare -A SC_ARGS=(
  [a]="--connections 50 --pipeline 16 --size 16 --framing lines"
  [b]="--connections 50 --pipeline 1 --size 16 --framing lines"
  [c]="--connections 1000 --pipeline 1 --size 16 --framing lines"
  [d]="--connections 50 --pipeline 1 --size 4096 --framing length-prefixed"
)
declare -A SC_FRAMING=([a]=lines [b]=lines [c]=lines [d]=length-prefixed)
# (f), the connect rate: one line frame per connection, then a close (LoadGenerator --connect-rate; TLS servers get
# --tls-trust from load())
SC_ARGS[f]="--connect-rate --connections $CONNECT_LOOPS --size 16 --framing lines"
SC_FRAMING[f]=lines
for sc in $SCENARIOS; do
  [ -n "${SC_ARGS[$sc]:-}" ] || { echo "BENCH_SCENARIOS: unknown scenario '$sc' (a b c d f)" >&2; exit 2; }
done
[ "$MODE" != full ] || [ -n "${SCENARIOS// /}" ] \
  || { echo "BENCH_SCENARIOS names no scenario (BENCH_CONNECT=0 took f out of '${BENCH_SCENARIOS:-}')" >&2; exit 2; }

# in_run SCENARIO: whether this run has that scenario
in_run() {
  [[ " $SCENARIOS " == *" $1 "* ]]
}
# whether it has any of the request scenarios a-d (a run of (f) alone starts no naive, nor length-prefixed ports)
ABCD=0
for sc in a b c d; do
  in_run "$sc" && ABCD=1
done

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# the tcpgate variants: names in the order given, and each one's config, jar, options (+node, +scenarios=, +vs=)
TG_NAMES=()
declare -A TG_CONF=() TG_JAR=() TG_NODE=() TG_SCENARIOS=() TG_VS=() TG_TLS=() TG_RUNCONF=()
for entry in $TCPGATE_SERVERS; do
  name=${entry%%=*}
  spec=${entry#*=}
  [[ "$entry" == *=?* && "$name" =~ ^[A-Za-z0-9][A-Za-z0-9_-]*$ ]] \
    || die "BENCH_TCPGATE_SERVERS: '$entry' is not NAME=CONFIG[@JAR][+OPTION...] (NAME of letters, digits, - and _)"
  case "$name" in direct|naive|direct-tls) die "BENCH_TCPGATE_SERVERS: '$name' is a reference server's name" ;; esac
  [ -z "${TG_CONF[$name]:-}" ] || die "BENCH_TCPGATE_SERVERS: '$name' is named twice"
  IFS=+ read -r -a parts <<< "$spec"
  for option in "${parts[@]:1}"; do
    case "$option" in
      node) TG_NODE[$name]=1 ;;
      scenarios=*)
        [[ "${option#scenarios=}" =~ ^[a-df]+$ ]] \
          || die "BENCH_TCPGATE_SERVERS: $name: '$option' wants scenario letters (a-d, f), e.g. scenarios=ab"
        TG_SCENARIOS[$name]=${option#scenarios=} ;;
      vs=?*) TG_VS[$name]=${option#vs=} ;;
      *) die "BENCH_TCPGATE_SERVERS: $name: unknown option '+$option' (node, scenarios=LETTERS, vs=NAME)" ;;
    esac
  done
  spec=${parts[0]}
  TG_CONF[$name]=${spec%%@*}
  TG_JAR[$name]=$DEFAULT_JAR
  [[ "$spec" == *@* ]] && TG_JAR[$name]=${spec#*@}
  [ -f "${TG_CONF[$name]}" ] || die "BENCH_TCPGATE_SERVERS: $name's config ${TG_CONF[$name]} does not exist"
  # a config with the certificate placeholders is a TLS variant, for (f) only: the other scenarios speak plain TCP
  if grep -q '@BENCH_TLS_CERT@' "${TG_CONF[$name]}"; then
    [[ "${TG_SCENARIOS[$name]:-f}" == f ]] \
      || die "BENCH_TCPGATE_SERVERS: $name is a TLS variant (its config has @BENCH_TLS_CERT@): it runs (f) only"
    [ -z "${TG_NODE[$name]:-}" ] || die "BENCH_TCPGATE_SERVERS: $name: a TLS variant cannot be +node"
    TG_SCENARIOS[$name]=f
    TG_TLS[$name]=1
  fi
  # a variant none of whose scenarios is in this run is not started at all
  if [ -n "${TG_SCENARIOS[$name]:-}" ]; then
    keep=""
    for sc in $SCENARIOS; do
      [[ "${TG_SCENARIOS[$name]}" == *"$sc"* ]] && keep=1
    done
    if [ -z "$keep" ]; then
      log "leaving out $name: it runs scenarios ${TG_SCENARIOS[$name]} only, this run ($SCENARIOS) none of them"
      unset "TG_CONF[$name]" "TG_NODE[$name]" "TG_SCENARIOS[$name]" "TG_VS[$name]" "TG_TLS[$name]"
      continue
    fi
  fi
  TG_NAMES+=("$name")
done
[ "${#TG_NAMES[@]}" -gt 0 ] || die "BENCH_TCPGATE_SERVERS names no tcpgate variant"
# the in-JVM variant a +node variant is compared with in the report: its vs=, else the string-body twin, else parallel
for name in "${!TG_NODE[@]}"; do
  if [ -z "${TG_VS[$name]:-}" ]; then
    for ref in tcpgate-parallel-string tcpgate-parallel; do
      if [ -n "${TG_CONF[$ref]:-}" ]; then
        TG_VS[$name]=$ref
        break
      fi
    done
  elif [ -z "${TG_CONF[${TG_VS[$name]}]:-}" ]; then
    log "WARNING: $name is compared with ${TG_VS[$name]}, which is not in this run: the report will have no ratio"
  fi
done
if [ "${#TG_NODE[@]}" -gt 0 ]; then
  command -v "$NODE" >/dev/null || die "no $NODE on the PATH for ${!TG_NODE[*]} (NODE=/path/to/node names one)"
fi
TG_NAMES_HAS_TCPGATE=${TG_CONF[tcpgate]:+1}
if [ -z "$TG_NAMES_HAS_TCPGATE" ]; then
  TG_CONF[tcpgate]=$CONF
  TG_JAR[tcpgate]=$DEFAULT_JAR
fi
SERVERS=("${TG_NAMES[@]}" direct)
[ "$ABCD" = 0 ] || SERVERS+=(naive)
if [ "$MODE" = full ] && in_run f; then
  SERVERS+=(direct-tls)
  command -v openssl >/dev/null || die "scenario (f) needs openssl, to make the TLS certificate of direct-tls and the" \
    "tcpgate TLS variants: install it (e.g. apt-get install openssl), or leave (f) out with BENCH_CONNECT=0"
fi

# --- build what is missing ----------------------------------------------------------------------------------------
if [ ! -f "$DEFAULT_JAR" ] || [ ! -f target/test-classes/io/tcpgate/bench/LoadGenerator.class ] \
   || [ ! -f target/test-classes/META-INF/BenchmarkList ]; then
  log "building target/tcpgate.jar and the test classes"
  # shellcheck disable=SC2086
  $MVN $MVN_FLAGS -DskipTests package
fi
if [ ! -s target/bench.cp ] || [ pom.xml -nt target/bench.cp ]; then
  # shellcheck disable=SC2086
  $MVN $MVN_FLAGS dependency:build-classpath -Dmdep.outputFile=target/bench.cp -Dmdep.includeScope=test >/dev/null
fi
CP="target/test-classes:target/classes:$(cat target/bench.cp)"
for name in "${!TG_JAR[@]}"; do
  [ -f "${TG_JAR[$name]}" ] || die "no jar ${TG_JAR[$name]} for tcpgate variant $name"
done

OUT="target/bench/$(date +%Y%m%d-%H%M%S)-$MODE"
mkdir -p "$OUT"
ln -sfn "$(basename "$OUT")" target/bench/latest
: > "$OUT/commands.txt"
: > "$OUT/results.jsonl"
: > "$OUT/connect.jsonl"
: > "$OUT/scale.jsonl"
: > "$OUT/disturbed.jsonl"

# (f)'s TLS servers: a self-signed P-256 certificate for 127.0.0.1, made for this run and kept in its directory only
# (target/ is not committed); each TLS variant's config is copied next to it with the paths filled in
TLS_CERT=""
TLS_KEY=""
if [ "$MODE" = full ] && in_run f; then
  mkdir -p "$OUT/tls"
  TLS_CERT="$ROOT/$OUT/tls/cert.pem"
  TLS_KEY="$ROOT/$OUT/tls/key.pem"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=localhost \
    -addext subjectAltName=IP:127.0.0.1 -keyout "$TLS_KEY" -out "$TLS_CERT" >"$OUT/tls/openssl.log" 2>&1 \
    || { cat "$OUT/tls/openssl.log" >&2; die "openssl could not make the TLS certificate of (f)"; }
  chmod 600 "$TLS_KEY"
  for name in "${!TG_TLS[@]}"; do
    # the paths as sed replacements: \, & and the delimiter | escaped
    cert_sed=${TLS_CERT//\\/\\\\}; cert_sed=${cert_sed//&/\\&}; cert_sed=${cert_sed//|/\\|}
    key_sed=${TLS_KEY//\\/\\\\}; key_sed=${key_sed//&/\\&}; key_sed=${key_sed//|/\\|}
    TG_RUNCONF[$name]="$OUT/$name.json"
    sed -e "s|@BENCH_TLS_CERT@|$cert_sed|g" -e "s|@BENCH_TLS_KEY@|$key_sed|g" "${TG_CONF[$name]}" \
      > "${TG_RUNCONF[$name]}"
    ! grep -q '@BENCH_TLS_' "${TG_RUNCONF[$name]}" \
      || die "$name: ${TG_CONF[$name]} has a @BENCH_TLS_...@ placeholder other than @BENCH_TLS_CERT@ and @BENCH_TLS_KEY@"
  done
fi

# records a command for the report, with the classpath shortened to $CP
record() {
  local line="" arg
  for arg in "$@"; do
    if [[ "$arg" =~ [^A-Za-z0-9_./:=,@%+-] ]]; then
      arg="'$arg'"
    fi
    line+="${line:+ }$arg"
  done
  line=${line//"$CP"/\$CP}
  # the run's certificate and TLS configs, relative to the repository like everything else here
  line=${line//"$ROOT/"/}
  printf '%s\n' "$line" >> "$OUT/commands.txt"
}

# --- server processes ---------------------------------------------------------------------------------------------
PIDS=()
declare -A PORT=() SPID=() WPID=()

stop_servers() {
  local pid i
  for pid in "${PIDS[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do
    for i in $(seq 1 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.2
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  PIDS=()
}
trap stop_servers EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# wait_for LOGFILE REGEX PID: until the log matches (60 s), failing if the process dies
wait_for() {
  local file=$1 regex=$2 pid=$3 i
  for i in $(seq 1 300); do
    if grep -qE "$regex" "$file" 2>/dev/null; then
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || { tail -20 "$file" >&2; die "server $pid exited before it was ready ($file)"; }
    sleep 0.2
  done
  tail -20 "$file" >&2
  die "server $pid not ready after 60 s ($file)"
}

check_alive() {
  local key=$1
  kill -0 "${SPID[$key]}" 2>/dev/null || die "server $key (pid ${SPID[$key]}) died; see $OUT/*.log"
  if [ -n "${WPID[$key]:-}" ]; then
    kill -0 "${WPID[$key]}" 2>/dev/null || die "the worker of $key (pid ${WPID[$key]}) died; see $OUT/*-node.log"
  fi
}

# runs VARIANT SCENARIO: whether the variant (or reference server) runs that scenario (its +scenarios= option; naive
# is not in (f), direct-tls in (f) only)
runs() {
  case "$1" in
    naive) [ "$2" != f ] ;;
    direct-tls) [ "$2" = f ] ;;
    *) [[ -z "${TG_SCENARIOS[$1]:-}" || "${TG_SCENARIOS[$1]}" == *"$2"* ]] ;;
  esac
}

# is_tls SERVER: whether the server speaks TLS (direct-tls, or a tcpgate variant on a templated TLS config)
is_tls() {
  [ "$1" = direct-tls ] || [ -n "${TG_TLS[$1]:-}" ]
}

# start_tcpgate NAME [LOG-SUFFIX]: the tcpgate variant NAME on its config and jar
start_tcpgate() {
  local name=$1 conf=${TG_RUNCONF[$1]:-${TG_CONF[$1]}} jar=${TG_JAR[$1]}
  local logf="$OUT/$name${2:-}.log" unset_env=() v
  # tcpgate takes every TCPGATE_* variable as a config override, and LOG_FORMAT/LOG_LEVEL would change its log
  for v in $(compgen -e); do
    case "$v" in TCPGATE_*|LOG_FORMAT|LOG_LEVEL) unset_env+=(-u "$v") ;; esac
  done
  # shellcheck disable=SC2086
  local cmd=(env "${unset_env[@]}" "$JAVA" $SERVER_JAVA_OPTS $TCPGATE_EXTRA -jar "$jar" -conf "$conf")
  record "${cmd[@]}"
  "${cmd[@]}" >"$logf" 2>&1 &
  local pid=$!
  PIDS+=("$pid")
  wait_for "$logf" "tcpgate started" "$pid"
  PORT[$name:lines]=$(grep -oE "listener 'lines' bound 127\.0\.0\.1:[0-9]+" "$logf" | head -1 | sed 's/.*://')
  PORT[$name:length-prefixed]=$(grep -oE "listener 'binary' bound 127\.0\.0\.1:[0-9]+" "$logf" | head -1 \
    | sed 's/.*://')
  TCPGATE_ADMIN=$(grep -oE "admin server on 127\.0\.0\.1:[0-9]+" "$logf" | head -1 | sed 's/.*://')
  [ -n "${PORT[$name:lines]}" ] && [ -n "${PORT[$name:length-prefixed]}" ] \
    || die "cannot read $name's ports from $logf"
  SPID[$name:lines]=$pid
  SPID[$name:length-prefixed]=$pid
  log "$name pid $pid: lines :${PORT[$name:lines]}, binary :${PORT[$name:length-prefixed]}, admin :$TCPGATE_ADMIN"
  [ -z "${TG_NODE[$name]:-}" ] || start_node_worker "$name" "$logf"
}

# start_node_worker NAME TCPGATE-LOG: bench/node-echo-worker.js on the bridge port tcpgate logged, registered for the
# listeners' address; its CPU is measured apart (LoadGenerator --worker-pid)
start_node_worker() {
  local name=$1 tg_log=$2 logf="$OUT/$1-node.log" bridge address
  bridge=$(grep -oE "event-bus bridge on 127\.0\.0\.1:[0-9]+" "$tg_log" | head -1 | sed 's/.*://')
  [ -n "$bridge" ] || die "$name is marked +node, but $tg_log has no 'event-bus bridge on 127.0.0.1:PORT' (the" \
    "bridge must be enabled on 127.0.0.1 in ${TG_CONF[$name]})"
  # the one address of the config's listeners, which the worker registers
  address=$("$NODE" -e 'const c = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const a = [...new Set((c.listeners || []).map((l) => l.address))];
    if (a.length !== 1 || typeof a[0] !== "string") {
      console.error("the listeners send to " + JSON.stringify(a));
      process.exit(1);
    }
    process.stdout.write(a[0]);' "${TG_CONF[$name]}") \
    || die "$name: the listeners of ${TG_CONF[$name]} must all send to one address, which the Node worker registers"
  local cmd=(env TCPGATE_BRIDGE_HOST=127.0.0.1 TCPGATE_BRIDGE_PORT="$bridge" WORKER_ADDRESS="$address" "$NODE"
    "$NODE_WORKER")
  record "${cmd[@]}"
  "${cmd[@]}" >"$logf" 2>&1 &
  local pid=$!
  PIDS+=("$pid")
  wait_for "$logf" "^ready$" "$pid"
  WPID[$name:lines]=$pid
  WPID[$name:length-prefixed]=$pid
  log "$name: Node worker pid $pid on bridge :$bridge, registered for $address"
}

# start_reference direct|naive|direct-tls lines|length-prefixed [LOG-SUFFIX]: direct-tls is direct on the run's
# certificate
start_reference() {
  local kind=$1 framing=$2 logf="$OUT/$1-$2${3:-}.log" server=$1 tls=()
  if [ "$kind" = direct-tls ]; then
    server=direct
    tls=(--tls-cert "$TLS_CERT" --tls-key "$TLS_KEY")
  fi
  # shellcheck disable=SC2086
  local cmd=("$JAVA" $SERVER_JAVA_OPTS -cp "$CP" io.tcpgate.bench.ReferenceServer "$server" --port 0 --framing "$framing"
    "${tls[@]}")
  record "${cmd[@]}"
  "${cmd[@]}" >"$logf" 2>&1 &
  local pid=$!
  PIDS+=("$pid")
  wait_for "$logf" "listening on [0-9]+" "$pid"
  PORT[$kind:$framing]=$(grep -oE "listening on [0-9]+" "$logf" | head -1 | awk '{print $3}')
  SPID[$kind:$framing]=$pid
  log "$kind ($framing) pid $pid: port ${PORT[$kind:$framing]}"
}

# --- load generator -----------------------------------------------------------------------------------------------
# load SERVER FRAMING RESULTFILE RECORD(0|1) ARGS...: one LoadGenerator run, its JSON line appended to RESULTFILE
load() {
  local server=$1 framing=$2 results=$3 rec=$4
  shift 4
  local key="$server:$framing" tls=()
  check_alive "$key"
  # a TLS server runs (f) only: the connect-rate client, trusting the run's certificate
  is_tls "$server" && tls=(--tls-trust "$TLS_CERT")
  # shellcheck disable=SC2086
  local cmd=("$JAVA" $CLIENT_JAVA_OPTS -cp "$CP" io.tcpgate.bench.LoadGenerator --host 127.0.0.1
    --port "${PORT[$key]}" --server-pid "${SPID[$key]}" ${WPID[$key]:+--worker-pid "${WPID[$key]}"}
    --threads "$CLIENT_THREADS" "$@" "${tls[@]}" --json)
  [ "$rec" = 1 ] && record "${cmd[@]}"
  local status=0 attempt
  for attempt in 1 2; do
    status=0
    timeout 900 "${cmd[@]}" >>"$results" 2>"$OUT/last.err" || status=$?
    cat "$OUT/last.err" >> "$OUT/client.log"
    if [ "$status" -ne 0 ]; then
      tail -5 "$OUT/last.err" >&2
      log "WARNING: load generator exited with $status ($server, $*)"
      break
    fi
    sed 's/^/    /' "$OUT/last.err" >&2
    # a measured run during which other processes took a good share of the machine is run once more
    if [ "$attempt" = 1 ] && { [ "$results" = "$OUT/results.jsonl" ] || [ "$results" = "$OUT/connect.jsonl" ]; } \
       && [ "$RETRIES" -gt 0 ] \
       && disturbed "$(tail -1 "$results")"; then
      RETRIES=$((RETRIES - 1))
      log "other processes used > $RETRY_OTHER cores during that window: running it again ($RETRIES retries left)"
      tail -1 "$results" >> "$OUT/disturbed.jsonl"
      sed -i '$d' "$results"
      continue
    fi
    break
  done
  check_alive "$key"
}

# disturbed JSON-LINE: whether otherCores in a LoadGenerator result exceeds RETRY_OTHER
disturbed() {
  local other
  other=$(printf '%s' "$1" | grep -oE '"otherCores":[0-9.]+' | cut -d: -f2)
  [ -n "$other" ] && awk -v o="$other" -v t="$RETRY_OTHER" 'BEGIN { exit !(o > t) }'
}

describe_machine() {
  date -u '+%Y-%m-%d %H:%M UTC' > "$OUT/date.txt"
  nproc > "$OUT/nproc.txt"
  free -h > "$OUT/free.txt"
  "$JAVA" -version > "$OUT/java-version.txt" 2>&1
  uname -srm > "$OUT/uname.txt"
  cut -d' ' -f1-3 /proc/loadavg > "$OUT/loadavg-start.txt"
  {
    echo "rounds=$ROUNDS"
    echo "warmup=$WARMUP"
    echo "duration=$DURATION"
    echo "server_warmup=$SERVER_WARMUP"
    echo "scale=$SCALE"
    echo "scale_batch=$SCALE_BATCH"
    echo "scale_settle=$SCALE_SETTLE"
    echo "scale_traffic_frames=$SCALE_TRAFFIC"
    echo "server_java_opts=$SERVER_JAVA_OPTS"
    echo "client_java_opts=$CLIENT_JAVA_OPTS"
    echo "client_threads=$CLIENT_THREADS"
    echo "retry_other=$RETRY_OTHER"
    echo "retries=$RETRIES"
    echo "tcpgate_extra_opts=$TCPGATE_EXTRA"
    echo "scenarios=$SCENARIOS"
    if [ -n "$TLS_CERT" ]; then
      echo "connect_loops=$CONNECT_LOOPS"
      echo "connect_close=rst"
      echo "tls_cert=ECDSA P-256, CN=localhost, subjectAltName IP:127.0.0.1, made by $(openssl version | cut -d' ' -f1-2)"
    fi
    echo "source=$(git describe --always --dirty 2>/dev/null || echo unknown)"
    echo "tcpgate_servers=${TG_NAMES[*]}"
    # the variants in the order given, then tcpgate if the list has none (the scale run and profile mode use it)
    local name names=("${TG_NAMES[@]}")
    [ -n "$TG_NAMES_HAS_TCPGATE" ] || names+=(tcpgate)
    for name in "${names[@]}"; do
      echo "tcpgate.$name.conf=${TG_CONF[$name]}"
      echo "tcpgate.$name.jar=${TG_JAR[$name]}"
      echo "tcpgate.$name.jar_sha256=$(sha256sum "${TG_JAR[$name]}" | cut -c1-12)"
      [ -z "${TG_SCENARIOS[$name]:-}" ] || echo "tcpgate.$name.scenarios=${TG_SCENARIOS[$name]}"
      [ -z "${TG_TLS[$name]:-}" ] || echo "tcpgate.$name.tls=${TG_RUNCONF[$name]:-}"
      if [ -n "${TG_NODE[$name]:-}" ]; then
        echo "tcpgate.$name.worker=node $NODE_WORKER"
        echo "tcpgate.$name.vs=${TG_VS[$name]:-}"
      fi
    done
    [ "${#TG_NODE[@]}" -eq 0 ] || echo "node_version=$("$NODE" --version)"
  } > "$OUT/settings.txt"
}

# --- profile mode ---------------------------------------------------------------------------------------------------
if [ "$MODE" = profile ]; then
  RETRIES=0 # the recording spans the whole load: a repeated run would be in it twice
  describe_machine
  user_jfr=0
  case "$TCPGATE_EXTRA" in *StartFlightRecording*) user_jfr=1 ;; esac
  # attribute samples in inlined code to the right method, and keep deep stacks whole
  TCPGATE_EXTRA="$TCPGATE_EXTRA -XX:+UnlockDiagnosticVMOptions -XX:+DebugNonSafepoints -XX:FlightRecorderOptions:stackdepth=256"
  start_tcpgate tcpgate
  pid=${SPID[tcpgate:lines]}
  # shellcheck disable=SC2086
  if [ "$user_jfr" = 1 ]; then
    # the recording runs from JVM start as the flags say: keep it under load until it ends
    JFR_FILE=$(printf '%s' "$TCPGATE_EXTRA" | grep -oE 'filename=[^, ]+' | head -1 | sed 's/filename=//')
    JFR_FILE=${JFR_FILE:-/tmp/tcpgate.jfr}
    log "profile: recording from JVM start (TCPGATE_JAVA_OPTS); scenario ($PROFILE_SCENARIO) for ${PROFILE_SECONDS} s, no warmup"
    load tcpgate "${SC_FRAMING[$PROFILE_SCENARIO]}" "$OUT/results.jsonl" 1 ${SC_ARGS[$PROFILE_SCENARIO]} --warmup 0 --duration "$PROFILE_SECONDS" \
      --server-threads --label "scenario=$PROFILE_SCENARIO,server=tcpgate,round=profile"
    sleep 3
  else
    # JFR's own "profile" settings, with a shorter execution-sampling period for more samples
    java_home=$("$JAVA" -XshowSettings:properties -version 2>&1 | awk '/java.home =/ {print $3}')
    jfc="$ROOT/$OUT/bench-profile.jfc"
    perl -0pe 's{(<event name="jdk.ExecutionSample">.*?<setting name="period"[^>]*>)[^<]*}{${1}'"$JFR_PERIOD"'}s' \
      "$java_home/lib/jfr/profile.jfc" > "$jfc"
    # JFR starts before the warmup: starting a recording instruments JDK classes and sends the JIT back to work
    # for a while; only the measured window after the warmup is summarised (JfrTop reads it from the load result)
    log "profile: JFR (profile settings, Java samples every $JFR_PERIOD) from now; scenario ($PROFILE_SCENARIO) with" \
      "${PROFILE_WARMUP} s warmup, then a ${PROFILE_SECONDS} s measured window"
    rm -f "$JFR_FILE"
    record jcmd "$pid" JFR.start name=bench settings="$jfc"
    jcmd "$pid" JFR.start name=bench settings="$jfc" >/dev/null
    load tcpgate "${SC_FRAMING[$PROFILE_SCENARIO]}" "$OUT/results.jsonl" 1 ${SC_ARGS[$PROFILE_SCENARIO]} \
      --warmup "$PROFILE_WARMUP" --duration "$PROFILE_SECONDS" \
      --server-threads --label "scenario=$PROFILE_SCENARIO,server=tcpgate,round=profile"
    record jcmd "$pid" JFR.stop name=bench filename="$JFR_FILE"
    jcmd "$pid" JFR.stop name=bench filename="$JFR_FILE" >/dev/null
  fi
  [ -s "$JFR_FILE" ] || die "no recording at $JFR_FILE"
  jfrtop=("$JAVA" -cp "$CP" io.tcpgate.bench.JfrTop "$JFR_FILE" --top 15 --inclusive 30 --load "$OUT/results.jsonl")
  record "${jfrtop[@]}"
  {
    echo "# tcpgate CPU profile, scenario ($PROFILE_SCENARIO)"
    echo
    echo "Written by \`bench/run.sh profile\` on $(date -u '+%Y-%m-%d %H:%M UTC') ($(nproc) cores, load average at the"
    echo "start $(cat "$OUT/loadavg-start.txt"))."
    echo "JFR's execution samples only see threads running Java code: system CPU (socket reads and writes, epoll),"
    echo "GC and JIT threads are not in the sampled tables; the per-thread table below, read from /proc, has all of it."
    echo
    "${jfrtop[@]}"
    echo "Commands:"
    echo
    echo '```'
    cat "$OUT/commands.txt"
    echo '```'
  } > "$OUT/profile.md"
  cat "$OUT/profile.md"
  log "profile: $OUT/profile.md, recording $JFR_FILE; took ${SECONDS} s"
  exit 0
fi

# --- the standard run ---------------------------------------------------------------------------------------------
log "results in $OUT; $ROUNDS rounds x scenarios ($SCENARIOS) x ${SERVERS[*]}, ${WARMUP}+${DURATION} s each"
describe_machine
echo "CP=target/test-classes:target/classes:\$(cat target/bench.cp)" >> "$OUT/commands.txt"

for s in "${TG_NAMES[@]}"; do
  start_tcpgate "$s"
done
start_reference direct lines
if [ "$ABCD" = 1 ]; then
  start_reference naive lines
  start_reference direct length-prefixed
  start_reference naive length-prefixed
fi
if in_run f; then
  start_reference direct-tls lines
fi

log "warming up every server: ${SERVER_WARMUP} s per port of request load for a-d, half that of connect load for (f)"
for s in "${SERVERS[@]}"; do
  # a variant whose scenarios (+scenarios=) use one port only gets both warm-ups' time on that port: its JIT needs
  # the same load as the others' before its throughput settles
  lines=0
  binary=0
  if [ "$ABCD" = 1 ]; then
    { runs "$s" a || runs "$s" b || runs "$s" c; } && lines=1
    runs "$s" d && binary=1
  fi
  if [ "$lines" = 1 ]; then
    seconds=$(awk -v w="$SERVER_WARMUP" -v k=$((2 - binary)) 'BEGIN { print w * k }')
    # shellcheck disable=SC2086
    load "$s" lines "$OUT/warmup.jsonl" 0 ${SC_ARGS[a]} --warmup 0 --duration "$seconds" \
      --label scenario=warmup,server="$s"
  fi
  if [ "$binary" = 1 ]; then
    seconds=$(awk -v w="$SERVER_WARMUP" -v k=$((2 - lines)) 'BEGIN { print w * k }')
    # shellcheck disable=SC2086
    load "$s" length-prefixed "$OUT/warmup.jsonl" 0 ${SC_ARGS[d]} --warmup 0 --duration "$seconds" \
      --label scenario=warmup,server="$s"
  fi
  # (f)'s path, accept to close (TLS handshakes included), for half the time, which keeps (f) at about 3 minutes;
  # every run of (f) has its own warm-up besides, and the rounds rotate the order
  if in_run f && runs "$s" f; then
    seconds=$(awk -v w="$SERVER_WARMUP" 'BEGIN { print w / 2 }')
    if awk -v s="$seconds" 'BEGIN { exit !(s >= 0.1) }'; then
      # shellcheck disable=SC2086
      load "$s" lines "$OUT/warmup.jsonl" 0 ${SC_ARGS[f]} --warmup 0 --duration "$seconds" \
        --label scenario=f-warmup,server="$s"
    fi
  fi
done

for round in $(seq 1 "$ROUNDS"); do
  offset=$(( (round - 1) % ${#SERVERS[@]} ))
  order=("${SERVERS[@]:$offset}" "${SERVERS[@]:0:$offset}")
  [ "$round" = 2 ] && echo "# rounds 2..$ROUNDS repeat these load commands, the servers in rotated order" \
    >> "$OUT/commands.txt"
  for sc in $SCENARIOS; do
    for s in "${order[@]}"; do
      runs "$s" "$sc" || continue
      log "round $round/$ROUNDS scenario $sc: $s"
      results="$OUT/results.jsonl"
      [ "$sc" = f ] && results="$OUT/connect.jsonl"
      # shellcheck disable=SC2086
      load "$s" "${SC_FRAMING[$sc]}" "$results" "$([ "$round" = 1 ] && echo 1 || echo 0)" \
        ${SC_ARGS[$sc]} --warmup "$WARMUP" --duration "$DURATION" --label "scenario=$sc,server=$s,round=$round"
    done
  done
done

log "stopping the servers"
stop_servers

# (e) on a fresh process per server: the RSS a connection adds is measured from a JVM that has not yet touched more
# heap than its start-up needs (on a warm JVM new connections reuse resident heap pages and RSS under-counts them)
if [ "$SCALE" -gt 0 ]; then
  echo "# (e): a fresh process of each server" >> "$OUT/commands.txt"
  # the other variants differ from tcpgate in where the echo worker runs and how frames reach it, not in what an idle
  # connection holds
  for s in tcpgate direct naive; do
    log "scale (e): a fresh $s, $SCALE idle connections"
    extra=()
    if [ "$s" = tcpgate ]; then
      start_tcpgate tcpgate -scale
      extra=(--admin-port "$TCPGATE_ADMIN")
    else
      start_reference "$s" lines -scale
    fi
    # load the classes of the connection path with little allocation, so the baseline is not a cold JVM
    load "$s" lines "$OUT/warmup.jsonl" 1 --connections 4 --pipeline 1 --requests 2000 --warmup 0 \
      --label scenario=e-warmup,server="$s"
    load "$s" lines "$OUT/scale.jsonl" 1 --scale "$SCALE" --batch "$SCALE_BATCH" --settle "$SCALE_SETTLE" \
      --traffic-frames "$SCALE_TRAFFIC" "${extra[@]}" --label "scenario=e,server=$s"
    stop_servers
  done
fi

if [ "$RUN_JMH" = 1 ]; then
  log "JMH: FramerBenchmark (4 kinds) and FrameCopyBaseline, -prof gc"
  jmh=("$JAVA" -cp "$CP" org.openjdk.jmh.Main 'io.tcpgate.bench.(FramerBenchmark|FrameCopyBaseline)' -prof gc
    -rf json -rff "$OUT/jmh.json")
  record "${jmh[@]}"
  timeout 600 "${jmh[@]}" > "$OUT/jmh.log" 2>&1 || { tail -30 "$OUT/jmh.log" >&2; die "JMH failed"; }
  grep -E '^(Benchmark|FramerBenchmark|FrameCopyBaseline)' "$OUT/jmh.log" | grep -vE 'gc\.(count|time)' >&2 || true
fi

cut -d' ' -f1-3 /proc/loadavg > "$OUT/loadavg-end.txt"
record "$JAVA" -cp "$CP" io.tcpgate.bench.BenchReport --dir "$OUT" --out "$OUT_MD" --wall-seconds '<elapsed>'
"$JAVA" -cp "$CP" io.tcpgate.bench.BenchReport --dir "$OUT" --out "$OUT_MD" --wall-seconds "$SECONDS" > /dev/null
log "wrote $OUT_MD (raw results in $OUT); took ${SECONDS} s"
