#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# A "dedicated NIC": sluiced takes lb0 with net_af_xdp, so the kernel no
# longer sees what arrives there, and gives the host its interface back
# through the TAP exception port sl0, which carries the LB's own addresses.
# Everything that is not VIP traffic must cross it both ways: ARP and
# neighbour discovery (which sluiced itself needs to learn next hops), a ping
# of the LB's own address; VIP traffic is balanced as usual. On SIGTERM the
# TAP interface disappears with the daemon.
#
# Run: meson test -C BUILD e2e-exception
set -u

: "${SL_E2E_LIBDIR:=$(cd "$(dirname "$0")" && pwd)/lib}"
# shellcheck source=lib/topo.sh
. "$SL_E2E_LIBDIR/topo.sh"
# shellcheck source=lib/lb.sh
. "$SL_E2E_LIBDIR/lb.sh"
# shellcheck source=lib/report.sh
. "$SL_E2E_LIBDIR/report.sh"
topo_guard 240 "$0" "$@"

P=$TOPO_PREFIX
WD=$TOPO_WORKDIR
LBNS=$(topo_ns "$P" lb)

topo_up "$P" || exit 1
topo_attach_decap "$P" "$SL_BUILD_ROOT/bpf/sluice-decap" >/dev/null || exit 1
for be in $(topo_backends); do topo_server_start "$be" --listen '*:80' || exit 1; done

# The host's addresses move from lb0 (now the dataplane's) to the exception interface.
ip -n "$LBNS" addr flush dev lb0
lb_config_write "$WD/sluiced.conf" "web4 198.18.100.1 80 tcp gue" "web6 2001:db8:100::1 80 tcp ip6tnl"
sed -i "s|device = \"net_af_packet0,iface=lb0\"|device = \"net_af_xdp0,iface=lb0,start_queue=0,queue_count=1\"|; s|exception = { type = \"none\"; };|exception = { type = \"tap\"; name = \"sl0\"; };|" \
	"$WD/sluiced.conf"
grep -q 'type = "tap"' "$WD/sluiced.conf" || { echo "config rewrite failed"; exit 1; }

ip netns exec "$LBNS" "$SL_BUILD_ROOT/control/sluiced" -c "$WD/sluiced.conf" --no-huge \
	--stats-json "$WD/sluiced-stats.json" >"$WD/sluiced.log" 2>&1 &
LB_PID=$!
topo_on_exit lb_stop
for _ in $(seq 1 100); do ip -n "$LBNS" link show sl0 >/dev/null 2>&1 && break; sleep 0.1; done
if ! ip -n "$LBNS" link show sl0 >/dev/null 2>&1; then
	echo "sluiced did not create sl0:"; cat "$WD/sluiced.log"; exit 1
fi
ok "sluiced created the exception interface sl0"
[ "$(ip -n "$LBNS" -br link show sl0 | awk '{print $3}')" = "$(ip -n "$LBNS" -br link show lb0 | awk '{print $3}')" ] &&
	ok "sl0 has the NIC's MAC" || nok "sl0 MAC differs from lb0's"
ip -n "$LBNS" addr add "$(topo_addr4 lb)/24" dev sl0
ip -n "$LBNS" addr add "$(topo_addr6 lb)/64" dev sl0 nodad
ip -n "$LBNS" link set sl0 up

# Next hops resolve through the kernel on sl0: ARP/ND cross the exception path both ways.
resolved=no
for _ in $(seq 1 150); do
	n=$(lb_ctl --json vips 2>/dev/null | python3 -c 'import json,sys; v=json.load(sys.stdin); print(sum(b["next_hop_mac"] is None for x in v for b in x["backends"]))' 2>/dev/null)
	[ "$n" = 0 ] && resolved=yes && break
	sleep 0.1
done
[ $resolved = yes ] && ok "all next hops learned via ARP/ND through sl0" || nok "next hops unresolved: ${n:-no answer}"

topo_exec cli ping -c 3 -i 0.2 -W 2 -q "$(topo_addr4 lb)" >/dev/null && ok "the client pings the LB's own IPv4 address (host traffic via sl0)" ||
	nok "ping of the LB's address failed"
topo_exec cli ping -6 -c 3 -i 0.2 -W 2 -q "$(topo_addr6 lb)" >/dev/null && ok "and its IPv6 address" ||
	nok "ping6 of the LB's address failed"
topo_exec cli ping -c 2 -i 0.2 -W 2 -q 198.18.100.1 >/dev/null && ok "ping of the VIP answered by the balancer" ||
	nok "ping of the VIP failed"

for t in "web4 198.18.100.1:80" "web6 [2001:db8:100::1]:80"; do
	read -r name target <<<"$t"
	if topo_client cli --target "$target" --connections 300 --concurrency 40 --requests 3 --timeout-ms 3000 \
		--deadline-s 60 --expect-weights be1=100,be2=100,be3=200 --tolerance 0.12 >"$WD/$name.json" 2>"$WD/$name.err"; then
		ok "$name: 300 connections balanced over af_xdp"
	else
		nok "$name"
		head -5 "$WD/$name.err"
	fi
done

st=$(lb_ctl --json stats)
python3 -c 'import json,sys; d=json.loads(sys.argv[1]); sys.exit(0 if d["host"] > 0 and d["host_from_kernel"] > 0 else 1)' "$st" &&
	ok "counters: $(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print("host=%d host_from_kernel=%d" % (d["host"], d["host_from_kernel"]))' "$st")" ||
	nok "exception counters did not move"

if lb_stop; then ok "sluiced stopped cleanly"; else nok "sluiced exit status"; fi
ip -n "$LBNS" link show sl0 >/dev/null 2>&1 && nok "sl0 still exists after stop" || ok "sl0 removed on stop"
[ -e "$WD/sluice.sock" ] && nok "control socket left behind" || ok "control socket removed"
report_finish "$WD/sluiced.log"
