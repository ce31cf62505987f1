#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The seed idea, end to end: a fleet of stateless LB nodes. Node lb runs
# sluiced on DPDK (net_af_packet), node lb2 runs sluiced on XDP, both from
# the same VIP and backend config. Long-lived TCP connections start through
# lb; halfway through, the client's route for the VIP ranges moves to lb2 (as
# a router would after a node failure or an ECMP change). lb2 has never seen
# these flows, yet Maglev sends every one to the backend it already had:
# no connection breaks, none changes backend. Then the route moves back.
#
# Run: meson test -C BUILD e2e-fleet
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
CLI=$(topo_ns "$P" cli)

topo_up "$P" || exit 1
topo_add_lb2 "$P" || exit 1
topo_attach_decap "$P" "$SL_BUILD_ROOT/bpf/sluice-decap" >/dev/null || exit 1
topo_attach_xdp_pass "$P" lb2 || exit 1 # lb2's XDP_TX frames reach the bridge only then
for be in $(topo_backends); do topo_server_start "$be" --listen '*:80' || exit 1; done

# Node lb: DPDK. The helper writes its config; node lb2 gets the same VIPs on XDP.
lb_config_write "$WD/lb.conf" "web4 198.18.100.1 80 tcp gue" "web6 2001:db8:100::1 80 tcp ip6tnl"
lb_start "$WD/lb.conf" || exit 1
ok "node lb: sluiced on DPDK (af_packet)"

mkdir -p "$WD/bpffs" && mount -t bpf bpf "$WD/bpffs" || { echo "cannot mount bpffs"; exit 1; }
topo_on_exit "umount '$WD/bpffs' 2>/dev/null"
sed -e "/^dataplane = {/,/^};/c\\dataplane = { type = \"xdp\"; xdp = { interface = \"lb0\"; pin_path = \"$WD/bpffs/sluice\"; }; };" \
	-e "s|src_ipv4 = \"$(topo_addr4 lb)\"|src_ipv4 = \"$(topo_addr4 lb2)\"|" \
	-e "s|src_ipv6 = \"$(topo_addr6 lb)\"|src_ipv6 = \"$(topo_addr6 lb2)\"|" \
	-e "s|$WD/sluice.sock|$WD/lb2.sock|" "$WD/lb.conf" >"$WD/lb2.conf"
grep -q 'type = "xdp"' "$WD/lb2.conf" || { echo "lb2 config rewrite failed"; exit 1; }
ip netns exec "$(topo_ns "$P" lb2)" "$SL_BUILD_ROOT/control/sluiced" -c "$WD/lb2.conf" --xdp-detach \
	>"$WD/lb2.log" 2>&1 &
LB2_PID=$!
topo_on_exit "kill -TERM $LB2_PID 2>/dev/null; wait $LB2_PID 2>/dev/null"
for _ in $(seq 1 150); do
	n=$("$SL_BUILD_ROOT/control/sluicectl" -s "$WD/lb2.sock" --json vips 2>/dev/null |
		python3 -c 'import json,sys; v=json.load(sys.stdin); print(sum(b["next_hop_mac"] is None for x in v for b in x["backends"]))' 2>/dev/null)
	[ "$n" = 0 ] && break
	sleep 0.1
done
[ "$n" = 0 ] && ok "node lb2: sluiced on XDP, next hops resolved" || { nok "lb2 not ready"; cat "$WD/lb2.log"; exit 1; }

route_via() { # node
	ip -n "$CLI" route replace "$TOPO_VIP_NET4" via "$(topo_addr4 "$1")"
	ip -n "$CLI" -6 route replace "$TOPO_VIP_NET6" via "$(topo_addr6 "$1")"
}
rx_of() { # socket -> rx counter
	"$SL_BUILD_ROOT/control/sluicectl" -s "$1" --json stats | python3 -c 'import json,sys; print(json.load(sys.stdin)["rx"])'
}

route_via lb
for target in 198.18.100.1:80 '[2001:db8:100::1]:80'; do
	name=v4
	[[ $target == \[* ]] && name=v6
	topo_client cli --target "$target" --connections 60 --concurrency 60 --requests 40 --delay-ms 100 \
		--timeout-ms 3000 --deadline-s 60 >"$WD/$name.json" 2>"$WD/$name.err" &
	eval "PID_$name=$!"
done
sleep 1.3
lb2_before=$(rx_of "$WD/lb2.sock")
route_via lb2
ok "client route moved to lb2 mid-connection"
sleep 1.3
route_via lb
ok "and back to lb"
wait "$PID_v4"
wait "$PID_v6"
lb2_after=$(rx_of "$WD/lb2.sock")
[ $((lb2_after - lb2_before)) -gt 500 ] && ok "lb2 carried $((lb2_after - lb2_before)) packets of the moved connections" ||
	nok "lb2 saw only $((lb2_after - lb2_before)) packets: the route did not move"
for name in v4 v6; do
	if [ "$(topo_json "$WD/$name.json" 'd["failures"]')" = 0 ] && [ "$(topo_json "$WD/$name.json" 'd["succeeded"]')" = 60 ]; then
		ok "$name: all 60 connections (40 requests over 4 s each) survived two LB changes on the same backend"
	else
		nok "$name: $(topo_json "$WD/$name.json" 'd["failure_reasons"]')"
		head -5 "$WD/$name.err"
	fi
done

lb_stop || nok "lb exit status"
kill -TERM "$LB2_PID" && wait "$LB2_PID" && ok "both nodes stopped cleanly" || nok "lb2 exit status"
report_finish "$WD/lb2.log"
