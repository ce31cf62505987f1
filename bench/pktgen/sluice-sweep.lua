-- pktgen-dpdk 23.06.x Lua script (pktgen -f sluice-sweep.lua): offered-load
-- sweep toward a sluice edge server, printing one CSV line per step.
--
-- It loads a .pkt command file (the flow ranges), then for every frame size
-- and rate step sends for STEP_MS and reads port 0's rate counters. What
-- pktgen can see is what it SENDS (pkts_tx) and what comes back to it
-- (pkts_rx): route the backends' replies, or the balancer's output (a mirror
-- or a second port), to pktgen's RX to measure forwarding; otherwise read
-- forwarding from `sluicectl stats` on the edge server over the same interval.
--
-- Settings: edit below, or set them as globals before running this file.
local PKT_FILE = PKT_FILE or "bench/pktgen/sluice-established.pkt"
local PORT     = PORT or "0"
local SIZES    = SIZES or { 64, 512, 1500 }
local RATES    = RATES or { 10, 25, 50, 75, 100 }   -- percent of line rate
local STEP_MS  = STEP_MS or 5000
local SETTLE_MS = SETTLE_MS or 1000

-- Sum one rate sample (pktgen refreshes rates once a second).
local function rates(port)
	local st = pktgen.portStats(port, "rate")
	local s = st[tonumber(port)]
	return s.pkts_tx, s.pkts_rx, s.mbits_tx, s.mbits_rx
end

-- Average the per-second rates over a step, skipping the settle time.
local function measure(port, ms)
	local n, tx, rx, mtx, mrx = 0, 0, 0, 0, 0
	pktgen.delay(SETTLE_MS)
	for _ = 1, math.max(1, ms // 1000) do
		pktgen.delay(1000)
		local a, b, c, d = rates(port)
		tx, rx, mtx, mrx, n = tx + a, rx + b, mtx + c, mrx + d, n + 1
	end
	return tx / n, rx / n, mtx / n, mrx / n
end

pktgen.screen("off")
pktgen.load(PKT_FILE)
print("size,rate_pct,tx_pps,rx_pps,tx_mbps,rx_mbps")
for _, size in ipairs(SIZES) do
	pktgen.range.pkt_size(PORT, "start", size)
	pktgen.range.pkt_size(PORT, "min", size)
	pktgen.range.pkt_size(PORT, "max", size)
	for _, rate in ipairs(RATES) do
		pktgen.set(PORT, "rate", rate)
		pktgen.clr()
		pktgen.start(PORT)
		local tx, rx, mtx, mrx = measure(PORT, STEP_MS)
		pktgen.stop(PORT)
		pktgen.delay(500)
		print(string.format("%d,%d,%.0f,%.0f,%.0f,%.0f", size, rate, tx, rx, mtx, mrx))
	end
end
pktgen.screen("on")
