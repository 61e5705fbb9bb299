"""How a stage runs from the command line: its arguments are main's parameters, and bad input
ends it with one short message naming the file and line or the params key, never a traceback."""

import argparse
import inspect
import sys


class InputError(Exception):
    """A problem with the user's input or params: reported as one short message, no traceback."""


def run(main):
    """Call a stage's main with its command-line arguments, one per parameter of main.

    Wrong arguments get argparse's usage line, with the stage's docstring as its help;
    an InputError exits 1 with its message on stderr.
    """
    module = sys.modules[main.__module__]  # __main__, run as python -m stages.<name>
    parser = argparse.ArgumentParser(
        prog=f"python -m {module.__spec__.name}",
        description=module.__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    for name in inspect.signature(main).parameters:
        parser.add_argument(name)
    args = parser.parse_args()
    exit_on_input_error(main, **vars(args))


def exit_on_input_error(main, *args, **kwargs):
    """main(*args, **kwargs); an InputError exits 1 with its message on stderr, no traceback."""
    try:
        main(*args, **kwargs)
    except InputError as e:
        sys.exit(f"error: {e}")
