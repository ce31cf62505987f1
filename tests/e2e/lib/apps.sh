# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
#
# Running the e2e tools inside the topology. Sourced by topo.sh.
# Needs SL_E2E_BUILDDIR (meson sets it for registered tests) pointing at the
# build directory holding sl_server and sl_client.

declare -A _TOPO_SERVER_PIDS=()
: "${TOPO_SERVER_MAX_SECONDS:=300}"

# topo_workdir : make sure TOPO_WORKDIR names a per-run scratch directory
# (logs, ready files, JSON); removed at exit unless TOPO_KEEP_WORKDIR=1.
# Call it directly, not in $(...): it must set the variable in this shell.
topo_workdir() {
	[ -z "${TOPO_WORKDIR:-}" ] || return 0
	TOPO_WORKDIR=$(mktemp -d "/tmp/${TOPO_PREFIX:-sl}-e2e.XXXXXX") || return 1
	export TOPO_WORKDIR
	if [ "${TOPO_KEEP_WORKDIR:-0}" != 1 ]; then
		topo_on_exit 'rm -rf "$TOPO_WORKDIR"'
	fi
}

_topo_tool() { # NAME
	local bin=${SL_E2E_BUILDDIR:?SL_E2E_BUILDDIR must name the tests/e2e build directory}/$1
	if [ ! -x "$bin" ]; then
		echo "topo: $bin not built" >&2
		return 1
	fi
	echo "$bin"
}

# topo_server_start NODE [--as NAME] SL_SERVER_ARGS... : start sl_server in
# NODE's namespace (e.g. `topo_server_start be1 --listen '*:8080'`), named NODE
# in its replies unless --as NAME is given (to run a second server on one
# node); wait up to 5 s until it listens, and stop it when the script exits.
# Output goes to $TOPO_WORKDIR/NAME-server.log. Bounded by
# TOPO_SERVER_MAX_SECONDS.
topo_server_start() {
	local node=${1:?topo_server_start NODE [--as NAME] ARGS...}
	shift
	local name=$node bin wd i
	if [ "${1:-}" = --as ]; then
		name=${2:?--as NAME}
		shift 2
	fi
	bin=$(_topo_tool sl_server) || return 1
	topo_workdir || return 1
	wd=$TOPO_WORKDIR
	rm -f "$wd/$name.ready"
	[ ${#_TOPO_SERVER_PIDS[@]} -gt 0 ] || topo_on_exit topo_servers_stop
	# ip netns exec, not topo_exec: a function run with & would be a subshell
	# whose pid is not the server's, and killing it would orphan the server.
	ip netns exec "$(topo_ns "$TOPO_PREFIX" "$node")" "$bin" --name "$name" \
		--max-seconds "$TOPO_SERVER_MAX_SECONDS" \
		--ready-file "$wd/$name.ready" "$@" >"$wd/$name-server.log" 2>&1 &
	_TOPO_SERVER_PIDS[$name]=$!
	for ((i = 0; i < 50; i++)); do
		[ -s "$wd/$name.ready" ] && return 0
		if ! kill -0 "${_TOPO_SERVER_PIDS[$name]}" 2>/dev/null; then
			echo "topo: sl_server $name on $node exited:" >&2
			cat "$wd/$name-server.log" >&2
			unset "_TOPO_SERVER_PIDS[$name]"
			return 1
		fi
		sleep 0.1
	done
	echo "topo: sl_server $name on $node not ready after 5 s" >&2
	return 1
}

# topo_server_stop NAME : SIGTERM the server started as NAME and wait for it.
topo_server_stop() {
	local name=$1 pid=${_TOPO_SERVER_PIDS[$1]:-}
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	unset "_TOPO_SERVER_PIDS[$name]"
}

# topo_servers_stop : stop every server topo_server_start started.
topo_servers_stop() {
	local name
	for name in "${!_TOPO_SERVER_PIDS[@]}"; do topo_server_stop "$name"; done
}

# topo_client NODE SL_CLIENT_ARGS... : run sl_client in NODE's namespace;
# JSON on stdout, exit status of sl_client.
topo_client() {
	local node=${1:?topo_client NODE ARGS...} bin
	shift
	bin=$(_topo_tool sl_client) || return 1
	topo_exec "$node" "$bin" "$@"
}

# topo_json FILE EXPR : print a value from a JSON file, EXPR in Python
# syntax over `d`, e.g. topo_json out.json 'd["backends"]["be1"]["connections"]'.
topo_json() {
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}
