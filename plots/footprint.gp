# Cache lines and pages one round trip touches, per preset, kernel and user
# stacked.  Variables: datafile, mode, case, n (presets).
width = 1200; height = 600
load 'plots/common.gp'
set style data histograms
set style histogram rowstacked
set style fill solid 0.85 border rgb '#333333'
set boxwidth 0.7
set yrange [0:*]
set offsets 0, 0, graph 0.1, 0
set xtics rotate by 30 right
set key top left
set multiplot layout 1, 2 title sprintf("Footprint of one %s per preset (%s mode: QEMU plugin, kernel + user)", case, mode)
set title 'distinct 64-byte cache lines'
set ylabel 'cache lines touched (footprint mode)'
plot datafile using 2:xtic(1) linetype 1 title 'kernel', '' using 3 linetype 2 title 'user', \
     '' using 0:($2 + $3):(sprintf('%g', $2 + $3)) with labels offset 0, 0.8 font ',10'
set title 'distinct 4 KiB pages'
set ylabel 'pages touched (footprint mode)'
plot datafile using 4:xtic(1) linetype 1 title 'kernel', '' using 5 linetype 2 title 'user', \
     '' using 0:($4 + $5):(sprintf('%g', $4 + $5)) with labels offset 0, 0.8 font ',10'
unset multiplot
