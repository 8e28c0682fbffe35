"""The admin's page for one user: enable or disable, set a password, issue and revoke tokens.

The same operations as ``photodesk user disable|enable|passwd|token|tokens|revoke``;
each view parses the form, calls one library function and redirects.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from library.catalog import sessions, users
from library.db.models import utcnow
from library.errors import InvalidValueError
from webui.auth import current, require
from webui.db import commit, get_session

bp = Blueprint("admin", __name__, url_prefix="/users")


def _page(name: str, status: int = 200, issued: users.IssuedToken | None = None) -> Any:
    session = get_session()
    user = users.get_user(session, name)
    tokens = users.list_tokens(session, name)
    now = utcnow()
    body = render_template(
        "user.html",
        user=user,
        tokens=[(token, users.token_state(token, now)) for token in tokens],
        live_sessions=sessions.live_sessions(session).get(user.id, 0),
        issued=issued,
        default_days=users.DEFAULT_TOKEN_DAYS,
        max_days=users.MAX_TOKEN_DAYS,
    )
    return body, status


def _back(name: str) -> Response:
    return redirect(url_for("admin.user_page", name=name), code=303)


@bp.get("/<name>")
@require("manage_users")
def user_page(name: str) -> Any:
    return _page(name)


@bp.post("/<name>/disable")
@require("manage_users")
def disable(name: str) -> Any:
    try:
        users.set_disabled(get_session(), name, True)
    except users.InvalidUserError as exc:
        flash(str(exc), "error")
        return _page(name, 400)
    commit()
    flash(f"{name} is disabled and signed out everywhere; their tokens stop working.", "success")
    return _back(name)


@bp.post("/<name>/enable")
@require("manage_users")
def enable(name: str) -> Response:
    users.set_disabled(get_session(), name, False)
    commit()
    flash(f"{name} can sign in again.", "success")
    return _back(name)


@bp.post("/<name>/password")
@require("manage_users")
def password(name: str) -> Any:
    new = request.form.get("password", "")
    if new != request.form.get("confirm", new):
        flash("The two passwords differ.", "error")
        return _page(name, 400)
    try:
        users.set_password(get_session(), name, new)
    except users.InvalidUserError as exc:
        flash(str(exc), "error")
        return _page(name, 400)
    commit()
    identity = current()
    if identity is not None and identity.name == name:
        flash("Your password is changed. Please sign in again.", "success")
        return redirect(url_for("auth.login"), code=303)
    flash(f"{name}'s password is changed; their sessions have ended.", "success")
    return _back(name)


@bp.post("/<name>/tokens")
@require("manage_users")
def issue_token(name: str) -> Any:
    """The new token is shown on the returned page, once; it is never shown again."""
    days = request.form.get("days", type=int) or users.DEFAULT_TOKEN_DAYS
    token_name = request.form.get("token_name", "") or users.DEFAULT_TOKEN_NAME
    try:
        issued = users.issue_token(get_session(), name, token_name, days)
    except InvalidValueError as exc:
        flash(str(exc), "error")
        return _page(name, 400)
    commit()
    return _page(name, issued=issued)


@bp.post("/<name>/tokens/<int:token_id>/revoke")
@require("manage_users")
def revoke(name: str, token_id: int) -> Response:
    users.revoke_token(get_session(), name, token_id)
    commit()
    flash(f"Token {token_id} of {name} is revoked.", "success")
    return _back(name)
