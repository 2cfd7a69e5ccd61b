"""The HTTP edge (docs/interface.md §7): declarations, batch files, OAuth, the register, the
e-Box and the audit log, over intake's use cases and the published read modules. It runs in
the intake process and starts intake's jobs (services.intake.jobs)."""
