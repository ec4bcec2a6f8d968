# The driver's frames per second against frame size, a line per preset and driver.
# Variables: datafile, mode, rate (the y axis's meaning), n (lines), t1..tn,
# and optionally c1..cn (each line's colour: its preset), d1..dn (1 solid:
# user-level driver, 2 dashed: in-kernel driver), subset (which presets, if
# not all), second (`virtual second` under icount).
width = 1000; height = 620
load 'plots/common.gp'
if (!exists("subset")) subset = ''
note = (subset eq '') ? '' : sprintf(' [%s]', subset)
if (!exists("second")) second = 'second'
set title sprintf("e1000 driver: frames per %s against frame size (%s mode; higher is better)%s\nsolid: user-level driver, dashed: in-kernel driver", second, mode, note)
set ylabel rate
set xlabel 'frame size (bytes)'
set yrange [0:*]
set format y '%.1fM'
set key inside right top box opaque
colour(i) = exists(sprintf('c%d', i)) ? value(sprintf('c%d', i)) : i
dash(i) = exists(sprintf('d%d', i)) ? value(sprintf('d%d', i)) : 1
plot for [i=1:n] datafile using 1:(column(i + 1) / 1e6) with linespoints linetype colour(i) \
        dashtype dash(i) pointtype (dash(i) == 2 ? 6 : 7) title value(sprintf('t%d', i))
