"""The command line's words before typer reads them: an argument such as ``-x^2`` is the
expression, not an option."""

from __future__ import annotations

from typing import Any

import typer.core


def expression_arguments(args: list[str], options: dict[str, bool]) -> list[str]:
    """Read an argument such as ``-x^2`` as the expression rather than as an option.

    ``options`` maps each option name of the command to whether it takes a value. An argument
    that starts with a single '-' and is not one of those options (nor a short option with its
    value attached, ``-mreverse``) is moved after a ``--``, where it is positional. The
    argument right after the user's own ``--`` is the expression whatever it looks like, and
    options may follow it (``diffx grad -- -x^2 --at x=3``).
    """
    kept: list[str] = []
    moved: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        i += 1
        if arg == "--":
            if i < len(args):
                moved.append(args[i])
                i += 1
            continue
        if arg in options:
            kept.append(arg)
            if options[arg] and i < len(args):  # its value, whatever it looks like
                kept.append(args[i])
                i += 1
        elif arg.startswith("-") and len(arg) > 1 and not arg.startswith("--") and \
                not _attached_short_option(arg, options):
            moved.append(arg)
        else:
            kept.append(arg)
    return kept + ["--"] + moved if moved else kept


def _attached_short_option(arg: str, options: dict[str, bool]) -> bool:
    """``-mreverse``, ``-fprog.dx``: a short option with its value (a word or a path)."""
    return options.get(arg[:2], False) and all(c.isalnum() or c in "_./:~" for c in arg[2:])


class DiffxCommand(typer.core.TyperCommand):
    """A diffx command: an argument like ``-x^2`` is the expression (see above)."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        options: dict[str, bool] = {}
        for param in self.get_params(ctx):
            if getattr(param, "param_type_name", None) == "option":
                takes_value = not getattr(param, "is_flag", False) and not getattr(param, "count", False)
                for name in (*param.opts, *param.secondary_opts):
                    options[name] = takes_value
        try:
            return super().parse_args(ctx, expression_arguments(args, options))
        except Exception as exc:  # typer's usage error (its own copy of click's NoSuchOption)
            if getattr(exc, "option_name", None) == "--format" and "--json" in options:
                # trace, steps and quiz have --format (json among its choices); this one
                # writes JSON with --json, which the close-match guess does not offer
                said = "No such option: --format (this command writes JSON with --json)"
                exc.possibilities, exc.message = None, said  # type: ignore[attr-defined]
            raise
