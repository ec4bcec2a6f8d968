"""ipclab host harness: build a variant, boot it under QEMU, read what it says.

Run it as ``python3 -m harness <command>`` from the top of the tree:

    boot   build one variant and boot it once under a watchdog
    test   the whole test suite (host unit tests, harness tests, on-target, ISO)
    cpu    what the host offers: accelerator, QEMU version, CPU model

Modules:

    process  run a program under a watchdog, reading its output line by line
    serial   the serial-line protocol (markers read from include/ipclab/result.h)
    qemu     QEMU command lines, accelerator detection, exit-status meaning
    boot     build + boot + log: one boot of one variant
    testrun  the test runner behind ``make test``
"""
