"""The ``fasttwin`` command: one module per subcommand, dispatched by :mod:`fasttwin.cli.main`."""
