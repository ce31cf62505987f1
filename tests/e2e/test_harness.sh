#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Proves the e2e harness itself, with no load balancer involved: the topology
# comes up as documented, sl_server/sl_client talk over it in both families
# and over UDP, sl_client catches every failure it claims to catch (wrong
# shares, refused, mixed backends, silence, crossed replies), sl_server
# survives hostile input, and teardown leaves nothing behind, even when the
# timeout guard fires.
#
# Run: meson test -C BUILD e2e-harness   (or SL_E2E_BUILDDIR=BUILD/tests/e2e ./test_harness.sh)
# Optional: SL_DECAP=/path/to/sluice-decap also checks topo_attach_decap.
set -u

: "${SL_E2E_LIBDIR:=$(cd "$(dirname "$0")" && pwd)/lib}"
# shellcheck source=lib/topo.sh
. "$SL_E2E_LIBDIR/topo.sh"
topo_guard 120 "$0" "$@"

# ---- from here on: the guarded child, TOPO_PREFIX set, cleanup guaranteed ---
PORT=8080
FAILS=0
P=$TOPO_PREFIX
WD=$TOPO_WORKDIR

ok() { echo "ok   - $*"; }
nok() {
	echo "FAIL - $*"
	FAILS=$((FAILS + 1))
}
# check DESCRIPTION CMD... : CMD must succeed.
check() {
	local what=$1
	shift
	if "$@"; then ok "$what"; else nok "$what"; fi
}
# check_fails DESCRIPTION CMD... : CMD must fail (the harness must notice).
check_fails() {
	local what=$1
	shift
	if "$@"; then nok "$what (expected a failure)"; else ok "$what"; fi
}
jget() { topo_json "$WD/$1" "$2"; }
q() { "$@" >/dev/null 2>&1; }

# client NAME ARGS... : sl_client from the client namespace, JSON kept in $WD/NAME.json.
client() {
	local name=$1
	shift
	topo_client cli "$@" >"$WD/$name.json" 2>"$WD/$name.err"
}

echo "# topology $P"
check "topo_up" topo_up "$P" || exit 1

# ---- the topology is what docs/testing.md says --------------------------------
for be in $(topo_backends); do
	check "cli reaches $be over IPv4" q topo_exec cli ping -c1 -W2 -q "$(topo_addr4 "$be")"
	check "cli reaches $be over IPv6" q topo_exec cli ping -6 -c1 -W2 -q "$(topo_addr6 "$be")"
	check "$be has the IPv4 VIP on lo" \
		eval "topo_exec $be ip -4 addr show dev lo | grep -q '198.18.100.1/32'"
	check "$be has the IPv6 VIP on lo" \
		eval "topo_exec $be ip -6 addr show dev lo | grep -q '2001:db8:100::1/128'"
	check "$be rp_filter off" test "$(topo_exec "$be" sysctl -n net.ipv4.conf.be0.rp_filter)" = 0
	check "$be arp_ignore=1" test "$(topo_exec "$be" sysctl -n net.ipv4.conf.all.arp_ignore)" = 1
	check "$be be0 MTU $TOPO_TUNNEL_MTU" \
		eval "topo_exec $be ip link show be0 | grep -q 'mtu $TOPO_TUNNEL_MTU '"
done
check "cli routes the IPv4 VIP range via the LB" \
	eval "topo_exec cli ip route get 198.18.100.7 | grep -q 'via 198.18.0.2 dev cli0'"
check "cli routes the IPv6 VIP range via the LB" \
	eval "topo_exec cli ip -6 route get 2001:db8:100::7 | grep -q 'via 2001:db8::2 dev cli0'"
check "cli0 checksum offload off" \
	eval "topo_exec cli ethtool -k cli0 | grep -q '^tx-checksumming: off'"
check "lb0 GRO off" eval "topo_exec lb ethtool -k lb0 | grep -q '^generic-receive-offload: off'"
check "lb reachable from cli" q topo_exec cli ping -c1 -W2 -q "$(topo_addr4 lb)"
check "a second topo_up on the same prefix is refused" eval "! topo_up $P 2>/dev/null"

# ---- real traffic, straight to one backend ---------------------------------
for be in $(topo_backends); do
	check "sl_server on $be" topo_server_start "$be" --udp \
		--listen "$(topo_addr4 "$be"):$PORT" --listen "[$(topo_addr6 "$be")]:$PORT"
done

check "IPv4 TCP: 300 connections x 3 requests to be2" \
	client v4 --target "$(topo_addr4 be2):$PORT" --connections 300 --concurrency 150 \
	--requests 3 --expect-weights be2=1 --tolerance 0 --deadline-s 30
check "IPv4 TCP: every connection counted for be2" \
	test "$(jget v4.json 'd["backends"]["be2"]["connections"]')" = 300
check "IPv4 TCP: 900 replies" test "$(jget v4.json 'd["requests_answered"]')" = 900

check "IPv6 TCP: 100 long-lived connections (3 requests 100 ms apart) to be3" \
	client v6 --target "[$(topo_addr6 be3)]:$PORT" --connections 100 --requests 3 --delay-ms 100 \
	--expect-weights be3=1 --deadline-s 30
check "IPv6 TCP: connections stayed open across the delays" \
	eval "[ \"\$(jget v6.json 'd[\"elapsed_ms\"]')\" -ge 200 ]"
check "IPv6 TCP: every connection counted for be3" \
	test "$(jget v6.json 'd["backends"]["be3"]["connections"]')" = 100

check "IPv4 UDP: 50 flows to be1" \
	client udp --udp --target "$(topo_addr4 be1):$PORT" --connections 50 --expect-weights be1=1
check "IPv6 UDP: 50 flows to be1" \
	client udp6 --udp --target "[$(topo_addr6 be1)]:$PORT" --connections 50 --expect-weights be1=1

# ---- the backend side of DSR, without an LB -----------------------------------
# A host route on the client sends VIP traffic straight to be1's MAC, as L2
# DSR would: be1 must accept it on lo's VIP and answer from the VIP, over TCP
# and over UDP through a wildcard socket (the reply source comes from pktinfo).
check "sl_server on be1 for the VIPs" \
	topo_server_start be1 --as be1vip --udp --listen "*:$((PORT + 2))"
check "client routes the VIPs to be1" \
	eval "topo_exec cli ip route add 198.18.100.1/32 via $(topo_addr4 be1) &&
	topo_exec cli ip -6 route add 2001:db8:100::1/128 via $(topo_addr6 be1)"
for t in "198.18.100.1" "[2001:db8:100::1]"; do
	check "VIP $t TCP answered by be1 from the VIP" \
		client vip --target "$t:$((PORT + 2))" --connections 20 --expect-weights be1vip=1
	check "VIP $t UDP answered by be1 from the VIP" \
		client vipu --udp --target "$t:$((PORT + 2))" --connections 20 --expect-weights be1vip=1
done
topo_exec cli ip route del 198.18.100.1/32
topo_exec cli ip -6 route del 2001:db8:100::1/128
topo_server_stop be1vip

# ---- sl_client notices what it must notice -----------------------------------
check_fails "shares far from the weights fail" \
	client shares --target "$(topo_addr4 be1):$PORT" --connections 20 --expect-weights be1=1,be2=1
check "... and name the starved backend" \
	test "$(jget shares.json 'd["weights"]["backends"]["be2"]["ok"]')" = False
check_fails "a backend not in the weights fails" \
	client unlisted --target "$(topo_addr4 be1):$PORT" --connections 20 --expect-weights be2=1
check_fails "refused connections fail" \
	client refused --target "$(topo_addr4 be1):$((PORT + 1))" --connections 5
check "... counted as refused" test "$(jget refused.json 'd["failure_reasons"]["refused"]')" = 5
check_fails "no route to a VIP without an LB fails within the timeout" \
	client novip --target "198.18.100.1:$PORT" --connections 3 --timeout-ms 500 --deadline-s 5

misbehave() { # MODE PORT
	rm -f "$WD/mis$2.ready"
	ip netns exec "$P-be1" python3 "$SL_E2E_LIBDIR/misbehaving_server.py" "$1" "$(topo_addr4 be1)" "$2" \
		--max-seconds 20 --ready-file "$WD/mis$2.ready" >/dev/null 2>&1 &
	topo_on_exit "kill $! 2>/dev/null"
	for _ in $(seq 50); do [ -s "$WD/mis$2.ready" ] && return 0; sleep 0.1; done
	return 1
}
check "misbehaving servers start" \
	eval "misbehave alternate 9001 && misbehave silent 9002 && misbehave wrongtoken 9003"
check_fails "replies from two backends on one connection fail" \
	client mixed --target "$(topo_addr4 be1):9001" --connections 10 --requests 2
check "... as mixed_backend" test "$(jget mixed.json 'd["failure_reasons"]["mixed_backend"]')" = 10
check_fails "unanswered requests fail" \
	client silent --target "$(topo_addr4 be1):9002" --connections 10 --timeout-ms 300
check "... as timeout" test "$(jget silent.json 'd["failure_reasons"]["timeout"]')" = 10
check_fails "crossed replies fail" \
	client crossed --target "$(topo_addr4 be1):9003" --connections 10
check "... as bad_reply" test "$(jget crossed.json 'd["failure_reasons"]["bad_reply"]')" = 10
check_fails "the overall deadline ends a stuck run" \
	client deadline --target "$(topo_addr4 be1):9002" --connections 5 --timeout-ms 60000 --deadline-s 1
check "... as deadline" test "$(jget deadline.json 'd["failure_reasons"]["deadline"]')" = 5
check "bad options are refused with exit 2" \
	eval "topo_client cli --target 198.18.0.11:0 >/dev/null 2>&1; [ \$? -eq 2 ]"
check "bad weights are refused with exit 2" \
	eval "topo_client cli --target 198.18.0.11:$PORT --expect-weights be1=-1 >/dev/null 2>&1; [ \$? -eq 2 ]"

# ---- sl_server survives hostile clients ----------------------------------------
hostile() { # python snippet run in the client namespace against be2
	topo_exec cli timeout 5 python3 -c "
import socket
s = socket.create_connection(('$(topo_addr4 be2)', $PORT), timeout=2)
$1
try:
    print(s.recv(100))
except OSError as e:
    print(e)
" >>"$WD/hostile.log" 2>&1
}
hostile "s.sendall(b'x' * 5000)"
hostile "s.sendall(b'two words\n')"
hostile "s.sendall(b'\x00\xff\n')"
hostile "s.sendall(b'half-a-line-then-close')"
hostile "s.sendall(b'ok-token\n' * 2000)"
check "sl_server still serves after hostile input" \
	client after --target "$(topo_addr4 be2):$PORT" --connections 50 --expect-weights be2=1
check "sl_server counted the bad lines" \
	eval "topo_server_stop be2; grep -q 'bad_lines [1-9]' '$WD/be2-server.log'"

# ---- XDP helpers ----------------------------------------------------------------
if [ -f "$SL_E2E_BUILDDIR/xdp_pass.bpf.o" ]; then
	check "topo_attach_xdp_pass on the lb port" topo_attach_xdp_pass "$P" lb
	check "... the port shows an XDP program" eval "ip -n $P-sw link show lb | grep -q xdp"
	check "traffic still flows through the port" q topo_exec cli ping -c1 -W2 -q "$(topo_addr4 lb)"
else
	echo "skip - xdp_pass.bpf.o not built (no clang)"
fi
if [ -n "${SL_DECAP:-}" ]; then
	check "topo_attach_decap $SL_DECAP" topo_attach_decap "$P" "$SL_DECAP"
	check "... be1 has a native XDP program" eval "topo_exec be1 ip link show be0 | grep -q xdp"
	check "IPv4 TCP to be1 still works with decap attached" \
		client decap --target "$(topo_addr4 be1):$PORT" --connections 50 --expect-weights be1=1
else
	echo "skip - topo_attach_decap (SL_DECAP not set)"
fi

# ---- teardown ---------------------------------------------------------------------
topo_servers_stop
check "topo_down" topo_down "$P"
check "nothing left of $P" eval "! ip netns list | grep -q '^$P-'"
check "topo_down again is a no-op" topo_down "$P"

# The guard must clean up after a body that hangs: run one with a 3 s guard.
cat >"$WD/hang.sh" <<EOF
. "$SL_E2E_LIBDIR/topo.sh"
topo_guard 3 "\$0"
topo_up "\$TOPO_PREFIX"
topo_server_start be1 --listen "198.18.0.11:$PORT"
sleep 60
EOF
TOPO_PREFIX=${P}h TOPO_GUARDED='' TOPO_WORKDIR='' timeout 30 bash "$WD/hang.sh" >"$WD/hang.log" 2>&1
rc=$?
check "a hanging body is stopped by its guard (exit 124)" test "$rc" = 124
check "... and its topology is gone" eval "! ip netns list | grep -q '^${P}h-'"
check "... and its server is gone" eval "! pgrep -f -- '--ready-file /tmp/${P}h-' >/dev/null"

echo "# $FAILS failure(s)"
[ "$FAILS" -eq 0 ]
