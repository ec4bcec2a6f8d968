# Round trip between two spaces per preset: bars for the smallest and the
# largest message, each preset's floor as a black line across its bars.
# Variables: datafile, mode, unit, stat, n (presets), small, large (bar titles).
width = 1100; height = 620
load 'plots/common.gp'
set title sprintf("Round trip between two address spaces, per preset (%s mode, %s, %s)", mode, stat, unit)
set ylabel sprintf('%s per round trip (%s, %s mode)', unit, stat, mode)
set xlabel 'preset'
set style fill solid 0.85 border rgb '#333333'
set boxwidth 0.36
set xrange [-0.6:n - 0.4]
set yrange [0:*]
set offsets 0, 0, graph 0.12, 0
set key top left reverse Left
plot datafile using 0:(NaN):xtic(1) with points notitle, \
     '' using ($0 - 0.19):2 with boxes linetype 1 title small, \
     '' using ($0 + 0.19):3 with boxes linetype 2 title large, \
     '' using ($0 - 0.4):4:(0.8):(0) with vectors nohead linewidth 3 linecolor rgb 'black' \
        title 'floor: 2 null system calls + space switch there and back', \
     '' using ($0 - 0.19):2:(sprintf('%g', $2)) with labels offset 0, 0.8 font ',10', \
     '' using ($0 + 0.19):3:(sprintf('%g', $3)) with labels offset 0, 0.8 font ',10'
