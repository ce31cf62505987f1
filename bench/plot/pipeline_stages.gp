# Net ns per packet of each worker stage (ipv4-gue, 100k flows), with the 30 ns established target.
load plotdir.'/common.gp'
set output dir.'/pipeline_stages.png'
set title "Worker pipeline cost per packet (ipv4-gue, 100k flows, net of restore)"
set ylabel "ns per packet"
set style data histograms
set style fill solid 0.8 border -1
set boxwidth 0.7
set xtics rotate by -30 left
set yrange [0:*]
set key top left
plot dir.'/plot_stages.dat' using 2:xtic(1) skip 1 lc rgb "#4477aa" title "net ns", \
     30 with lines dt 2 lw 2 lc rgb "#cc3311" title "established target (30 ns)"
