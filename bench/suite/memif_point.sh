#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# One measured point of the memif throughput sweep: sluice-gen (memif server,
# lcore 0) against one peer (memif client, forwarding lcore 1), one JSON line out.
#
#   peer testpmd: dpdk-testpmd --forward-mode=io, the link's ceiling
#   peer sluiced: one worker lcore, one VIP, three backends with fixed MACs
#
# Both peers get the SAME link: identical memif devargs (ring 2^10, 2048-byte
# buffers), lcores 0,1 with main lcore 0 and the forwarding lcore 1, burst 32,
# 1024 rx/tx descriptors, a 16383-mbuf pool with a 256 cache, no periodic stats
# printing. Shutdown order: the generator prints its report, the peer is
# stopped, then the generator closes its port (--hold): closing the memif
# server under a polling client is what crashed testpmd at exit.
#
# usage: memif_point.sh --build DIR --peer testpmd|sluiced --out FILE
#          [--method gue] [--traffic ack|syn] [--flows N] [--size B]
#          [--duration S] [--warmup S] [--huge yes|no] [--logdir DIR]
# exit: 0 point measured, 1 a process failed (logs on stderr), 2 bad usage.
set -euo pipefail

build=; peer=; out=; method=gue; traffic=ack; flows=1000; size=64; duration=1.5; warmup=0.5
huge=yes; logdir=
while [ $# -gt 0 ]; do
	case "$1" in
	--build) build=$2 ;; --peer) peer=$2 ;; --out) out=$2 ;; --method) method=$2 ;;
	--traffic) traffic=$2 ;; --flows) flows=$2 ;; --size) size=$2 ;; --duration) duration=$2 ;;
	--warmup) warmup=$2 ;; --huge) huge=$2 ;; --logdir) logdir=$2 ;;
	*) echo "memif_point: unknown argument $1" >&2; exit 2 ;;
	esac
	shift 2
done
[ -n "$build" ] && [ -n "$out" ] && { [ "$peer" = testpmd ] || [ "$peer" = sluiced ]; } ||
	{ echo "memif_point: --build, --out and --peer testpmd|sluiced are required" >&2; exit 2; }

gen=$build/bench/sluice-gen
sluiced=$build/control/sluiced
ctl=$build/control/sluicectl
d=$(mktemp -d /tmp/sl-point.XXXXXX)
tag=slpt$$
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do
		timeout 5 tail --pid="$p" -f /dev/null 2>/dev/null || kill -KILL "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	rm -rf /var/run/dpdk/"$tag"-*
	if [ -n "$logdir" ]; then mkdir -p "$logdir" && cp -r "$d"/. "$logdir"/ 2>/dev/null || true; fi
	rm -rf "$d"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ "$huge" = yes ]; then huge_args=(--huge-unlink); else huge_args=(--no-huge -m 1024); fi
GEN_MAC=02:00:00:00:aa:01
LB_MAC=02:00:00:00:aa:02
VIP=198.18.100.1
LINK="rsize=10,bsize=2048,socket=$d/memif.sock,socket-abstract=no"
# MTU 1600: a 1500-byte frame plus GUE/IPIP/ip6tnl headers must fit, or sluiced
# answers "too big" instead of forwarding (the link's 2048-byte buffers hold it).
# A 1M-flow table needs room: the point's table is at least twice its flows.
entries=1048576
[ "$flows" -gt 500000 ] && entries=2097152

# Wait for a pid with a deadline; its status, or 124 on timeout.
wait_for() {
	local pid=$1 secs=$2 i
	for ((i = 0; i < secs * 20; i++)); do
		kill -0 "$pid" 2>/dev/null || { wait "$pid"; return $?; }
		sleep 0.05
	done
	return 124
}

# The report is complete once the generator has printed its closing brace.
wait_report() {
	local i
	for ((i = 0; i < 1200; i++)); do
		[ -s "$d/gen.json" ] && tail -c 3 "$d/gen.json" | grep -q '}' && return 0
		kill -0 "$gen_pid" 2>/dev/null || { [ -s "$d/gen.json" ] && return 0; return 1; }
		sleep 0.05
	done
	return 1
}

timeout 120 "$gen" -l 0 --no-pci --file-prefix "$tag-gen" "${huge_args[@]}" \
	--vdev "net_memif0,role=server,$LINK,mac=$GEN_MAC" -- \
	--vip $VIP --vip-port 80 --dst-mac $LB_MAC --flows "$flows" --size "$size" --traffic "$traffic" \
	--warmup "$warmup" --duration "$duration" --link-wait 60 --hold 10 --json \
	>"$d/gen.json" 2>"$d/gen.log" &
gen_pid=$!
pids+=("$gen_pid")
for ((i = 0; i < 200; i++)); do
	[ -S "$d/memif.sock" ] && break
	kill -0 "$gen_pid" 2>/dev/null || break
	sleep 0.05
done
[ -S "$d/memif.sock" ] || { echo "sluice-gen did not create its socket" >&2; cat "$d/gen.log" >&2; exit 1; }

if [ "$peer" = testpmd ]; then
	# Without --stats-period testpmd waits for a line on stdin and then exits
	# cleanly (stop forwarding, close the port): the FIFO is that line.
	mkfifo "$d/tp.in"
	timeout 120 dpdk-testpmd -l 0,1 --main-lcore 0 --no-pci --file-prefix "$tag-tp" "${huge_args[@]}" \
		--vdev "net_memif0,role=client,$LINK,mac=$LB_MAC" -- \
		--forward-mode=io --auto-start --nb-cores=1 --rxq=1 --txq=1 --burst=32 \
		--rxd=1024 --txd=1024 --total-num-mbufs=16383 --mbcache=256 \
		<"$d/tp.in" >"$d/peer.log" 2>&1 &
	peer_pid=$!
	pids+=("$peer_pid")
	exec {tp_in}>"$d/tp.in"
	wait_report || { echo "no report from sluice-gen (testpmd peer)" >&2; cat "$d/gen.log" "$d/peer.log" >&2; exit 1; }
	echo >&"$tp_in"
	exec {tp_in}>&-
	st=0; wait_for "$peer_pid" 20 || st=$?
	echo "{\"peer_exit\": $st}" >"$d/stats.json"
else
	if [ "$method" = ip6tnl ]; then b=(2001:db8::11 2001:db8::12 2001:db8::13); else b=(198.18.0.11 198.18.0.12 198.18.0.13); fi
	eal='"--file-prefix='"$tag"'-lb"'
	for a in "${huge_args[@]}"; do eal+=", \"$a\""; done
	cat >"$d/lb.conf" <<CONF
eal = { args = [ $eal ]; main_lcore = 0; };
dataplane = {
  ports = ( { name = "memif"; device = "net_memif0,role=client,$LINK,mac=$LB_MAC"; mtu = 1600; } );
  workers = [ 1 ];
  burst = 32; rx_desc = 1024; tx_desc = 1024; mempool_size = 16383;
  exception = { type = "none"; };
};
flows = { entries = $entries; };
network = { src_ipv4 = "198.18.0.2"; src_ipv6 = "2001:db8::2"; };
control = { socket = "$d/lb.ctl"; };
vips = (
  { name = "bench"; address = "$VIP"; port = 80; protocol = "tcp"; method = "$method";
    backends = (
      { name = "be1"; address = "${b[0]}"; mac = "02:00:00:00:00:11"; },
      { name = "be2"; address = "${b[1]}"; mac = "02:00:00:00:00:12"; },
      { name = "be3"; address = "${b[2]}"; mac = "02:00:00:00:00:13"; }
    );
  }
);
CONF
	timeout 120 "$sluiced" -c "$d/lb.conf" -q >"$d/peer.log" 2>&1 &
	peer_pid=$!
	pids+=("$peer_pid")
	wait_report || { echo "no report from sluice-gen (sluiced peer)" >&2; cat "$d/gen.log" "$d/peer.log" >&2; exit 1; }
	# Counters while sluiced still runs, after the generator's drain.
	if ! kill -0 "$peer_pid" 2>/dev/null; then
		st=0; wait "$peer_pid" || st=$?
		echo "{\"peer_exit\": $st}" >"$d/stats.json"
	elif ! timeout 10 "$ctl" -s "$d/lb.ctl" --json stats >"$d/stats.json" 2>>"$d/peer.log"; then
		echo '{}' >"$d/stats.json"
	fi
	kill -TERM "$peer_pid" 2>/dev/null || true
	st=0; wait_for "$peer_pid" 20 || st=$?
fi
gst=0; wait_for "$gen_pid" 20 || gst=$?
[ "$gst" = 0 ] || { echo "sluice-gen exited with $gst" >&2; cat "$d/gen.log" >&2; exit 1; }

/usr/bin/python3 - "$d" "$out" "$peer" "$method" "$traffic" "$flows" "$size" "$st" <<'PY'
import json, sys
d, out, peer, method, traffic, flows, size, st = sys.argv[1:]
g = json.load(open(f"{d}/gen.json"))
try:
    s = json.load(open(f"{d}/stats.json"))
except ValueError:
    s = {}
bes = [b for b in g.get("backends", []) if not b["backend"].startswith("plain:")]
row = dict(peer=peer, method=method if peer == "sluiced" else "io", traffic=traffic, flows=int(flows),
           size=int(size), tx_pps=g["tx_pps"], rx_pps=g["rx_pps"], loss=g["loss"], rx_ours=g["rx_ours"],
           seconds=g.get("seconds", 0), flows_split=g.get("flows_split", 0), n_backends=len(bes),
           peer_exit=int(st), lb_rx=s.get("rx"), lb_tx=s.get("tx"), lb_dropped=s.get("dropped"),
           lb_flow_misses=s.get("flow_misses"), lb_stats=s)
open(out, "a").write(json.dumps(row) + "\n")
PY
