#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Memory footprint of sluiced with one worker lcore: VmRSS, VmHWM and
# hugepage use (smaps_rollup's Hugetlb lines) once it is up, for
# flows.entries = 1024 and = ENTRIES, so the difference is what the flow
# table costs. Port: net_null (no peer needed). Prints CSV rows:
#   entries,vmrss_kib,vmhwm_kib,hugetlb_kib,hugepages_used
# usage: sluiced_mem.sh BUILD_DIR [ENTRIES]   (default 1048576)
set -euo pipefail
build=$1
entries=${2:-1048576}
sluiced=$build/control/sluiced
ctl=$build/control/sluicectl
d=$(mktemp -d /tmp/sl-mem.XXXXXX)
tag=slmem$$
lb=
cleanup() {
	[ -n "$lb" ] && { kill -TERM "$lb" 2>/dev/null || true; timeout 10 tail --pid="$lb" -f /dev/null 2>/dev/null || kill -KILL "$lb" 2>/dev/null || true; }
	rm -rf /var/run/dpdk/"$tag"-* "$d"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "entries,vmrss_kib,vmhwm_kib,hugetlb_kib,hugepages_used"
for n in 1024 "$entries"; do
	cat >"$d/lb.conf" <<CONF
eal = { args = [ "--file-prefix=$tag-$n", "--huge-unlink" ]; main_lcore = 0; };
dataplane = {
  ports = ( { name = "null"; device = "net_null0"; mtu = 1500; } );
  workers = [ 1 ];
  exception = { type = "none"; };
};
flows = { entries = $n; };
network = { src_ipv4 = "198.18.0.2"; };
control = { socket = "$d/lb.ctl"; };
vips = ( { name = "m"; address = "198.18.100.1"; port = 80; method = "gue";
  backends = ( { address = "198.18.0.11"; mac = "02:00:00:00:00:11"; } ); } );
CONF
	timeout 60 "$sluiced" -c "$d/lb.conf" -q >"$d/lb.log" 2>&1 &
	lb=$!
	up=0
	for ((i = 0; i < 200; i++)); do
		timeout 2 "$ctl" -s "$d/lb.ctl" --json stats >/dev/null 2>&1 && { up=1; break; }
		kill -0 "$lb" 2>/dev/null || break
		sleep 0.05
	done
	[ $up = 1 ] || { echo "sluiced did not come up:" >&2; cat "$d/lb.log" >&2; exit 1; }
	sleep 0.3
	pid=$(pgrep -P "$lb" -x sluiced)   # $lb is timeout(1); the daemon is its child
	rss=$(awk '/^VmRSS/ {print $2}' /proc/$pid/status)
	hwm=$(awk '/^VmHWM/ {print $2}' /proc/$pid/status)
	# Hugetlb pages are not in VmRSS: smaps_rollup counts them separately.
	htlb=$(awk '/_Hugetlb/ {s += $2} END {print s + 0}' /proc/$pid/smaps_rollup)
	echo "$n,$rss,$hwm,$htlb,$((htlb / 2048))"
	kill -TERM "$lb"
	timeout 15 tail --pid="$lb" -f /dev/null || kill -KILL "$lb" 2>/dev/null || true
	wait "$lb" 2>/dev/null || true
	lb=
done
