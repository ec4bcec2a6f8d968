# The driver's frames per second against frame size, one line per preset.
# Variables: datafile, mode, rate (the y axis's meaning), n (presets), t1..tn.
width = 1000; height = 620
load 'plots/common.gp'
set title sprintf("Driver: frames per second against frame size (%s mode; higher is better)", mode)
set ylabel rate
set xlabel 'frame size (bytes)'
set yrange [0:*]
set format y '%.0s%c'
set key outside right top
plot for [i=1:n] datafile using 1:(column(i + 1)) with linespoints linetype i \
        title value(sprintf('t%d', i))
