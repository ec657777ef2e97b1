"""Interview frameworks as data and the phase/coverage tracker. Pure and deterministic: no Qt,
no clock reads, no I/O beyond loading framework files it is pointed at."""
