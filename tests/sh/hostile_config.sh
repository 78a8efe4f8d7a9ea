#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Configuration files as an attacker (or a careless hand) writes them
# (issue 13):
#   - YAML aliases: `outputs: &a [*a, *a]` (a list inside itself) and a
#     billion laughs: refused at once with the line, never a hang
#   - a secret (a SASL password) in a file every user can read: a warning
#     that names the key and the remedy; none once the file is 0640
#   - SASL PLAIN without TLS (sasl_plaintext): a warning; none with
#     sasl_ssl, nor for SCRAM
# Usage: tests/sh/hostile_config.sh BUILD_DIR
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT=${1:-build}
BIN=$OUT/xdpstream
source tests/sh/lib/cleanup.sh
xs_cleanup_init
tmp=$(xs_tmpdir xs-hcfg)
fail=0

printf 'outputs: &a [*a, *a]\n' >"$tmp/cycle.yaml"
{
	echo 'a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x"]'
	for l in b c d e f g h i; do
		p=$(printf '%s' "abcdefgh" | cut -c$(( $(printf '%d' "'$l") - 97 )))
		echo "$l: &$l [*$p, *$p, *$p, *$p, *$p, *$p, *$p, *$p, *$p]"
	done
} >"$tmp/laughs.yaml"
for f in cycle laughs; do
	start=$SECONDS
	timeout 10 "$BIN" check-config "$tmp/$f.yaml" >"$tmp/$f.out" 2>&1
	rc=$?
	if [[ $rc -ne 2 ]] || ! grep -q "$f.yaml:1: YAML aliases (\*name) are not supported" "$tmp/$f.out"; then
		echo "FAIL $f: exit $rc after $((SECONDS - start)) s:"
		cat "$tmp/$f.out"
		fail=1
	else
		echo "ok   $f: refused in $((SECONDS - start)) s"
	fi
done

cat >"$tmp/secret.yaml" <<Y
outputs:
  - type: kafka
    brokers: 'k:9092'
    spool: $tmp/x.spool
    security:
      protocol: sasl_ssl
      sasl_mechanism: SCRAM-SHA-512
      sasl_username: u
      sasl_password: hunter2
Y
chmod 0644 "$tmp/secret.yaml"
"$BIN" check-config "$tmp/secret.yaml" >"$tmp/secret.out" 2>&1
if ! grep -q "holds a secret (sasl_password) and every user can read it: chmod o-r" "$tmp/secret.out"; then
	echo "FAIL: no warning for a world-readable secret:"
	cat "$tmp/secret.out"
	fail=1
fi
chmod 0640 "$tmp/secret.yaml"
"$BIN" check-config "$tmp/secret.yaml" >"$tmp/secret.out" 2>&1
if grep -q "holds a secret" "$tmp/secret.out"; then
	echo "FAIL: a warning for a 0640 file"
	fail=1
fi
[[ $fail -eq 0 ]] && echo "ok   secrets: warned at 0644, quiet at 0640"

# The password in clear on the wire: PLAIN over sasl_plaintext only.
plain_warn="output kafka: SASL PLAIN over sasl_plaintext sends the password in clear text: use protocol sasl_ssl"
for c in "sasl_plaintext PLAIN 1" "sasl_plaintext plain 1" "sasl_ssl PLAIN 0" \
	 "sasl_plaintext SCRAM-SHA-256 0"; do
	read -r proto mech want <<<"$c"
	sed -e "s/protocol: sasl_ssl/protocol: $proto/" \
	    -e "s/sasl_mechanism: SCRAM-SHA-512/sasl_mechanism: $mech/" \
	    "$tmp/secret.yaml" >"$tmp/plain.yaml"
	chmod 0640 "$tmp/plain.yaml"
	"$BIN" check-config "$tmp/plain.yaml" >"$tmp/plain.out" 2>&1
	got=$(grep -c -F "$plain_warn" "$tmp/plain.out")
	if [[ $got -ne $want ]]; then
		echo "FAIL: $proto $mech: $got warnings, expected $want:"
		cat "$tmp/plain.out"
		fail=1
	else
		echo "ok   $proto $mech: $got warning(s)"
	fi
done
exit $fail
