"""Command-line options several commands share (kept free of heavy imports: parsers are built at startup)."""

from __future__ import annotations

import argparse


def add_location_options(parser: argparse.ArgumentParser) -> None:
    """``-f FILE`` or ``-m MODULE`` (one required) and ``-a ATTR``: where ``load_code_location`` looks."""
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("-f", "--python-file", "--file", dest="python_file", metavar="FILE", help="a Python file holding the definitions")
    where.add_argument("-m", "--module-name", "--module", dest="module_name", metavar="MODULE", help="an importable module holding the definitions")
    parser.add_argument("-a", "--attribute", metavar="ATTR", help="the Definitions (or @definitions function) to use when the module has several")
