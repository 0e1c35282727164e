"""``python -m simulator`` is the ``landsim`` command."""

from simulator.cli import console

if __name__ == "__main__":
    console()
