#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The control plane end to end, with real TCP servers and long-lived client
# connections that stay open across every change:
#  - a backend's server stops: within fall x interval it leaves the table, new
#    connections avoid it, connections to the other backends are not broken;
#    it comes back and rejoins;
#  - drain: connections to the drained backend continue, new ones avoid it;
#  - reload with a changed weight (SIGHUP) under traffic: nothing breaks; a
#    broken file is refused and the running config stays;
#  - live changes over sluicectl (add/remove backend, set weight), a bad
#    change rejected whole;
#  - malformed requests and a client that connects and never reads.
#
# Run: meson test -C BUILD e2e-control
set -u

: "${SL_E2E_LIBDIR:=$(cd "$(dirname "$0")" && pwd)/lib}"
# shellcheck source=lib/topo.sh
. "$SL_E2E_LIBDIR/topo.sh"
# shellcheck source=lib/lb.sh
. "$SL_E2E_LIBDIR/lb.sh"
# shellcheck source=lib/report.sh
. "$SL_E2E_LIBDIR/report.sh"
topo_guard 300 "$0" "$@"

P=$TOPO_PREFIX
WD=$TOPO_WORKDIR
jq_() { topo_json "$@"; }
VIP=198.18.100.1:80

# Long-lived clients: $1 = name; 60 connections, 25 requests 100 ms apart (~2.5 s each).
long_client_start() {
	topo_client cli --target "$VIP" --connections 60 --concurrency 60 --requests 25 --delay-ms 100 \
		--timeout-ms 3000 --deadline-s 40 >"$WD/$1.json" 2>"$WD/$1.err" &
	eval "PID_$1=$!"
}
long_client_wait() {
	local pid
	eval "pid=\$PID_$1"
	wait "$pid"
}
# Connections that broke, per backend, as "be1=0 be2=17 ..." (failed_on).
broken_on() { jq_ "$WD/$1.json" '" ".join("%s=%d" % kv for kv in sorted(d["failed_on"].items())) or "none"'; }
short_client() { # name -> JSON; 150 short connections
	topo_client cli --target "$VIP" --connections 150 --concurrency 30 --requests 2 --timeout-ms 3000 \
		--deadline-s 30 >"$WD/$1.json" 2>"$WD/$1.err"
}
backends_seen() { jq_ "$WD/$1.json" '" ".join(sorted(d["backends"]))'; }
backend_field() { # backend field -> value from `sluicectl vip name=web`
	lb_ctl --json vip name=web | python3 -c 'import json,sys; v=json.load(sys.stdin); print([b for b in v["backends"] if b["name"]==sys.argv[1]][0][sys.argv[2]])' "$1" "$2"
}
wait_state() { # backend state timeout_s
	local i
	for ((i = 0; i < $3 * 10; i++)); do
		[ "$(backend_field "$1" state 2>/dev/null)" = "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

topo_up "$P" || exit 1
topo_attach_decap "$P" "$SL_BUILD_ROOT/bpf/sluice-decap" >/dev/null || exit 1
for be in $(topo_backends); do topo_server_start "$be" --listen '*:80' || exit 1; done

write_conf() { # be1 weight, extra VIP text
	cat >"$WD/sluiced.conf" <<EOF
dataplane = {
  ports = ( { name = "lb0"; device = "net_af_packet0,iface=lb0"; mtu = ${TOPO_TUNNEL_MTU}; } );
  workers = [ 1 ];
  mempool_size = 8191;
};
flows = { entries = 65536; };
network = { src_ipv4 = "$(topo_addr4 lb)"; src_ipv6 = "$(topo_addr6 lb)"; };
control = { socket = "$WD/sluice.sock"; metrics = "127.0.0.1:9180"; };
vips = (
  { name = "web"; address = "198.18.100.1"; port = 80; protocol = "tcp"; method = "gue";
    health = { type = "tcp"; interval_ms = 200; timeout_ms = 150; rise = 2; fall = 2; };
    backends = (
      { name = "be1"; address = "$(topo_addr4 be1)"; weight = $1; },
      { name = "be2"; address = "$(topo_addr4 be2)"; weight = 100; },
      { name = "be3"; address = "$(topo_addr4 be3)"; weight = 100; }
    ); }$2
);
EOF
}
write_conf 100 ""
LB_SOCK=$WD/sluice.sock
lb_start "$WD/sluiced.conf" || exit 1
ok "sluiced up with TCP health checks every 200 ms (fall 2, rise 2)"

# ---- 1. a backend fails under traffic --------------------------------------
long_client_start fail
sleep 1
t0=$(date +%s%N)
topo_server_stop be2
if wait_state be2 down 5; then
	t1=$(date +%s%N)
	ok "be2 DOWN $(((t1 - t0) / 1000000)) ms after its server stopped (fall x interval = 400 ms + timeout)"
else
	nok "be2 not marked down within 5 s"
fi
long_client_wait fail
b=$(broken_on fail)
if [[ $b == none || $b =~ ^be2=[0-9]+$ ]]; then
	ok "long-lived connections on be1/be3 survived be2's failure (broken: $b)"
else
	nok "connections broke on healthy backends: $b"
fi
short_client after_fail
if [ "$(backends_seen after_fail)" = "be1 be3" ] && [ "$(jq_ "$WD/after_fail.json" 'd["failures"]')" = 0 ]; then
	ok "new connections avoid be2 ($(backends_seen after_fail))"
else
	nok "new connections after the failure: $(backends_seen after_fail), failures $(jq_ "$WD/after_fail.json" 'd["failures"]')"
fi
topo_server_start be2 --listen '*:80' || exit 1
if wait_state be2 up 5; then ok "be2 rejoined after rise successes"; else nok "be2 did not come back"; fi
short_client after_return
[[ " $(backends_seen after_return) " == *" be2 "* ]] && ok "new connections reach be2 again" ||
	nok "be2 gets no new connections after returning"

# ---- 2. drain ----------------------------------------------------------------
long_client_start drain
sleep 0.5
lb_ctl drain vip=web backend=be3 >/dev/null && ok "sluicectl drain be3" || nok "sluicectl drain"
[ "$(backend_field be3 state)" = draining ] && ok "be3 is draining" || nok "be3 state $(backend_field be3 state)"
short_client during_drain
[[ " $(backends_seen during_drain) " != *" be3 "* ]] && ok "new connections avoid the drained be3" ||
	nok "new connections still reach be3 while draining"
long_client_wait drain
if [ "$(jq_ "$WD/drain.json" 'd["failures"]')" = 0 ] &&
	[ "$(jq_ "$WD/drain.json" 'd["backends"].get("be3",{}).get("connections",0) > 0')" = True ]; then
	ok "every long-lived connection completed, those on be3 included"
else
	nok "drain broke connections: $(broken_on drain)"
fi
lb_ctl undrain vip=web backend=be3 >/dev/null && ok "sluicectl undrain be3" || nok "sluicectl undrain"

# ---- 3. reload under traffic -------------------------------------------------
long_client_start reload
sleep 0.5
write_conf 300 ""
kill -HUP "$LB_PID"
for _ in $(seq 1 30); do [ "$(backend_field be1 weight)" = 300 ] && break; sleep 0.1; done
[ "$(backend_field be1 weight)" = 300 ] && ok "SIGHUP reload: be1 weight 300" || nok "reload did not apply the weight"
long_client_wait reload
[ "$(jq_ "$WD/reload.json" 'd["failures"]')" = 0 ] && ok "no established connection broke across the reload" ||
	nok "reload broke connections: $(broken_on reload)"
echo 'vips = ( { name = "web"; address = "198.18.100.1"; weight = oops; } );' >"$WD/sluiced.conf"
if out=$(lb_ctl reload 2>&1); then nok "a broken file was accepted"; else
	ok "a broken file is refused: ${out##*: }"
fi
[ "$(backend_field be1 weight)" = 300 ] && ok "the running config stayed" || nok "running config changed"

# ---- 4. live changes ---------------------------------------------------------
lb_ctl set-weight vip=web backend=be2 weight=200 >/dev/null && [ "$(backend_field be2 weight)" = 200 ] &&
	ok "set-weight be2 200" || nok "set-weight"
if out=$(lb_ctl set-weight vip=web backend=be2 weight=70000 2>&1); then nok "weight 70000 accepted"; else
	ok "weight 70000 rejected: ${out#*: }"
fi
[ "$(backend_field be2 weight)" = 200 ] && ok "rejected change left be2 at 200" || nok "rejected change altered state"
lb_ctl add-backend vip=web address=198.18.0.14 name=be4 weight=50 >/dev/null &&
	[ "$(backend_field be4 weight)" = 50 ] && ok "add-backend be4" || nok "add-backend"
lb_ctl remove-backend vip=web backend=be4 >/dev/null && ! backend_field be4 weight >/dev/null 2>&1 &&
	ok "remove-backend be4" || nok "remove-backend"
lb_ctl add-vip name=web2 address=198.18.100.2 port=80 method=ipip >/dev/null &&
	lb_ctl add-backend vip=web2 address="$(topo_addr4 be1)" >/dev/null && ok "add-vip web2 with a backend" ||
	nok "add-vip"
lb_ctl remove-vip name=web2 >/dev/null && ok "remove-vip web2" || nok "remove-vip"
lb_ctl save path="$WD/saved.conf" >/dev/null && "$SL_BUILD_ROOT/control/sluiced" --check -c "$WD/saved.conf" >/dev/null &&
	ok "save writes a config that validates" || nok "save"

# ---- 5. metrics -----------------------------------------------------------------
if topo_exec lb curl -sf --max-time 5 http://127.0.0.1:9180/metrics >"$WD/metrics.txt"; then
	grep -q '^sluice_backend_packets_total{.*backend="be1"' "$WD/metrics.txt" &&
		grep -q '^# TYPE sluice_drops_total counter' "$WD/metrics.txt" &&
		grep -q '^sluice_backend_up{.*backend="be2".*} 1' "$WD/metrics.txt" &&
		ok "Prometheus /metrics: $(grep -c '^sluice_' "$WD/metrics.txt") samples, per-backend counters and states" ||
		nok "metrics content: $(head -c 300 "$WD/metrics.txt")"
else
	nok "GET /metrics failed"
fi
topo_exec lb curl -s -o /dev/null -w '%{http_code}' --max-time 5 http://127.0.0.1:9180/nope | grep -q 404 &&
	ok "other paths get 404" || nok "no 404 for other paths"

# ---- 6. hostile clients --------------------------------------------------------
python3 - "$LB_SOCK" <<'PY' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
s.setblocking(False)
req = b'{"cmd":"vips"}\n' * 2000
try:
    s.send(req)
except BlockingIOError:
    pass
time.sleep(4)   # never reads a byte
PY
hog=$!
sleep 0.5
for bad in '{"cmd":' '[]' '{"cmd":"nope"}' '{"cmd":"set-weight","args":{"vip":"web","backend":"be1","weight":"x"}}'; do
	if lb_ctl raw "$bad" >/dev/null 2>&1; then nok "accepted: $bad"; else ok "rejected: $bad"; fi
done
lb_ctl --json stats >/dev/null && ok "sluiced answers while a client never reads" || nok "control socket stalled"
kill "$hog" 2>/dev/null
wait "$hog" 2>/dev/null

if lb_stop; then ok "sluiced stopped cleanly"; else nok "sluiced exit status"; fi
report_finish "$WD/sluiced.log"
