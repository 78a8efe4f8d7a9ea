# shellcheck shell=bash
# Helpers shared by the scripts that run test servers (kafka.sh, rsyslog.sh).
# Sourced, not run. The caller defines say().

# Is a socket of this protocol (tcp|udp) bound to the port on any local
# address (TCP: in LISTEN state)? Reads /proc so it needs no ss/netstat and
# sends nothing to the listener.
port_bound() {
    local proto=$1 hex state
    hex=$(printf ':%04X' "$2")
    state=$([ "$proto" = tcp ] && echo 0A || echo 07)
    awk -v p="$hex" -v st="$state" 'FNR > 1 && $4 == st && substr($2, length($2) - 4) == p { f = 1 }
                     END { exit !f }' "/proc/net/$proto" "/proc/net/${proto}6" 2>/dev/null
}

# Close every fd above 2 in this (sub)shell. Daemons started from here must
# not keep the caller's pipes open (a test runner's capture pipe, a CI
# `| tee`, a fifo), or the caller would wait for an EOF that never comes.
close_inherited_fds() {
    local fd
    for fd in "/proc/$BASHPID/fd"/*; do
        fd=${fd##*/}
        if [ "$fd" -gt 2 ]; then eval "exec $fd>&-" 2>/dev/null || true; fi
    done
}

# pid_if_ours PIDFILE PATTERN: the pid in PIDFILE if that process is alive
# and its command line contains PATTERN; else nothing. Checking the command
# line guards against a stale pid file whose pid was reused.
pid_if_ours() {
    local pid
    [ -f "$1" ] || return 0
    pid=$(cat "$1" 2>/dev/null || true)
    [[ $pid =~ ^[0-9]+$ ]] || return 0
    if kill -0 "$pid" 2>/dev/null && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$2"; then
        echo "$pid"
    fi
}

# stop_pid PID NAME SECONDS: SIGTERM, wait up to SECONDS for a clean exit,
# then SIGKILL; returns once the process is gone.
stop_pid() {
    local pid=$1 name=$2 i
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < $3 * 10; i++)); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    say "$name (pid $pid) ignored SIGTERM for $3s, sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
}
