#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# sluiced end to end: a client namespace opens hundreds of real TCP
# connections to six VIPs (IPv4 and IPv6; GUE, IPIP, ip6tnl, L2 DSR, and GUE
# carrying IPv6 to IPv4 backends, and an any-port VIP) through sluiced running on net_af_packet
# over a veth. Three backends decapsulate with sluice's XDP program and answer
# the client directly (DSR). Every request must be answered, every
# connection must stay on one backend, and each VIP's spread must be within
# 0.12 (absolute share, over 4 sigma at 300 connections) of the 1:1:2 weights.
#
# Run: meson test -C BUILD e2e-sluiced
set -u

: "${SL_E2E_LIBDIR:=$(cd "$(dirname "$0")" && pwd)/lib}"
TOPO_VIPS="198.18.100.1 198.18.100.2 198.18.100.3 198.18.100.4 2001:db8:100::1 2001:db8:100::2 2001:db8:100::3 2001:db8:100::4"
export TOPO_VIPS
# shellcheck source=lib/topo.sh
. "$SL_E2E_LIBDIR/topo.sh"
# shellcheck source=lib/lb.sh
. "$SL_E2E_LIBDIR/lb.sh"
# shellcheck source=lib/report.sh
. "$SL_E2E_LIBDIR/report.sh"
topo_guard 300 "$0" "$@"

P=$TOPO_PREFIX
WD=$TOPO_WORKDIR
CONNS=${SL_E2E_CONNS:-300}

topo_up "$P" || exit 1
topo_attach_decap "$P" "$SL_BUILD_ROOT/bpf/sluice-decap" >/dev/null || { echo "decap attach failed"; exit 1; }
for be in $(topo_backends); do
	topo_server_start "$be" --listen '*:80' --listen '*:8080' || exit 1
done

VIPS=(
	"v4gue 198.18.100.1 80 tcp gue"
	"v4ipip 198.18.100.2 80 tcp ipip"
	"v4l2 198.18.100.3 80 tcp l2dsr"
	"v6gue 2001:db8:100::1 80 tcp gue"
	"v6tnl 2001:db8:100::2 80 tcp ip6tnl"
	"v6l2 2001:db8:100::3 80 tcp l2dsr"
	"v6in4 2001:db8:100::4 80 tcp gue4"
	"v4any 198.18.100.4 0 tcp gue"
)
lb_config_write "$WD/sluiced.conf" "${VIPS[@]}"
lb_start "$WD/sluiced.conf" || exit 1
ok "sluiced up with ${LB_WORKERS:-1} worker(s), all next hops resolved"

for spec in "${VIPS[@]}"; do
	read -r name addr port _ method <<<"$spec"
	[ "$port" = 0 ] && port=8080
	target=$addr:$port
	[[ $addr == *:* ]] && target="[$addr]:$port"
	if topo_client cli --target "$target" --connections "$CONNS" --concurrency 50 --requests 3 --delay-ms 2 \
		--timeout-ms 3000 --deadline-s 60 --expect-weights be1=100,be2=100,be3=200 --tolerance 0.12 \
		>"$WD/$name.json" 2>"$WD/$name.err"; then
		ok "$name ($method): $CONNS connections answered, one backend each, shares $(topo_json "$WD/$name.json" '" ".join("%s=%.2f" % (k, v["share"]) for k, v in sorted(d["backends"].items()))')"
	else
		nok "$name ($method) to $target"
		cat "$WD/$name.err" "$WD/$name.json" 2>/dev/null | head -20
	fi
done

# sluicectl lookup agrees with what the dataplane did for a fresh flow.
if lb_ctl --json lookup src=198.18.0.1 dst=198.18.100.1 sport=40000 dport=80 >"$WD/lookup.json"; then
	ok "sluicectl lookup answers ($(topo_json "$WD/lookup.json" 'd["backend"]'))"
else
	nok "sluicectl lookup"
fi
# A malformed request gets an error, and the daemon keeps serving.
if lb_ctl raw '{"cmd":' >/dev/null 2>&1; then nok "malformed request accepted"; else ok "malformed request rejected"; fi
lb_ctl --json stats >"$WD/stats-live.json" && ok "daemon still serving after a malformed request" || nok "daemon stopped serving"

if lb_stop; then ok "sluiced stopped cleanly on SIGTERM"; else nok "sluiced exit status"; fi
st=$WD/sluiced-stats.json
for reason in no_backend no_nexthop_mac tx_full unsupported no_mbuf; do
	n=$(topo_json "$st" "d['stats']['drops']['$reason']")
	[ "$n" = 0 ] && ok "no '$reason' drops" || nok "$n '$reason' drops"
done
if [ "${LB_WORKERS:-1}" = 2 ]; then
	# Both workers must have carried flows: the queues really split the traffic.
	busy=$(topo_json "$st" 'sum(1 for l in d["stats"]["lcores"] if l["flow_misses"] > 0)')
	[ "$busy" = 2 ] && ok "both worker lcores balanced new flows ($(topo_json "$st" '" ".join("lcore%d=%d" % (l["lcore"], l["flow_misses"]) for l in d["stats"]["lcores"])'))" ||
		nok "only $busy worker(s) saw new flows"
fi
echo "# sluiced counters: $(topo_json "$st" '"rx=%d tx=%d host=%d flow_hits=%d flow_misses=%d dropped=%d" % tuple(d["stats"][k] for k in ("rx","tx","host","flow_hits","flow_misses","dropped"))')"
report_finish "$WD/sluiced.log"
