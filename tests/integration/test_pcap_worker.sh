#!/usr/bin/env bash
# Packets through the real sluiced worker over the pcap vdev, checked by an
# independent scapy decoder (pcap_worker.py). Usage: test_pcap_worker.sh BUILD_DIR
set -euo pipefail
build=$(realpath "$1")
here=$(cd "$(dirname "$0")" && pwd)
py=/usr/bin/python3
d=$(mktemp -d /tmp/sl-pcap.XXXXXX)
pid=
cleanup() {
	if [ -n "$pid" ]; then kill -KILL "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
	rm -rf "$d"
}
trap cleanup EXIT

"$py" "$here/pcap_worker.py" gen "$d"
frames=$("$py" -c 'import json,sys; print(json.load(open(sys.argv[1]))["frames"])' "$d/expect.json")

timeout 120 "$build/control/sluiced" -c "$d/worker.conf" --no-huge --stats-json "$d/stats.json" \
	>"$d/sluiced.log" 2>&1 &
pid=$!

# The pcap vdev replays the file once; wait until the worker has seen every frame.
rx=0
for _ in $(seq 1 600); do
	if ! kill -0 "$pid" 2>/dev/null; then
		echo "sluiced exited early:"; cat "$d/sluiced.log"; exit 1
	fi
	rx=$("$build/control/sluicectl" -s "$d/sluice.sock" --json stats 2>/dev/null |
		"$py" -c 'import json,sys; print(json.load(sys.stdin)["rx"])' 2>/dev/null || echo 0)
	[ "$rx" -ge "$frames" ] && break
	sleep 0.1
done
echo "worker received $rx of $frames frames"
kill -TERM "$pid"
wait "$pid" || { echo "sluiced exit status $?"; cat "$d/sluiced.log"; exit 1; }
pid=
SL_PORT_MAC=$(sed -n 's/.*port pcap0: .* mac \([0-9a-f:]*\),.*/\1/p' "$d/sluiced.log" | head -n1)
export SL_PORT_MAC
"$py" "$here/pcap_worker.py" check "$d" || { cat "$d/sluiced.log"; exit 1; }
