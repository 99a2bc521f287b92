"""The scheduler process, `vigie schedule` (docs/operations.md): it starts each due time's run
once, whichever of several schedulers on one database is active, and has it executed by a
separate process (``vigie scan --resume RUN``).

Modules: ``process`` (standby/active, APScheduler, firing, misfires, resuming), ``journal``
(this process's identity, its lease and its event log), ``worker`` (the runs in hand, one at a
time), ``executor`` (the executor subprocess and its process group) and ``publish`` (the
report site and indicators export after each run).
"""
