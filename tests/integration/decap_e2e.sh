#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# End-to-end: a "balancer" namespace sends encapsulated TCP SYNs over a veth to
# a "backend" namespace running sluice-decap in native mode, with the VIP on lo;
# the backend kernel must answer with a SYN-ACK from the VIP. After detach the
# same packets must go unanswered (this kernel has no tunnel modules), which
# shows the answers came through the decap program.
# usage: decap_e2e.sh PATH/TO/sluice-decap      (root; exits 77 when not root)
set -euo pipefail

DECAP=$(readlink -f "$1")
HERE=$(dirname "$(readlink -f "$0")")
PY=/usr/bin/python3
[ "$(id -u)" = 0 ] || { echo "decap_e2e: needs root; skipped"; exit 77; }
$PY -c 'import scapy' 2>/dev/null || { echo "decap_e2e: python3-scapy missing; skipped"; exit 77; }

LB=sld_lb_$$
BE=sld_be_$$
LISTENER=
cleanup() {
	[ -n "$LISTENER" ] && kill "$LISTENER" 2>/dev/null || true
	ip netns del "$LB" 2>/dev/null || true
	ip netns del "$BE" 2>/dev/null || true
}
trap cleanup EXIT INT TERM

ip netns add "$LB"
ip netns add "$BE"
ip link add sl-lb netns "$LB" type veth peer name sl-be netns "$BE"
for ns in "$LB" "$BE"; do ip -n "$ns" link set lo up; done
ip -n "$LB" addr add 198.18.0.1/24 dev sl-lb
ip -n "$LB" addr add 2001:db8::1/64 dev sl-lb nodad
ip -n "$LB" link set sl-lb up

# Backend: decap addresses on the link, VIPs on lo, routes back to the clients
# through the balancer's side of the link (DSR: replies do not go through the LB).
ip -n "$BE" addr add 198.18.0.2/24 dev sl-be
ip -n "$BE" addr add 2001:db8::2/64 dev sl-be nodad
ip -n "$BE" addr add 198.18.100.1/32 dev lo
ip -n "$BE" addr add 2001:db8:100::1/128 dev lo
ip -n "$BE" link set sl-be up
ip -n "$BE" route add 198.18.1.0/24 via 198.18.0.1
ip -n "$BE" -6 route add 2001:db8:1::/64 via 2001:db8::1
ip netns exec "$BE" sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.sl-be.rp_filter=0

# A listening socket on the VIPs (dual-stack), so the answer is a SYN-ACK.
ip netns exec "$BE" timeout 60 $PY -c '
import socket, time
s = socket.socket(socket.AF_INET6); s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.bind(("::", 8080)); s.listen(64); time.sleep(60)' &
LISTENER=$!

BE_MAC=$(ip -n "$BE" -br link show sl-be | awk '{print $3}')
KINDS=ipip4,ipip6,ip6tnl4,ip6tnl6,gue4_4,gue4_6,gue6_4,gue6_6

ip netns exec "$BE" timeout 10 "$DECAP" attach sl-be --mode native \
	--addr 198.18.0.2 --addr 2001:db8::2
sleep 0.5
echo "== attached: every kind must be answered"
ip netns exec "$LB" timeout 20 $PY "$HERE/decap_e2e.py" sl-lb "$BE_MAC" "$KINDS" expect

echo "== stats"
ip netns exec "$BE" timeout 10 "$DECAP" stats sl-be
ip netns exec "$BE" timeout 10 "$DECAP" stats sl-be --json | $PY -c '
import json, sys
s = json.load(sys.stdin)
c = s["counters"]
assert s["mode"] == "native", s["mode"]
for k in ("ipip", "ip6tnl", "gue"):
    for f in ("v4", "v6"):
        n = c["decap_%s_inner_%s" % (k, f)]["packets"]
        assert n >= (2 if k == "gue" else 1), (k, f, n)
print("stats: decap counters as expected")'

ip netns exec "$BE" timeout 10 "$DECAP" detach sl-be
echo "== detached: nothing may be answered"
ip netns exec "$LB" timeout 20 $PY "$HERE/decap_e2e.py" sl-lb "$BE_MAC" ipip4,ip6tnl6,gue4_4 none
rc=0
ip netns exec "$BE" timeout 10 "$DECAP" stats sl-be || rc=$?
[ "$rc" = 6 ] || { echo "stats after detach: exit $rc, want 6"; exit 1; }
echo "decap_e2e: PASS"
