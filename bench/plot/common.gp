# Shared look of the suite's plots; each script is run with -e "dir='RESULTS_DIR'".
set terminal pngcairo size 900,560 enhanced font "DejaVu Sans,11"
set grid ytics lc rgb "#dddddd"
set key top right box opaque
set border 3
set tics nomirror
