"""The `genzoo` command.

Usage errors exit with code 2 (click's convention), failures with 1; a traceback is shown
only with `--debug`.
"""

from __future__ import annotations

import sys

import click

from keras_genzoo.version import __version__


class _GenzooGroup(click.Group):
    """Turns exceptions raised by commands into one-line errors (exit 1) unless --debug is given."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except Exception as e:  # noqa: BLE001 - the command line reports any failure in one line
            if ctx.obj and ctx.obj.get("debug"):
                raise
            click.echo(f"Error: {type(e).__name__}: {e}", err=True)
            ctx.exit(1)


@click.group(cls=_GenzooGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="genzoo")
@click.option("--debug", is_flag=True, help="Show full tracebacks on errors.")
@click.pass_context
def main(ctx, debug):
    """keras-genzoo: train, sample and evaluate deep generative models."""
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug


@main.command()
def datasets():
    """List the named datasets, their shapes and which source each would load from here."""
    from keras_genzoo import data

    rows = [("name", "shape", "classes", "examples", "source here")]
    for name in data.names():
        info = data.info(name)
        rows.append(
            (
                name,
                "x".join(map(str, info.image_shape)),
                str(info.num_classes or "-"),
                ", ".join(f"{k} {v}" for k, v in info.num_examples.items()),
                info.source or "not available offline (needs a tfds download)",
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        click.echo("  ".join(cell.ljust(w) for cell, w in zip(row, widths)) + "  " + row[-1])


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
