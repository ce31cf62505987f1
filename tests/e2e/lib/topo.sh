# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
#
# The e2e topology: one bridge, a client, a load balancer and three DSR
# backends, each in its own network namespace named after a per-run PREFIX so
# parallel runs never meet. Source this file; it also brings in guard.sh
# (timeouts, cleanup traps) and apps.sh (sl_server/sl_client helpers).
#
#   PREFIX-cli  cli0 198.18.0.1/24   2001:db8::1/64   routes VIP ranges via the LB
#   PREFIX-lb   lb0  198.18.0.2/24   2001:db8::2/64   sluiced (af_packet on lb0)
#   PREFIX-beN  be0  198.18.0.1N/24  2001:db8::1N/64  VIPs on lo, replies straight to the client
#   PREFIX-sw   br0 with one port per node: cli, lb, be1, be2, be3
#
# Interface names are fixed and short because each lives in its own
# namespace; only namespace names carry the PREFIX.

TOPO_LIBDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# VIPs put on every backend's lo by topo_up (space-separated, either family).
: "${TOPO_VIPS:=198.18.100.1 2001:db8:100::1}"
: "${TOPO_NBACKENDS:=3}"
# Frames from the LB to a backend carry a tunnel header (20 bytes IPIP, 40
# ip6tnl, 28/48 GUE) on top of a full-sized client packet; the LB and backend
# links get room for it while the client keeps 1500, as a real fabric would.
: "${TOPO_TUNNEL_MTU:=1600}"
TOPO_CLIENT_MTU=1500

TOPO_NET4=198.18.0
TOPO_NET6=2001:db8:
TOPO_VIP_NET4=198.18.100.0/24
TOPO_VIP_NET6=2001:db8:100::/64

# Namespace of NODE (cli, lb, sw, be1..) in topology PREFIX.
topo_ns() { echo "$1-$2"; }

# Addresses of a node, for scripts: topo_addr4 be2 -> 198.18.0.12.
topo_addr4() {
	case $1 in
	cli) echo "$TOPO_NET4.1" ;;
	lb) echo "$TOPO_NET4.2" ;;
	lb2) echo "$TOPO_NET4.3" ;;
	be[1-9]) echo "$TOPO_NET4.1${1#be}" ;;
	*) return 1 ;;
	esac
}
topo_addr6() {
	case $1 in
	cli) echo "${TOPO_NET6}:1" ;;
	lb) echo "${TOPO_NET6}:2" ;;
	lb2) echo "${TOPO_NET6}:3" ;;
	be[1-9]) echo "${TOPO_NET6}:1${1#be}" ;;
	*) return 1 ;;
	esac
}

topo_backends() {
	local i
	for ((i = 1; i <= TOPO_NBACKENDS; i++)); do echo "be$i"; done
}

# topo_exec NODE cmd... : run cmd inside NODE's namespace of the current
# topology ($TOPO_PREFIX, set by topo_up). NODE may also be a full namespace name.
# Do not background it for a long-lived process (`topo_exec be1 srv &`): the &
# forks a subshell whose pid is not the process's. Use topo_server_start, or
# `ip netns exec "$(topo_ns "$TOPO_PREFIX" be1)" srv &`.
topo_exec() {
	local node=$1
	shift
	local ns
	if ip netns list | awk '{print $1}' | grep -qx -- "$node"; then
		ns=$node
	else
		ns=$(topo_ns "${TOPO_PREFIX:?topo_exec: no topology (run topo_up first)}" "$node")
	fi
	ip netns exec "$ns" "$@"
}

_topo_sysctl() { # NS key=value...
	local ns=$1
	shift
	ip netns exec "$ns" sysctl -q -w "$@" >/dev/null
}

# Offloads that veth offers by default but the sluice datapath cannot take:
#  tx  (checksum): the kernel leaves TCP/UDP checksums to "hardware" and the
#       frame crosses the veth with a partial checksum; a frame read by
#       af_packet and re-sent encapsulated by sluiced arrives at the backend
#       with a wrong checksum and is dropped.
#  tso/gso: the sender would push 64 KiB super-frames through the veth that
#       DPDK mbufs and XDP buffers cannot hold.
#  gro: the receiving veth would merge frames back into super-frames before
#       af_packet or XDP sees them.
#  rx  (checksum): keep "checksum verified" marks from skipping the backend's
#       own check of what the balancer rewrote.
_topo_no_offload() { # NS IFACE
	ip netns exec "$1" ethtool -K "$2" tx off rx off gso off tso off gro off >/dev/null 2>&1 ||
		echo "topo: warning: could not disable offloads on $1/$2" >&2
}

# One veth pair: NODE_IFACE in NS_NODE, PORT in the switch namespace, enslaved to br0.
_topo_link() { # PREFIX NODE IFACE PORT MTU
	local p=$1 node=$2 ifc=$3 port=$4 mtu=$5
	local nns sw
	nns=$(topo_ns "$p" "$node")
	sw=$(topo_ns "$p" sw)
	ip -n "$nns" link add "$ifc" mtu "$mtu" type veth \
		peer name "$port" netns "$sw" mtu "$mtu" || return 1
	ip -n "$sw" link set "$port" master br0 up || return 1
	_topo_no_offload "$nns" "$ifc"
	_topo_no_offload "$sw" "$port"
	ip -n "$nns" link set "$ifc" up
}

_topo_node_addr() { # NS IFACE NODE
	local ns=$1 ifc=$2 node=$3
	ip -n "$ns" addr add "$(topo_addr4 "$node")/24" dev "$ifc" &&
		ip -n "$ns" -6 addr add "$(topo_addr6 "$node")/64" dev "$ifc" nodad
}

_topo_backend() { # PREFIX NODE VIP...
	local p=$1 node=$2
	shift 2
	local ns vip
	ns=$(topo_ns "$p" "$node")
	_topo_link "$p" "$node" be0 "$node" "$TOPO_TUNNEL_MTU" || return 1
	_topo_node_addr "$ns" be0 "$node" || return 1
	# Replies go to the client, whose link is 1500: without this route MTU a
	# backend would size its packets to its own 1600-byte link.
	ip -n "$ns" route replace "$TOPO_NET4.0/24" dev be0 src "$(topo_addr4 "$node")" \
		mtu "$TOPO_CLIENT_MTU" || return 1
	ip -n "$ns" -6 route replace "${TOPO_NET6}:/64" dev be0 metric 256 \
		mtu "$TOPO_CLIENT_MTU" || return 1
	ip -n "$ns" link set lo up
	for vip in "$@"; do
		topo_vip_add "$p" "$node" "$vip" || return 1
	done
	# rp_filter: decapsulated packets arrive on be0 addressed to a VIP that lives
	#   on lo; strict reverse-path filtering (Debian's default 1 via "all") drops them.
	# arp_ignore=1: answer ARP only for addresses of the asking interface, so no
	#   backend claims a VIP on the wire and steals traffic from the balancer.
	# arp_announce=2: never use a VIP as the ARP source address.
	_topo_sysctl "$ns" net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 \
		net.ipv4.conf.be0.rp_filter=0 net.ipv4.conf.lo.rp_filter=0 \
		net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.be0.arp_ignore=1 \
		net.ipv4.conf.all.arp_announce=2 net.ipv4.conf.be0.arp_announce=2
}

# topo_add_lb2 PREFIX : a second load-balancer node (PREFIX-lb2, lb0 at .3/::3)
# on the same segment, for fleet tests where the client's route moves between
# two LB nodes.
topo_add_lb2() {
	local p=${1:?topo_add_lb2 PREFIX} ns
	ns=$(topo_ns "$p" lb2)
	ip netns add "$ns" || return 1
	_topo_link "$p" lb2 lb0 lb2 "$TOPO_TUNNEL_MTU" &&
		_topo_node_addr "$ns" lb0 lb2 &&
		ip -n "$ns" link set lo up
}

# topo_vip_add PREFIX NODE VIP : one more VIP on a backend's lo (/32 or /128).
topo_vip_add() {
	local ns
	ns=$(topo_ns "$1" "$2")
	case $3 in
	*:*) ip -n "$ns" -6 addr add "$3/128" dev lo nodad ;;
	*) ip -n "$ns" addr add "$3/32" dev lo ;;
	esac
}

# topo_up PREFIX [VIP...] : build the whole topology (VIPs default to $TOPO_VIPS).
# Returns non-zero and tears down what it built if any step fails.
topo_up() {
	local p=${1:?topo_up PREFIX [VIP...]}
	shift
	local vips=("$@") node sw
	[ ${#vips[@]} -gt 0 ] || read -r -a vips <<<"$TOPO_VIPS"
	TOPO_PREFIX=$p
	export TOPO_PREFIX
	sw=$(topo_ns "$p" sw)
	if ip netns list | awk '{print $1}' | grep -q -- "^$p-"; then
		echo "topo_up: namespaces $p-* already exist" >&2
		return 1
	fi
	{
		for node in sw cli lb $(topo_backends); do
			ip netns add "$(topo_ns "$p" "$node")" || return 1
		done
		# STP off: ports forward at once instead of after 2x15 s of listening.
		# Multicast snooping off: without an MLD querier it can starve IPv6
		# neighbour discovery between the nodes.
		ip -n "$sw" link add br0 type bridge stp_state 0 forward_delay 0 mcast_snooping 0 &&
			ip -n "$sw" link set br0 up &&
			ip -n "$sw" link set lo up &&
			_topo_link "$p" cli cli0 cli "$TOPO_CLIENT_MTU" &&
			_topo_node_addr "$(topo_ns "$p" cli)" cli0 cli &&
			ip -n "$(topo_ns "$p" cli)" link set lo up &&
			ip -n "$(topo_ns "$p" cli)" route add "$TOPO_VIP_NET4" via "$(topo_addr4 lb)" &&
			ip -n "$(topo_ns "$p" cli)" -6 route add "$TOPO_VIP_NET6" via "$(topo_addr6 lb)" &&
			_topo_link "$p" lb lb0 lb "$TOPO_TUNNEL_MTU" &&
			_topo_node_addr "$(topo_ns "$p" lb)" lb0 lb &&
			ip -n "$(topo_ns "$p" lb)" link set lo up || return 1
		for node in $(topo_backends); do
			_topo_backend "$p" "$node" "${vips[@]}" || return 1
		done
	} || {
		echo "topo_up: failed; removing $p-*" >&2
		topo_down "$p"
		return 1
	}
}

# topo_down PREFIX : stop every process left in the topology's namespaces
# (TERM, then KILL after 2 s) and delete them, which deletes the veths too.
# Idempotent: a missing namespace is not an error.
topo_down() {
	local p=${1:?topo_down PREFIX} ns pids i
	local all
	all=$(ip netns list 2>/dev/null | awk '{print $1}' | grep -E -- "^$p-(sw|cli|lb|lb2|be[0-9]+)\$")
	[ -n "$all" ] || return 0
	for ns in $all; do
		pids=$(ip netns pids "$ns" 2>/dev/null)
		# shellcheck disable=SC2086 # one pid per word
		[ -z "$pids" ] || kill -TERM $pids 2>/dev/null
	done
	for i in 1 2 3 4 5 6 7 8 9 10; do
		pids=""
		for ns in $all; do pids+=$(ip netns pids "$ns" 2>/dev/null); done
		[ -n "$pids" ] || break
		sleep 0.2
	done
	for ns in $all; do
		pids=$(ip netns pids "$ns" 2>/dev/null)
		# shellcheck disable=SC2086 # one pid per word
		[ -z "$pids" ] || kill -KILL $pids 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	return 0
}

# topo_attach_xdp_pass PREFIX NODE : attach the do-nothing XDP program to the
# switch-side port of NODE. A veth delivers frames its peer sends with
# XDP_TX/XDP_REDIRECT only when it has an XDP program itself; needed once a
# dataplane on NODE's interface bounces frames with XDP_TX (sluice's XDP
# path on lb0, or a decap program answering ICMP on be0). Needs
# xdp_pass.bpf.o in $SL_E2E_BUILDDIR.
topo_attach_xdp_pass() {
	local p=$1 node=$2 obj=${SL_E2E_BUILDDIR:-}/xdp_pass.bpf.o
	if [ ! -f "$obj" ]; then
		echo "topo_attach_xdp_pass: $obj missing (set SL_E2E_BUILDDIR, build tests/e2e)" >&2
		return 1
	fi
	ip -n "$(topo_ns "$p" sw)" link set dev "$node" xdpdrv obj "$obj" sec xdp
}

# topo_attach_decap PREFIX /path/to/sluice-decap [ATTACH_ARGS...] : load the
# decapsulation program on every backend's be0 (native XDP; ATTACH_ARGS such
# as --gue-port go to `sluice-decap attach`), and XDP_PASS on the switch-side
# peers so anything the decap program sends back with XDP_TX is delivered.
topo_attach_decap() {
	local p=${1:?topo_attach_decap PREFIX DECAP} decap=${2:?topo_attach_decap PREFIX DECAP} node
	shift 2
	if [ ! -x "$decap" ]; then
		echo "topo_attach_decap: $decap is not an executable" >&2
		return 1
	fi
	for node in $(topo_backends); do
		ip netns exec "$(topo_ns "$p" "$node")" "$decap" attach be0 --mode native "$@" || return 1
		topo_attach_xdp_pass "$p" "$node" || return 1
	done
}

# shellcheck source=guard.sh
. "$TOPO_LIBDIR/guard.sh"
# shellcheck source=apps.sh
. "$TOPO_LIBDIR/apps.sh"
