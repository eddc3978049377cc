"""``python -m dockyard``: the ``dockyard`` command line."""

from dockyard.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
