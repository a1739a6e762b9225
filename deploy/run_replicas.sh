#!/usr/bin/env bash
# Run several replicas of the app behind HAProxy on this machine.
#
#   deploy/run_replicas.sh [-n REPLICAS] [-a LB_ADDR] [-p LB_PORT] [--ports P1,P2,...]
#                          [--dir RUN_DIR] [-- EXTRA_STREAMLIT_ARGS...]
#
# Starts REPLICAS (default 2) `streamlit run streamlit_app.py` processes, each on
# 127.0.0.1:<its port>, and HAProxy (deploy/haproxy.cfg) on LB_ADDR:LB_PORT in
# front of them. When every replica and the balancer answer /_stcore/health it
# prints one line `ready: http://LB_ADDR:LB_PORT ...`, then runs until Ctrl-C or
# SIGTERM, which stops every process it started. If HAProxy itself exits, the
# replicas are stopped too. A replica that dies is not restarted: HAProxy sends
# its users to the others (use a supervisor such as systemd or the compose file
# for restarts).
#
# Options and their environment variables (an option wins over the variable):
#   -n, --replicas N    REPLICAS       number of replicas (default 2)
#   -a, --addr ADDR     LB_ADDR        balancer address (default 127.0.0.1, this machine
#                                      only; 0.0.0.0 to serve the network)
#   -p, --port PORT     LB_PORT        balancer port (default 8080)
#   --ports P1,P2,...   REPLICA_PORTS  one port per replica (default BASE_PORT, BASE_PORT+1, ...)
#                       BASE_PORT      first replica port when no list is given (default 8501)
#   --dir DIR           RUN_DIR        where PIDs, logs and the HAProxy server list go
#                                      (default: a new directory under ${TMPDIR:-/tmp})
#                       PYTHON         interpreter with streamlit (default .venv/bin/python, else python3)
#                       HAPROXY        HAProxy binary (default: haproxy on PATH, else /usr/sbin/haproxy)
#                       START_TIMEOUT  seconds to wait for everything to be healthy (default 90)
#
# RUN_DIR holds replica-<i>.pid/.log (i = 1..N), haproxy.pid/.log and servers.cfg.
#
# Streamlit settings behind the balancer (checked in streamlit 1.67's server code):
# - The defaults stay on: server.enableCORS and server.enableXsrfProtection.
#   HAProxy forwards the Host header unchanged, so the browser's websocket Origin
#   (http://LB_ADDR:LB_PORT, or the public name) equals the Host the replica sees,
#   and Streamlit's same-origin check passes. Turning CORS protection off is not
#   needed and would admit websockets from any site.
# - XSRF is a double-submit cookie (_streamlit_xsrf): the token in the cookie is
#   compared with the copy the page sends, with no server key involved, so a
#   replica accepts a cookie that another replica set (after a redispatch).
# - server.cookieSecret signs only login cookies (st.login) and the login flow.
#   The app has no login, but all replicas get one shared secret anyway (through
#   the environment, not the command line, so `ps` does not show it), so adding a
#   login later keeps working when a user is moved to another replica. Export
#   STREAMLIT_SERVER_COOKIE_SECRET to choose it; otherwise one is drawn per run.
# - The replicas listen on 127.0.0.1 only: users reach them through HAProxy.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

replicas=${REPLICAS:-2}
lb_addr=${LB_ADDR:-127.0.0.1}
lb_port=${LB_PORT:-8080}
replica_ports=${REPLICA_PORTS:-}
base_port=${BASE_PORT:-8501}
run_dir=${RUN_DIR:-}
start_timeout=${START_TIMEOUT:-90}
extra_args=()

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; }
die() { echo "run_replicas: $*" >&2; exit 2; }

while [[ $# -gt 0 ]]; do
    case $1 in
        -n|--replicas) replicas=${2:?}; shift 2 ;;
        -a|--addr) lb_addr=${2:?}; shift 2 ;;
        -p|--port) lb_port=${2:?}; shift 2 ;;
        --ports) replica_ports=${2:?}; shift 2 ;;
        --dir) run_dir=${2:?}; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        --) shift; extra_args=("$@"); break ;;
        *) die "unknown argument '$1' (see --help)" ;;
    esac
done

is_port() { [[ $1 =~ ^[0-9]+$ ]] && (( $1 >= 1 && $1 <= 65535 )); }
[[ $replicas =~ ^[0-9]+$ ]] && (( replicas >= 1 )) || die "replicas must be a whole number >= 1, got '$replicas'"
[[ $start_timeout =~ ^[0-9]+$ ]] || die "START_TIMEOUT must be a whole number of seconds, got '$start_timeout'"
is_port "$lb_port" || die "balancer port must be 1-65535, got '$lb_port'"
if [[ -n $replica_ports ]]; then
    IFS=, read -r -a ports <<< "$replica_ports"
    (( ${#ports[@]} == replicas )) || die "--ports lists ${#ports[@]} port(s) for $replicas replica(s)"
else
    is_port "$base_port" || die "BASE_PORT must be 1-65535, got '$base_port'"
    ports=()
    for (( i = 0; i < replicas; i++ )); do ports+=($((base_port + i))); done
fi
for p in "${ports[@]}"; do
    is_port "$p" || die "replica port must be 1-65535, got '$p'"
    [[ $p != "$lb_port" ]] || die "replica port $p is also the balancer port"
done

python=${PYTHON:-}
if [[ -z $python ]]; then
    if [[ -x $ROOT/.venv/bin/python ]]; then python=$ROOT/.venv/bin/python; else python=python3; fi
fi
haproxy=${HAPROXY:-$(command -v haproxy || echo /usr/sbin/haproxy)}
[[ -x $haproxy ]] || die "HAProxy not found at '$haproxy' (apt-get install haproxy, or set HAPROXY)"

if [[ -z $run_dir ]]; then
    run_dir=$(mktemp -d "${TMPDIR:-/tmp}/streamlit-replicas.XXXXXX")
fi
mkdir -p "$run_dir"
run_dir=$(cd "$run_dir" && pwd)

if [[ -z ${STREAMLIT_SERVER_COOKIE_SECRET:-} ]]; then
    STREAMLIT_SERVER_COOKIE_SECRET=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
fi
export STREAMLIT_SERVER_COOKIE_SECRET PYTHONUNBUFFERED=1

# ------------------------------------------------------------------ stopping
pids=()
stopped=0
stop_all() {  # TERM everything we started, wait up to 10 s, then KILL what is left
    (( stopped )) && return
    stopped=1
    local pid t
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for (( t = 0; t < 100; t++ )); do
        local alive=0
        for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
        (( alive )) || break
        sleep 0.1
    done
    for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    echo "stopped (logs in $run_dir)"
}
trap 'stop_all; exit 130' INT
trap 'stop_all; exit 143' TERM
trap 'stop_all' EXIT

# ------------------------------------------------------------------ health
health_ok() {  # health_ok ADDR PORT: GET /_stcore/health answers 200 "ok"
    local reply
    reply=$(timeout 3 bash -c '
        exec 3<>"/dev/tcp/$0/$1" || exit 1
        printf "GET /_stcore/health HTTP/1.1\r\nHost: %s:%s\r\nConnection: close\r\n\r\n" "$0" "$1" >&3
        cat <&3' "$1" "$2" 2>/dev/null) || return 1
    [[ $reply == "HTTP/1."?" 200"* && $reply == *$'\r\n\r\n'ok ]]
}

# ------------------------------------------------------------------ start
# A port something already listens on would answer the health checks for a replica
# that never started (and send its traffic to the wrong server): refuse it up front.
in_use() { timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$0"' "$1" 2>/dev/null; }
for p in "${ports[@]}"; do
    ! in_use "$p" || die "port $p on 127.0.0.1 is already in use"
done
servers=$run_dir/servers.cfg
{
    echo "# Written by run_replicas.sh: the replicas of this run, for deploy/haproxy.cfg."
    echo "backend streamlit from replicas"
    for (( i = 1; i <= replicas; i++ )); do
        echo "    server app$i 127.0.0.1:${ports[i - 1]} cookie app$i"
    done
} > "$servers"
"$haproxy" -q -c -f "$ROOT/deploy/haproxy.cfg" -f "$servers" || die "HAProxy rejected the configuration"

cd "$ROOT"
for (( i = 1; i <= replicas; i++ )); do
    log=$run_dir/replica-$i.log
    cmd=("$python" -m streamlit run streamlit_app.py
         --server.headless true
         --server.address 127.0.0.1
         --server.port "${ports[i - 1]}"
         --server.fileWatcherType none
         --browser.gatherUsageStats false
         "${extra_args[@]}")
    echo "\$ ${cmd[*]}" > "$log"
    "${cmd[@]}" >> "$log" 2>&1 < /dev/null &
    pids+=($!)
    echo $! > "$run_dir/replica-$i.pid"
done

# -db: stay in the foreground (this script owns the process); the request log goes to stdout.
LB_ADDR=$lb_addr LB_PORT=$lb_port "$haproxy" -db -f "$ROOT/deploy/haproxy.cfg" -f "$servers" \
    > "$run_dir/haproxy.log" 2>&1 < /dev/null &
haproxy_pid=$!
pids+=("$haproxy_pid")
echo "$haproxy_pid" > "$run_dir/haproxy.pid"

# A wildcard address is probed on loopback.
case $lb_addr in 0.0.0.0|'*'|'') probe_addr=127.0.0.1 ;; '::') probe_addr=::1 ;; *) probe_addr=$lb_addr ;; esac

deadline=$((SECONDS + start_timeout))
pending=("${!pids[@]}")
while (( ${#pending[@]} )); do
    still=()
    for k in "${pending[@]}"; do
        pid=${pids[k]}
        if (( k < replicas )); then name="replica $((k + 1))"; addr=127.0.0.1; port=${ports[k]}; log=$run_dir/replica-$((k + 1)).log
        else name=HAProxy; addr=$probe_addr; port=$lb_port; log=$run_dir/haproxy.log; fi
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "run_replicas: $name (pid $pid) exited during start-up; end of $log:" >&2
            tail -n 20 "$log" >&2
            exit 1
        fi
        health_ok "$addr" "$port" || still+=("$k")
    done
    pending=("${still[@]}")
    (( ${#pending[@]} )) || break
    if (( SECONDS >= deadline )); then
        echo "run_replicas: not healthy after $start_timeout s: process index(es) ${pending[*]}; logs in $run_dir" >&2
        exit 1
    fi
    sleep 0.3
done

echo "ready: http://$lb_addr:$lb_port ($replicas replicas on 127.0.0.1 ports ${ports[*]}; PIDs and logs in $run_dir)"

# Run until HAProxy exits or a signal arrives (the traps stop everything).
set +e
wait "$haproxy_pid"
rc=$?
set -e
echo "run_replicas: HAProxy exited with code $rc; stopping the replicas" >&2
exit 1
