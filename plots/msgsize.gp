# Round trip between two spaces against message size, one line per IPC model,
# each model's floor dashed in its colour.
# Variables: datafile, mode, unit, stat, n (models), t1..tn (titles), p1..pn (presets).
width = 1100; height = 600
load 'plots/common.gp'
set title sprintf("Round trip against message size, per IPC model (%s mode, %s, %s)", mode, stat, unit)
set ylabel sprintf('%s per round trip (%s, %s mode)', unit, stat, mode)
set xlabel 'message size (bytes)'
set xtics 8
set yrange [0:*]
set autoscale xfix
set offsets 2, 2, graph 0.08, 0
set key outside right center vertical
plot for [i=1:n] datafile using 1:(column(i + 1)) with linespoints linetype i \
        title value(sprintf('t%d', i)), \
     for [i=1:n] datafile using 1:(column(n + i + 1)) with lines linetype i dashtype 2 linewidth 1.5 \
        title sprintf('floor of %s', value(sprintf('p%d', i)))
