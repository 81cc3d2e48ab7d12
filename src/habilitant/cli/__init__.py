"""The ``habilitant`` command line (click), owned here: parse options, call one function of the
library, print French. :mod:`~habilitant.cli.main` holds the group and the referential,
index, search, analyse and evaluate commands; each family of commands has its module
(``encoder``, ``portfolio``, ``service``: serve and enrich, ``train``, ``vae``: coverage and
suggest); :mod:`~habilitant.cli.context` loads settings and the pipeline once per command."""

from habilitant.cli.main import cli, main

__all__ = ["cli", "main"]
