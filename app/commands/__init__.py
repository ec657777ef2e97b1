"""One module per ``mockcoach`` subcommand: ``register(subparsers)`` and ``run(args) -> int``."""
