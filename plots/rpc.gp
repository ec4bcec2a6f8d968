# RPC throughput against the number of clients, one line per preset.
# Variables: datafile, mode, rate (the y axis's meaning), n (presets), t1..tn.
width = 1000; height = 620
load 'plots/common.gp'
set title sprintf("RPC throughput against clients (%s mode; higher is better)", mode)
set ylabel rate
set xlabel 'clients calling one server'
set logscale x 2
set yrange [0:*]
set format y '%.1s%c'
set xrange [*:*]
set offsets graph 0.04, graph 0.04, graph 0.08, 0
set key outside right top
plot for [i=1:n] datafile using 1:(column(i + 1)):xtic(1) with linespoints linetype i \
        dashtype i title value(sprintf('t%d', i))
