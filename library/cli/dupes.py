"""`photodesk dupes` and `photodesk check`: duplicate groups, decisions, is-this-file-known."""

from __future__ import annotations

import sys

import click

from library.cli.base import (
    EXIT_FAILED_FILES,
    Context,
    cli,
    default_user,
    emit_json,
    keep_index_current,
    pass_context,
    short,
)
from library.cli.jobs import check_queue_options, queue_options, run_job
from library.duplicates import check, decisions, membership, pairs, refresh, saved_index
from library.duplicates.builder import LEVELS
from library.jobs import plans


@cli.group(name="dupes", invoke_without_command=True)
@click.option(
    "--level",
    type=click.Choice(list(LEVELS)),
    help="Only groups at this level: identical files, same pixels, near-duplicates, or "
    "composites that contain a photo.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def dupes_group(click_ctx: click.Context, level: str | None, as_json: bool) -> None:
    """List duplicate groups, each member explained, with a suggested master.

    Decisions recorded with `photodesk dupes decide` are respected.

    \b
    Example:
        photodesk dupes --level near
        photodesk dupes --json
    """
    if click_ctx.invoked_subcommand is not None:
        return
    ctx: Context = click_ctx.obj
    with ctx.session() as session:
        groups = [g.to_json() for g in membership.duplicate_groups(session, level)]
    if as_json:
        emit_json({"groups": groups})
        return
    if not groups:
        click.echo("no duplicates found")
    for group in groups:
        chosen = f" (chosen by {group['master_chosen_by']})" if group["master_chosen_by"] else ""
        if group["level"] == "identical":
            paths = len(group["members"][0]["paths"])
            click.echo(f"photo {group['master']}: one file found at {paths} paths")
        else:
            size = len(group["members"])
            click.echo(f"group {group['id']}: {size} photos, master {group['master']}{chosen}")
        for member in group["members"]:
            path = member["paths"][0] if member["paths"] else ""
            click.echo(f"  {member['asset_id']:>6} {member['level']:<9} {path}")
            click.echo(f"         {member['why']}")


@dupes_group.command(name="rescan")
@queue_options
@pass_context
def dupes_rescan(ctx: Context, queue: bool, wait: bool) -> None:
    """Find near-duplicate pairs again over the whole library (a full pass).

    Ingest already checks every new photo; run this after changing the
    duplicate signals or to rebuild the stored pairs. Photos whose signals an
    older version made are recomputed from their originals first. With --queue it is a job
    (one piece: the pass compares every photo with every other).

    \b
    Example:
        photodesk dupes rescan
        photodesk --broker redis://127.0.0.1:6379/0 dupes rescan --queue --wait
    """
    check_queue_options(queue, wait)
    if queue:
        run_job(
            ctx, lambda session: plans.plan_single(session, "rescan", default_user(), {}), wait=wait
        )
        return
    refreshed = refresh.refresh_signals(ctx.database())
    if refreshed.refreshed or refreshed.failed:
        click.echo(
            f"{refreshed.refreshed} photos' duplicate signals recomputed (made by an older version)"
        )
        for asset_id, reason in refreshed.failed:
            click.echo(f"photo {asset_id}: signals not recomputed: {reason}", err=True)
    with ctx.session(write=True) as session:
        found = pairs.rescan(session)
    click.echo(f"{found} near-duplicate pairs verified")
    keep_index_current(ctx, build=True)


@dupes_group.command(name="index")
@click.option("--rebuild", is_flag=True, help="Build it again from the catalog.")
@pass_context
def dupes_index(ctx: Context, rebuild: bool) -> None:
    """Save the duplicate signals beside the library, so `check` answers in milliseconds.

    Without it, `photodesk check` asks the catalog's indexes (about 0.2 s a file,
    whatever the library's size). Ingest and rescans save it by themselves from 1,000
    photos; once saved, check, ingest and rescans keep it current. Run this with
    --rebuild after an upgrade that changes the signals.

    \b
    Example:
        photodesk dupes index
    """
    with ctx.session() as session:
        result = saved_index.update(session, ctx.config.root, rebuild=rebuild)
    click.echo(
        f"signal index {result.action}: {result.photos} photos "
        f"{'in it' if result.action == 'built' else 'changed since'}, {result.layers} "
        f"layer{'s' if result.layers != 1 else ''}, {result.size / 2**20:.1f} MiB"
    )


@dupes_group.group(name="decide")
def dupes_decide() -> None:
    """Record a person's decision about duplicates; later runs respect it.

    \b
    Example:
        photodesk dupes decide not-duplicate 12 40
        photodesk dupes decide master 12
    """


@dupes_decide.command(name="not-duplicate")
@click.argument("first", type=int)
@click.argument("others", type=int, nargs=-1, required=True)
@click.option("--user", default=default_user, show_default="the login name")
@click.option("--undo", is_flag=True, help="Forget earlier not-duplicate decisions.")
@pass_context
def decide_not_duplicate(
    ctx: Context, first: int, others: tuple[int, ...], user: str, undo: bool
) -> None:
    """FIRST is a different picture from each of OTHERS: never group them together.

    \b
    Example:
        photodesk dupes decide not-duplicate 12 40
        photodesk dupes decide not-duplicate 12 40 41
    """
    names = " ".join(str(i) for i in others)
    with ctx.session(write=True) as session:
        if undo:
            for other in others:
                decisions.undo_not_duplicate(session, first, other)
            click.echo(f"photo {first} and {names}: decisions removed")
            return
        split = decisions.decide_apart(session, first, others, user)
    where = f"group {split.asset_group}" if split.asset_group else "no group"
    click.echo(f"photo {first} and {names}: not duplicates; photo {first} is now in {where}")
    if split.holding:
        held = " ".join(str(i) for i in split.holding)
        click.echo(
            f"photo {first} still resembles {held} more closely; to part them too: "
            f"photodesk dupes decide not-duplicate {first} {held}"
        )


@dupes_decide.command(name="master")
@click.argument("asset_id", type=int)
@click.option("--user", default=default_user, show_default="the login name")
@pass_context
def decide_master(ctx: Context, asset_id: int, user: str) -> None:
    """Make a photo the master of its duplicate group.

    \b
    Example:
        photodesk dupes decide master 12
    """
    with ctx.session(write=True) as session:
        decisions.decide_master(session, asset_id, user)
    click.echo(f"photo {asset_id} is now the master of its group")


@cli.command(name="check")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=str))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def check_command(ctx: Context, files: tuple[str, ...], as_json: bool) -> None:
    """Is this photo already in the library, in any form, and where was it used?

    The files need not be in the library and are not added to it.

    \b
    Example:
        photodesk check ~/Downloads/incoming.jpg
    """
    keep_index_current(ctx)
    with ctx.session() as session:
        results = check.check_files(session, files, ctx.config.root)
    if as_json:
        emit_json([r.to_json() for r in results])
    for result in [] if as_json else results:
        if result.error:
            click.echo(f"{result.path}: error: {result.error}", err=True)
            continue
        if not result.matches:
            click.echo(f"{result.path}: not in the library")
        for match, used in result.matches:
            click.echo(f"{result.path}: photo {match.asset_id} ({match.level}): {match.why}")
            for usage in used:
                article = usage["article"]
                click.echo(
                    f"    used {article['published'] or '?'} in “{article['title']}”: "
                    f"{short(usage['caption'], 60)} — {usage['credit'] or 'no credit'}"
                )
    if any(r.error for r in results):
        sys.exit(EXIT_FAILED_FILES)
