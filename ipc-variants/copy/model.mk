# The copy model builds on the shared rendezvous (docs/variants.md, "Adding an IPC model").
IPC_SHARED := rendezvous
