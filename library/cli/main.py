"""The `photodesk` entry point: registers every command group and turns errors into messages."""

from __future__ import annotations

import sys

import click
from sqlalchemy.exc import OperationalError

# Each module registers its commands on the root group when imported.
import library.cli.articles
import library.cli.catalog
import library.cli.demo
import library.cli.desk
import library.cli.dupes
import library.cli.files
import library.cli.ingest
import library.cli.jobs
import library.cli.photos
import library.cli.reports
import library.cli.settings
import library.cli.users
import library.cli.watch
import library.cli.web  # noqa: F401
from library.cli.base import (
    EXIT_ERROR,
    INTERRUPTS,
    cli,
    leave_interrupted,
)
from library.db.engine import first_line
from library.errors import PhotodeskError


def _interrupted() -> None:
    leave_interrupted("run again to finish")


def main(argv: list[str] | None = None) -> None:
    """Entry point: library errors become one line on stderr and a non-zero exit."""
    # Ctrl-C ends a run at once (`_interrupted`), and multiprocessing's resource tracker,
    # a child process, then warns about the decoding pool's semaphores, which it still
    # removes. It takes its warning options from ours when it starts.
    sys.warnoptions.append("ignore:resource_tracker:UserWarning")
    interrupts = INTERRUPTS
    interrupts.install(_interrupted)
    try:
        cli.main(args=argv, prog_name="photodesk", standalone_mode=False)
    except (click.exceptions.Abort, KeyboardInterrupt):
        _interrupted()
    except click.ClickException as exc:
        interrupts.finish()
        exc.show()
        sys.exit(exc.exit_code)
    except PhotodeskError as exc:
        interrupts.finish()
        click.echo(f"photodesk: error: {exc}", err=True)
        sys.exit(EXIT_ERROR)
    except OperationalError as exc:
        # The database went away and stayed away past the retries: one line, no traceback.
        interrupts.finish()
        click.echo(f"photodesk: error: the catalog database: {first_line(exc.orig)}", err=True)
        sys.exit(EXIT_ERROR)
    except BrokenPipeError:
        sys.exit(EXIT_ERROR)
    except SystemExit:
        interrupts.finish()
        raise
    except Exception:
        # Ctrl-C that landed inside a database driver can surface as the driver's
        # own error on the way out (psycopg: "can't change 'autocommit' now" while
        # a cancelled statement is still running): the run was interrupted.
        if interrupts.seen:
            _interrupted()
        raise
    interrupts.finish()


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit("run `photodesk` or `python -m library`, not library/cli.py itself")
