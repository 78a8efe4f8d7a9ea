# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Reading a topic in the Kafka tests.
#
# kafka_read BROKERS TOPIC FORMAT FILE [ISOLATION]: the whole topic, from the
# beginning, into FILE (kcat's -f FORMAT), as a read_committed consumer by
# default. A commit returns once the coordinator has logged it; the markers
# that let such a consumer past the transaction reach the partitions a
# moment later, so one read right after a commit can stop short. Reads
# until two reads half a second apart agree (10 s at most).
kafka_read() {
	local n prev=-1 i
	for i in $(seq 20); do
		kcat -b "$1" -C -t "$2" -o beginning -e -q -X "isolation.level=${5:-read_committed}" \
			-f "$3" >"$4" 2>/dev/null
		n=$(wc -l <"$4")
		((n == prev)) && return 0
		prev=$n
		sleep 0.5
	done
}
