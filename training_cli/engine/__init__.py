"""The training engine of the ``mirage`` CLI: data, distributed set-up, the training loop, evaluation,
resume state, recipes and the run log.

Every function here takes typed parameters (dataclasses such as ``recipes.TrainConfig`` and
``data.DataOptions``, never an argparse Namespace) and raises the typed errors of ``errors``;
only ``training_cli.main.main`` turns them into exit codes. The engine never imports
``training_cli.commands``.
"""
