#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Time from a failed health probe to the new table being live, in sluiced
# itself: N TCP backends (listeners on addresses of a private namespace's
# loopback), probes every 100 ms with fall = 1; the listeners of VICTIMS
# backends are killed one at a time. sluiced reports for each change how long
# the rebuild + publish took after the probe's verdict (stats
# last_health_publish_us); this script also records when the change became
# visible over the control socket after the kill (detection, bounded by the
# probe interval). Prints CSV: backends,table_size,victim,publish_us,visible_ms
# usage: failover.sh BUILD_DIR [N=100] [VICTIMS=3] [TABLE_SIZE=65537]
set -euo pipefail
build=$(realpath "$1"); n=${2:-100}; victims=${3:-3}; tsize=${4:-65537}
sluiced=$build/control/sluiced
ctl=$build/control/sluicectl
ns=slfo$$
d=$(mktemp -d /tmp/sl-fo.XXXXXX)
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do timeout 10 tail --pid="$p" -f /dev/null 2>/dev/null || kill -KILL "$p" 2>/dev/null || true; done
	ip netns del "$ns" 2>/dev/null || true
	rm -rf /var/run/dpdk/"$ns"-* "$d"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ip netns add "$ns"
ip -n "$ns" link set lo up
addr() { echo "198.18.$((1 + $1 / 250)).$((1 + $1 % 250))"; }
for ((i = 0; i < n; i++)); do ip -n "$ns" addr add "$(addr $i)/32" dev lo; done

# One listener process for the survivors, one per victim (killing it refuses connections).
listen() { ip netns exec "$ns" /usr/bin/python3 -c '
import socket, sys, time
ss = []
for a in sys.argv[1:]:
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((a, 80)); s.listen(512); s.setblocking(False); ss.append(s)
while True:
    for s in ss:
        try:
            while True: s.accept()[0].close()
        except BlockingIOError: pass
    time.sleep(0.01)
' "$@" & }
rest=()
for ((i = victims; i < n; i++)); do rest+=("$(addr $i)"); done
listen "${rest[@]}"; pids+=($!)
vpids=()
for ((i = 0; i < victims; i++)); do listen "$(addr $i)"; vpids+=($!); pids+=($!); done

bes=""
for ((i = 0; i < n; i++)); do bes+="{ address = \"$(addr $i)\"; mac = \"02:00:00:00:01:$(printf %02x $((i % 256)))\"; },"; done
cat >"$d/lb.conf" <<CONF
eal = { args = [ "--file-prefix=$ns-lb", "--no-huge", "-m", "512" ]; main_lcore = 0; };
dataplane = {
  ports = ( { name = "null"; device = "net_null0"; mtu = 1500; } );
  workers = [ 1 ];
  exception = { type = "none"; };
};
flows = { entries = 65536; };
network = { src_ipv4 = "198.18.0.2"; };
control = { socket = "$d/lb.ctl"; };
vips = ( { name = "fo"; address = "198.18.100.1"; port = 80; method = "gue"; table_size = $tsize;
  health = { type = "tcp"; interval_ms = 100; timeout_ms = 50; fall = 1; rise = 1; };
  backends = ( ${bes%,} ); } );
CONF
ip netns exec "$ns" timeout 120 "$sluiced" -c "$d/lb.conf" -q >"$d/lb.log" 2>&1 &
pids+=($!)
lb=$!
# The daemon's `config` reply carries the health counters; sed keeps each poll cheap.
stat() {
	local j
	j=$(timeout 2 "$ctl" -s "$d/lb.ctl" --json config 2>/dev/null) || return 1
	echo "$(sed -n 's/.*"health_changes": *\([0-9]*\).*/\1/p' <<<"$j") $(sed -n 's/.*"last_health_publish_us": *\([0-9]*\).*/\1/p' <<<"$j")"
}
for ((i = 0; i < 200; i++)); do stat >/dev/null 2>&1 && break; kill -0 "$lb" || break; sleep 0.05; done
stat >/dev/null || { echo "sluiced did not come up" >&2; cat "$d/lb.log" >&2; exit 1; }
sleep 0.5   # every backend probed once (first probes are jittered over one interval)
read -r changes _ < <(stat)
[ "$changes" = 0 ] || { echo "backends changed state before any was killed ($changes)" >&2; cat "$d/lb.log" >&2; exit 1; }

echo "backends,table_size,victim,publish_us,visible_ms"
for ((v = 0; v < victims; v++)); do
	t0=$(date +%s%N)
	kill -KILL "${vpids[$v]}"
	wait "${vpids[$v]}" 2>/dev/null || true
	ok=0
	for ((i = 0; i < 400; i++)); do
		read -r c us < <(stat)
		if [ "$c" -gt "$changes" ]; then ok=1; break; fi
		sleep 0.005
	done
	t1=$(date +%s%N)
	[ $ok = 1 ] || { echo "backend $(addr $v) was never marked down" >&2; cat "$d/lb.log" >&2; exit 1; }
	changes=$c
	echo "$n,$tsize,$(addr $v),$us,$(( (t1 - t0) / 1000000 ))"
	sleep 0.3
done
