# Maglev table build time vs backends, for both table sizes.
load plotdir.'/common.gp'
set output dir.'/maglev_build.png'
set title "Maglev table build time (median)"
set xlabel "backends N"
set ylabel "ms"
set logscale xy
set xrange [5:2000]
set key top left
plot dir.'/plot_maglev.dat' using 1:2 skip 1 with linespoints lw 2 pt 7 title "M = 65537", \
     ''                     using 1:3 skip 1 with linespoints lw 2 pt 5 title "M = 655373", \
     1.5 with lines dt 2 lw 2 lc rgb "#cc3311" title "target N=1000, M=65537 (1.5 ms)"
