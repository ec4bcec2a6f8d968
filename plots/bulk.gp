# Bulk data from client to server against its size, 0 B to 4 KiB: per round,
# the client's write, the IPC and the server's check of every word.  A line
# per model preset and way: copied in the message solid, through a shared
# buffer dashed; a colour per preset.
# Variables: datafile, mode, unit, stat, n (lines), t1..tn (titles),
# c1..cn (colour: the preset), d1..dn (1 copied, 2 shared).
width = 1100; height = 620
load 'plots/common.gp'
set title sprintf("Bulk data, client to server, against its size (%s mode, %s, %s)\nsolid: copied in the message, dashed: shared buffer + two-word message", mode, stat, unit)
set ylabel sprintf('%s per round (%s, %s mode)', unit, stat, mode)
set xlabel 'bytes from client to server'
set xtics (0, 256, 512, 1024, 2048, 3072, 4096)
set yrange [0:*]
set xrange [0:4096]
set offsets 0, 64, graph 0.05, 0
set key inside left top box opaque
plot for [i=1:n] datafile using 1:(column(i + 1)) with linespoints \
        linetype value(sprintf('c%d', i)) dashtype value(sprintf('d%d', i)) \
        pointtype (value(sprintf('d%d', i)) == 2 ? 6 : 7) title value(sprintf('t%d', i))
