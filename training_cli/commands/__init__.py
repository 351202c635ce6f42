"""The ``mirage`` subcommands: one thin module per command, each with its own parser function
(``xxx_command_parser(subparsers=None)``) and ``run(args)``, registered in ``training_cli.main``.
A command reads its options and calls ``training_cli.engine``; no command imports another."""
