# Shared by every plot: terminal, output and style.  The harness sets
#   fmt      png or svg
#   term     pngcairo, or png where gnuplot lacks cairo
#   out      the file to write
# and each script sets width and height (pixels) before loading this file.
if (fmt eq 'svg') {
    set terminal svg size width, height dynamic noenhanced font 'DejaVu Sans,13' background rgb 'white'
} else {
    if (term eq 'pngcairo') {
        set terminal pngcairo size width, height noenhanced font 'DejaVu Sans,11' background rgb 'white'
    } else {
        set terminal png size width, height noenhanced font 'DejaVu Sans,11' background rgb 'white'
    }
}
set output out
set encoding utf8
set border 3
set tics nomirror
set grid ytics linecolor rgb '#dddddd'
set key noautotitle
# Colour-blind-safe colours (Paul Tol's bright scheme), one per series.
set linetype 1 linecolor rgb '#4477aa' linewidth 2 pointtype 7  pointsize 1.2
set linetype 2 linecolor rgb '#ee6677' linewidth 2 pointtype 5  pointsize 1.2
set linetype 3 linecolor rgb '#228833' linewidth 2 pointtype 9  pointsize 1.4
set linetype 4 linecolor rgb '#ccbb44' linewidth 2 pointtype 11 pointsize 1.4
set linetype 5 linecolor rgb '#66ccee' linewidth 2 pointtype 13 pointsize 1.4
set linetype 6 linecolor rgb '#aa3377' linewidth 2 pointtype 4  pointsize 1.2
set linetype 7 linecolor rgb '#555555' linewidth 2 pointtype 6  pointsize 1.2
set linetype 8 linecolor rgb '#000000' linewidth 2 pointtype 8  pointsize 1.2
