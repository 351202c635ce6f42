"""The ``mirage`` subcommands: one thin module per command, each with its own parser function
(``<name>_command_parser(subparsers=None)``) and ``run(args)``. ``COMMANDS`` registers them: the
order ``mirage --help`` lists them in and their one-line help, which ``options.command_parser``
gives the parser; the module of command NAME is ``training_cli.commands.NAME``. ``training_cli.main``
imports a command's module only when that command runs, so ``mirage --help`` answers without
loading torch. A command reads its options and calls ``training_cli.engine``; no command imports
another."""

# name -> one-line help, in the order `mirage --help` lists them
COMMANDS = {
    "info": "versions, compute device, shipped models and samples",
    "train": "train MIRAGE or a baseline",
    "evaluate": "metrics of a checkpoint on a split (bootstrap CIs, curves)",
    "compare": "paired bootstrap of the AUROC difference between two models' predictions",
    "ensemble": "average trained checkpoints into one (thresholds from the validation split)",
    "calibrate": "fit probability calibration and thresholds on the validation split",
    "ablate": "ablation table / sensitivity sweeps (trains one model per variant)",
    "bench": "latency, throughput and memory of MIRAGE and the 1D ResNet baseline",
    "robustness": "perturbation benchmark: calls changed by recording faults, faults detected",
    "score": "batch-score every record under a folder into a CSV",
    "interpretation": "how the interpretation reads on the records of one label (e.g. AFIB on fold 10)",
    "report": "write the PDF report of one record",
    "overreads": "list the over-reads a MIRAGE Review store keeps (signatures, drafts; --csv)",
    "convert": "convert ECG files (MUSE, Philips, aECG, DICOM, SCP, EDF ...) to WFDB or EDF+",
    "export": "ship a trained checkpoint (its weights, clean provenance, model card; --half: fp16 weights)",
}
