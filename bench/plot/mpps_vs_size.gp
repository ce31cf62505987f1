# Mpps vs frame size (100k established flows), testpmd io on the same link as the ceiling.
load plotdir.'/common.gp'
set output dir.'/mpps_vs_size.png'
set title "Throughput vs frame size (100k established flows, GUE, 1 worker lcore, memif)"
set xlabel "frame size incl. FCS (bytes)"
set ylabel "Mpps (median)"
set xrange [0:1600]
set yrange [0:*]
plot dir.'/plot_sizes.dat' using 1:2 skip 1 with linespoints lw 2 pt 7 title "testpmd io (ceiling)", \
     ''                    using 1:3 skip 1 with linespoints lw 2 pt 5 title "sluiced"
