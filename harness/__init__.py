"""ipclab host harness: build a variant, boot it under QEMU, read what it says.

Run it as ``python3 -m harness <command>`` from the top of the tree:

    boot     build one variant and boot it once under a watchdog
    test     the whole test suite (host unit tests, harness tests, on-target, ISO)
    cpu      what the host offers: accelerator, QEMU version, CPU model
    doctor   the QEMU, its plugin API, the KVM kind, and which modes this host can run
    run      benchmark one preset in one mode, store the run, print its tables
    matrix   benchmark every preset in every mode (make bench, CI)
    show     tables of stored runs, IPC figures as multiples of the floor
    regress  compare a run with results/baseline/icount.json (CI)
    ingest   store a serial log captured on a real PC

Modules:

    process  run a program under a watchdog, reading its output line by line
    serial   the serial-line protocol (markers read from include/ipclab/result.h)
    qemu     QEMU command lines, accelerator detection, exit-status meaning, plugin API
    boot     build + boot + log: one boot of one variant (footprint: + the plugin)
    testrun  the test runner behind ``make test``
    bench    benchmark boots: presets x modes, progress, one run per mode
    runs     stored runs: metadata, results/runs/*.json, captured serial logs
    tables   the comparison tables and the floor
    regress  the comparison with the baseline
    doctor   what this host can run (python3 -m harness doctor)
"""
