# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
#
# TAP-like result lines shared by the e2e scripts: `ok`/`nok` print one line
# each and count failures; `report_finish` prints the total (and, on
# failure, the tail of a log worth reading) and returns the script's status.

FAILS=0

ok() { echo "ok   - $*"; }

nok() {
	echo "FAIL - $*"
	FAILS=$((FAILS + 1))
}

# report_finish [LOG] : exit status for the script; LOG's tail is shown on failure.
report_finish() {
	if [ "$FAILS" -ne 0 ] && [ -n "${1:-}" ] && [ -f "$1" ]; then
		echo "last lines of $1:"
		tail -30 "$1"
	fi
	echo "# $FAILS failure(s)"
	[ "$FAILS" -eq 0 ]
}
