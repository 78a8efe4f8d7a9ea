#!/usr/bin/env bash
# Self-test of the loopback test servers (scripts/kafka.sh, scripts/rsyslog.sh):
# real Kafka produce/consume across a broker stop/start, and real rsyslog
# parsing of RFC 5424 over UDP and octet-counted TCP (across a restart).
# Uses its own ports and temp state dirs, so it does not touch a dev instance;
# everything it starts is stopped and removed on exit.
# Usage: scripts/selftest-servers.sh [kafka|rsyslog]...   (default: both)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
kport=${XS_SELFTEST_KAFKA_PORT:-19192}
uport=${XS_SELFTEST_UDP_PORT:-15614}
tport=${XS_SELFTEST_TCP_PORT:-15615}
tmp=$(mktemp -d /tmp/xdpstream-selftest.XXXXXX)
export XS_KAFKA_DIR=$tmp/kafka XS_RSYSLOG_DIR=$tmp/rsyslog
ok=0

cleanup() {
    "$here/kafka.sh" clean --port "$kport" >/dev/null 2>&1 || true
    "$here/rsyslog.sh" clean >/dev/null 2>&1 || true
    rm -rf "$tmp"
}
trap cleanup EXIT

fail() { echo "selftest-servers: FAIL: $*" >&2; exit 1; }
pass() { ok=$((ok + 1)); echo "selftest-servers: ok: $*"; }

# Run "$@" until it succeeds or N tenths of a second pass.
retry() {
    local n=$1 i; shift
    for ((i = 0; i < n; i++)); do
        "$@" && return 0
        sleep 0.1
    done
    return 1
}

test_kafka() {
    local b=127.0.0.1:$kport want got t0
    want=$'k1=v1\nk2=v2\nk3=v3'
    t0=$SECONDS
    "$here/kafka.sh" start --port "$kport"
    pass "kafka start ($((SECONDS - t0)) s)"
    printf 'k1:v1\nk2:v2\nk3:v3\n' | kcat -b "$b" -P -t xs-selftest -K: -X acks=all
    got=$(kcat -b "$b" -C -t xs-selftest -o beginning -e -q -f '%k=%s\n')
    [ "$got" = "$want" ] || fail "kafka consume: got [$got]"
    pass "kafka produce+consume 3 keyed messages"
    "$here/kafka.sh" topic xs-selftest-3p 3 --port "$kport"
    kcat -b "$b" -L -t xs-selftest-3p | grep -q 'with 3 partitions' || fail "kafka topic: not 3 partitions"
    pass "kafka topic create (3 partitions)"
    "$here/kafka.sh" stop --port "$kport"
    if "$here/kafka.sh" status --port "$kport" >/dev/null; then fail "kafka still running after stop"; fi
    kcat -b "$b" -L -m 1 >/dev/null 2>&1 && fail "kafka still answers after stop"
    pass "kafka stop"
    "$here/kafka.sh" start --port "$kport"
    got=$(kcat -b "$b" -C -t xs-selftest -o beginning -e -q -f '%k=%s\n')
    [ "$got" = "$want" ] || fail "kafka after restart: got [$got]"
    pass "kafka messages survive stop/start"
    "$here/kafka.sh" stop --port "$kport"
}

# The JSON output file has at least N lines.
has_lines() { [ "$(wc -l <"$1")" -ge "$2" ]; }

# Send one octet-counted (RFC 6587 3.4.1) frame per argument over one TCP connection.
send_tcp() {
    # The frame length is in bytes: with LC_ALL=C, ${#m} counts bytes.
    local m LC_ALL=C
    exec 3<>"/dev/tcp/127.0.0.1/$tport"
    for m in "$@"; do
        printf '%d %s' "${#m}" "$m" >&3
    done
    exec 3>&-
}

expect() {
    local line=$1; shift
    local f
    for f in "$@"; do
        sed -n "${line}p" "$out" | grep -qF -- "$f" || fail "rsyslog line $line lacks $f: $(sed -n "${line}p" "$out")"
    done
}

test_rsyslog() {
    local m1 m2 m3
    "$here/rsyslog.sh" start --udp "$uport" --tcp "$tport"
    out=$("$here/rsyslog.sh" path)
    m1='<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog 1234 ID47 [exampleSDID@32473 iut="3" eventSource="Application"] An application event'
    printf '%s' "$m1" >"/dev/udp/127.0.0.1/$uport"
    retry 50 has_lines "$out" 1 || fail "rsyslog: UDP message not written to $out"
    expect 1 '"input":"udp"' '"facility":20' '"severity":5' '"severity-text":"notice"' \
        '"hostname":"mymachine.example.com"' '"app-name":"evntslog"' '"procid":"1234"' '"msgid":"ID47"' \
        '"structured-data":"[exampleSDID@32473 iut=\"3\" eventSource=\"Application\"]"' '"msg":"An application event"'
    pass "rsyslog UDP RFC 5424 parsed"
    m2='<34>1 2003-10-11T22:14:15.003Z host2 su - ID48 - tcp one'
    m3=$'<13>1 2003-10-11T22:14:16Z host3 app3 77 - [a@1 k="v"] tcp two\nsecond line'
    send_tcp "$m2" "$m3"
    retry 50 has_lines "$out" 3 || fail "rsyslog: TCP messages not written to $out"
    expect 2 '"input":"tcp"' '"facility":4' '"severity":2' '"hostname":"host2"' '"app-name":"su"' \
        '"procid":"-"' '"msgid":"ID48"' '"structured-data":"-"' '"msg":"tcp one"'
    expect 3 '"input":"tcp"' '"facility":1' '"severity":5' '"app-name":"app3"' '"procid":"77"' \
        '"msgid":"-"' '"structured-data":"[a@1 k=\"v\"]"' '"msg":"tcp two\nsecond line"'
    pass "rsyslog TCP octet-counted RFC 5424 parsed (2 frames, one with LF)"
    "$here/rsyslog.sh" restart
    send_tcp '<14>1 - h4 a4 - - - after restart'
    retry 50 has_lines "$out" 4 || fail "rsyslog: no message after restart"
    expect 4 '"hostname":"h4"' '"msg":"after restart"'
    pass "rsyslog restart keeps ports and output file"
    "$here/rsyslog.sh" stop
}

[ $# -gt 0 ] || set -- kafka rsyslog
for t in "$@"; do
    case $t in
        kafka) test_kafka ;;
        rsyslog) test_rsyslog ;;
        *) fail "unknown test: $t" ;;
    esac
done
echo "selftest-servers: all $ok checks passed"
