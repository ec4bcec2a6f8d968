# From Mach to L4: the round trip of plain Mach-style IPC, what each
# optimization takes off it in turn (floating bars), and the target's round
# trip; a dashed line marks the goal.  Variables: datafile, mode, unit,
# case, goal (the goal's value; 0: none), goaltext, laddertitle (From Mach to L4).
width = 1200; height = 600
load 'plots/common.gp'
set style fill solid 0.85 border rgb '#333333'
set yrange [0:*]
set offsets 0.5, 0.5, graph 0.1, 0
set xtics rotate by 20 right
set key top right
set title sprintf("%s: one %s, step by step (%s mode)", laddertitle, case, mode)
set ylabel sprintf('%s per round trip', unit)
if (goal > 0) {
    set arrow 1 from graph 0, first goal to graph 1, first goal nohead dashtype 2 linecolor rgb '#555555'
    set label 1 goaltext at graph 0.98, first goal right offset 0, 0.7 textcolor rgb '#555555' front
}
# columns: index, label, bottom, top, kind (1 whole, 2 a step's saving, 3 target), shown value
plot datafile using 1:(($3 + $4) / 2):($1 - 0.35):($1 + 0.35):3:4:($5):xtic(2) \
         with boxxyerror linecolor variable, \
     '' using 1:4:(sprintf('%s', strcol(6))) with labels offset 0, 0.8 font ',10'
