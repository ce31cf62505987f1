# Mpps vs concurrent flows (64 B established ACKs, one worker lcore), testpmd io on the same link as the ceiling.
load plotdir.'/common.gp'
set output dir.'/mpps_vs_flows.png'
set title "Throughput vs flows (64 B, established, GUE, 1 worker lcore, memif)"
set xlabel "concurrent flows"
set ylabel "Mpps (median)"
set logscale x
set xrange [0.5:2e6]
set yrange [0:*]
plot dir.'/plot_flows.dat' using 1:2 skip 1 with linespoints lw 2 pt 7 title "testpmd io (ceiling)", \
     ''                    using 1:3 skip 1 with linespoints lw 2 pt 5 title "sluiced"
