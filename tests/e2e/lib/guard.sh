# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
#
# Bounded, self-cleaning e2e scripts. Sourced by topo.sh.
#
# A test script starts with
#     . "$SL_E2E_LIBDIR/topo.sh"
#     topo_guard 120 "$0" "$@"
# topo_guard re-runs the script as a child under `timeout` with a fresh
# TOPO_PREFIX and, whatever happens to the child (success, failure, timeout,
# SIGKILL), stops what is left in that topology and deletes it. Inside the
# child topo_guard returns at once and the script body runs; the body may add
# its own cleanup with topo_on_exit.

_TOPO_EXIT_CMDS=()

# topo_on_exit CMD : run CMD (a string, eval'd) when the script exits, most
# recent first. The first call installs the EXIT/INT/TERM trap.
topo_on_exit() {
	if [ ${#_TOPO_EXIT_CMDS[@]} -eq 0 ]; then
		trap _topo_run_exit_cmds EXIT
		trap 'exit 143' TERM
		trap 'exit 130' INT
	fi
	_TOPO_EXIT_CMDS+=("$1")
}

_topo_run_exit_cmds() {
	local i
	for ((i = ${#_TOPO_EXIT_CMDS[@]} - 1; i >= 0; i--)); do
		eval "${_TOPO_EXIT_CMDS[$i]}" || true
	done
	_TOPO_EXIT_CMDS=()
}

# topo_require_root : exit 77 (meson's "skipped") when namespaces cannot be made.
topo_require_root() {
	local probe="slprobe$$"
	if [ "$(id -u)" -ne 0 ] || ! command -v ip >/dev/null || ! ip netns add "$probe" 2>/dev/null; then
		echo "SKIP: needs root and ip netns" >&2
		exit 77
	fi
	ip netns del "$probe"
}

_TOPO_CHILD=
_topo_stop_child() {
	[ -n "$_TOPO_CHILD" ] || return 0
	kill -TERM "$_TOPO_CHILD" 2>/dev/null
	wait "$_TOPO_CHILD" 2>/dev/null
	_TOPO_CHILD=
}

# topo_guard SECONDS SCRIPT [ARGS...] : see the top of this file. Exits with
# the child's status (124 when the timeout fired, 77 when it skipped).
topo_guard() {
	local secs=${1:?topo_guard SECONDS SCRIPT ARGS...}
	shift
	if [ -n "${TOPO_GUARDED:-}" ]; then
		return 0
	fi
	topo_require_root
	export TOPO_GUARDED=1
	export TOPO_PREFIX=${TOPO_PREFIX:-sl$$}
	# Made here so that our trap removes it even if the child is killed.
	topo_workdir || exit 1
	local rc=0
	# The child runs in the background so that a TERM sent to us (meson's own
	# timeout, Ctrl-C) interrupts `wait` at once and our trap cleans up.
	timeout --kill-after=5 "$secs" bash "$@" &
	_TOPO_CHILD=$!
	topo_on_exit '_topo_stop_child; topo_down "$TOPO_PREFIX"'
	wait "$_TOPO_CHILD" || rc=$?
	_TOPO_CHILD=
	if [ "$rc" -eq 124 ]; then
		echo "FAIL: $(basename "$1") exceeded its ${secs}s guard" >&2
	fi
	exit "$rc"
}
