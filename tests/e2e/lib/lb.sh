# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
#
# Running sluiced in the LB namespace of a topology (see topo.sh), shared by
# the e2e tests and scripts/demo. Needs SL_BUILD_ROOT (the meson build
# directory) and a topology brought up by topo_up.

LB_PID=
LB_SOCK=

# lb_config_write FILE VIP_SPEC... : a sluiced config for the topology's lb0,
# one VIP per spec "NAME ADDRESS PORT PROTO METHOD"; backends be1..3 with
# weights 100/100/200 in the VIP's family (for ipip/gue: IPv4 backends when
# the VIP is IPv4, for gue with a '4' suffix on METHOD ("gue4"): IPv4
# backends for an IPv6 VIP). The socket lives in $TOPO_WORKDIR.
lb_config_write() {
	local file=$1 spec name addr port proto method fam sep be i
	local weights=(100 100 200)
	shift
	LB_SOCK=$TOPO_WORKDIR/sluice.sock
	{
		echo "# written by tests/e2e/lib/lb.sh"
		if [ "${LB_WORKERS:-1}" = 2 ]; then
			# Two workers on a 2-CPU machine: lcore 2 shares CPU 1 (functional, not fast).
			echo 'eal = { args = [ "--lcores=0@0,1@1,2@1" ]; };'
			echo 'dataplane = {'
			echo "  ports = ( { name = \"lb0\"; device = \"net_af_packet0,iface=lb0,qpairs=2\"; mtu = ${TOPO_TUNNEL_MTU}; } );"
			echo '  workers = [ 1, 2 ];'
		else
			echo 'dataplane = {'
			echo "  ports = ( { name = \"lb0\"; device = \"net_af_packet0,iface=lb0\"; mtu = ${TOPO_TUNNEL_MTU}; } );"
			echo '  workers = [ 1 ];'
		fi
		echo '  exception = { type = "none"; };'
		echo '  mempool_size = 8191;'
		echo '};'
		echo 'flows = { entries = 65536; };'
		echo "network = { src_ipv4 = \"$(topo_addr4 lb)\"; src_ipv6 = \"$(topo_addr6 lb)\"; };"
		echo "control = { socket = \"$LB_SOCK\"; };"
		echo 'vips = ('
		sep=""
		for spec in "$@"; do
			read -r name addr port proto method <<<"$spec"
			fam=4
			[[ $addr == *:* ]] && fam=6
			if [ "$method" = gue4 ]; then
				method=gue
				fam=4
			fi
			printf '%s  { name = "%s"; address = "%s"; port = %s; protocol = "%s"; method = "%s";\n    backends = (' \
				"$sep" "$name" "$addr" "$port" "$proto" "$method"
			i=0
			for be in $(topo_backends); do
				[ $i -eq 0 ] || printf ','
				if [ $fam = 4 ]; then
					printf '\n      { name = "%s"; address = "%s"; weight = %s; }' "$be" "$(topo_addr4 "$be")" "${weights[$i]}"
				else
					printf '\n      { name = "%s"; address = "%s"; weight = %s; }' "$be" "$(topo_addr6 "$be")" "${weights[$i]}"
				fi
				i=$((i + 1))
			done
			printf ' ); }'
			sep=$',\n'
		done
		printf '\n);\n'
	} >"$file"
}

# lb_ctl ARGS... : sluicectl against the running daemon.
lb_ctl() {
	"$SL_BUILD_ROOT/control/sluicectl" -s "$LB_SOCK" "$@"
}

# lb_start CONFIG [SLUICED_ARGS...] : start sluiced in the lb namespace (CONFIG
# "" = its embedded demo config, whose socket is /run/sluice/demo.sock) and wait
# until its socket answers and every backend's next-hop MAC is known (15 s).
# Runs without hugepages unless SL_HUGE=1, so a killed run pins nothing.
lb_start() {
	local conf=$1 i n unresolved huge=--no-huge
	shift
	[ "${SL_HUGE:-0}" = 1 ] && huge=
	# af_packet shares lb0 with the LB's own kernel, which also sees every VIP
	# packet; without these routes it answers some of them with ICMP
	# "unreachable" (IPv6 does, rate-limited) and breaks the client's connects.
	# A blackhole route drops them silently. (A dedicated NIC has no such twin.)
	ip -n "$(topo_ns "$TOPO_PREFIX" lb)" route replace blackhole "$TOPO_VIP_NET4" 2>/dev/null
	ip -n "$(topo_ns "$TOPO_PREFIX" lb)" -6 route replace blackhole "$TOPO_VIP_NET6" 2>/dev/null
	local cargs=(-c "$conf")
	if [ -z "$conf" ]; then
		cargs=()
		LB_SOCK=/run/sluice/demo.sock
	fi
	ip netns exec "$(topo_ns "$TOPO_PREFIX" lb)" "$SL_BUILD_ROOT/control/sluiced" "${cargs[@]}" $huge \
		--stats-json "$TOPO_WORKDIR/sluiced-stats.json" "$@" >"$TOPO_WORKDIR/sluiced.log" 2>&1 &
	LB_PID=$!
	topo_on_exit lb_stop
	for ((i = 0; i < 150; i++)); do
		if ! kill -0 "$LB_PID" 2>/dev/null; then
			echo "lb: sluiced exited:" >&2
			cat "$TOPO_WORKDIR/sluiced.log" >&2
			LB_PID=
			return 1
		fi
		unresolved=$(lb_ctl --json vips 2>/dev/null |
			python3 -c 'import json,sys; v=json.load(sys.stdin); print(sum(b["next_hop_mac"] is None for x in v for b in x["backends"]))' 2>/dev/null)
		[ "$unresolved" = 0 ] && return 0
		sleep 0.1
	done
	echo "lb: sluiced not ready after 15 s (unresolved next hops: ${unresolved:-no answer})" >&2
	cat "$TOPO_WORKDIR/sluiced.log" >&2
	return 1
}

# lb_stop : SIGTERM sluiced and wait (KILL after 10 s). Returns its exit status.
lb_stop() {
	local pid=$LB_PID i rc=0
	[ -n "$pid" ] || return 0
	LB_PID=
	kill -TERM "$pid" 2>/dev/null
	for ((i = 0; i < 100; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null && echo "lb: sluiced needed SIGKILL" >&2
	wait "$pid" 2>/dev/null || rc=$?
	return $rc
}
