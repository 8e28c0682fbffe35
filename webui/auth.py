"""Signing in and out, who is asking (session or bearer token), and what they may do."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.wrappers import Response

from library.catalog import users
from library.db.models import User
from library.errors import LibraryBusyError
from webui import inputs, sessions
from webui.db import commit, get_session, read_session, state

bp = Blueprint("auth", __name__)

F = TypeVar("F", bound=Callable[..., Any])

#: Endpoints anyone may reach: the sign-in form and the files it needs.
PUBLIC_ENDPOINTS = frozenset({"auth.login", "static"})


@dataclass(frozen=True)
class Identity:
    """The signed-in user as plain values, so it outlives any database session."""

    id: int
    name: str
    role: str

    def can(self, permission: str) -> bool:
        return users.can(self.role, permission)


def current() -> Identity | None:
    identity: Identity | None = g.get("identity")
    return identity


def is_api() -> bool:
    return request.path.startswith("/api/")


def load_identity() -> None:
    """Find the user for this request: a bearer token on the API, else the session.

    The session and user rows are read on every request, so signing out,
    disabling someone or changing their role takes effect at once rather than
    when their cookie expires.
    """
    g.identity = None
    g.via_token = False
    if request.endpoint == "static":
        return  # the stylesheet and script are public; no database work for them
    header = request.headers.get("Authorization", "")
    if is_api() and header[:7].lower() == "bearer ":
        found = users.token_owner(read_session(), header[7:].strip())
        if found is not None:
            owner, token = found
            g.identity = _identity(owner)
            g.via_token = True
            if users.token_use_is_stale(token):
                g.token_to_record = token.id
        return
    user = sessions.user()
    if user is not None:
        g.identity = _identity(user)


def record_token_use(response: Response) -> Response:
    """Note a token's use (for the admin's "last used") after the request's own work.

    In a short write transaction of its own (at most once per token every 15
    minutes) that does not wait for a busy catalog, after the view: a form or API edit checks its input before any
    write lock is taken, and a busy catalog only costs the note, never the request.
    """
    token_id = g.pop("token_to_record", None)
    if token_id is None:
        return response
    try:
        with state().database.session_scope(write=True, wait=False) as session:
            users.record_token_use(session, token_id)
    except LibraryBusyError:
        pass
    return response


def _identity(user: User) -> Identity:
    return Identity(user.id, user.name, user.role)


def require_sign_in() -> Response | None:
    """Every endpoint but the sign-in page needs a user (checked before any view runs)."""
    if request.endpoint in PUBLIC_ENDPOINTS or current() is not None:
        return None
    return _unauthenticated()


def _unauthenticated() -> Response:
    if is_api() or request.endpoint is None:
        response = jsonify(error="sign in or send Authorization: Bearer TOKEN")
        response.status_code = 401
        response.headers["WWW-Authenticate"] = 'Bearer realm="photodesk"'
        return response
    target = request.full_path.rstrip("?") if request.method == "GET" else None
    return redirect(url_for("auth.login", next=target))


def require(permission: str) -> Callable[[F], F]:
    """Let a view run only for a role that has this permission (403 otherwise)."""

    def decorator(view: F) -> F:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            identity = current()
            if identity is None:
                return _unauthenticated()
            if not identity.can(permission):
                abort(403)
            return view(*args, **kwargs)

        wrapped.permission = permission  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorator


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never //host or a scheme, so sign-in cannot redirect away.

    The check reads the parsed URL, not the raw string: URL splitting drops
    tabs and newlines, so ``/\t/evil.example`` would otherwise pass as a path
    and leave as ``//evil.example``. Text with control characters or spaces
    never gets this far (``_checked_next`` refuses it).
    """
    home = url_for("gallery.index")
    if not target or inputs.has_control(target) or any(c.isspace() for c in target):
        return home
    if "\\" in target or not target.startswith("/") or target.startswith("//"):
        return home
    parts = urlsplit(target)
    if (
        parts.scheme
        or parts.netloc
        or not parts.path.startswith("/")
        or parts.path.startswith("//")
    ):
        return home
    return target


def _checked_next(target: str | None) -> str:
    """The ``next`` a sign-in form carries; a control character or space in it is refused (400)."""
    text = target or ""
    if inputs.has_control(text) or any(c.isspace() for c in text):
        abort(400, description="next: a link to return to may not contain spaces or line breaks")
    return text


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    # HEAD is a GET without the body: it must never sign anyone in, whatever it carries.
    if request.method != "POST":
        next_url = _checked_next(request.args.get("next"))
        if current() is not None:
            return redirect(_safe_next(next_url))
        return render_template("login.html", next=next_url)
    next_url = _checked_next(request.form.get("next"))
    name = request.form.get("name", "").strip()
    password = request.form.get("password", "")
    limiter = state().limiter
    address = request.remote_addr or ""
    wait = limiter.retry_after(name, address)
    if wait:
        flash(f"Too many failed sign-ins. Try again in {wait} seconds.", "error")
        body = render_template("login.html", next=next_url, name=name)
        return body, 429, {"Retry-After": str(wait)}
    try:
        user = users.authenticate(get_session(), name, password)
    except users.AuthenticationError:
        limiter.failed(name, address)
        flash("Wrong name or password.", "error")
        return render_template("login.html", next=next_url, name=name), 401
    limiter.succeeded(name, address)
    sessions.begin(user)
    commit()
    return redirect(_safe_next(next_url), code=303)


@bp.post("/logout")
@require("read")
def logout() -> Response:
    sessions.end()
    commit()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"), code=303)


@bp.get("/users")
@require("manage_users")
def user_list() -> str:
    return render_template("users.html", users=users.list_users(get_session()), roles=users.ROLES)


@bp.post("/users")
@require("manage_users")
def user_add() -> Any:
    form = request.form
    try:
        user = users.create_user(
            get_session(), form.get("name", ""), form.get("role", ""), form.get("password", "")
        )
    except (users.InvalidUserError, users.UserExistsError) as exc:
        flash(str(exc), "error")
        body = render_template(
            "users.html", users=users.list_users(get_session()), roles=users.ROLES, form=form
        )
        return body, 400
    commit()
    flash(f"Added {user.name} ({user.role}).", "success")
    return redirect(url_for("auth.user_list"), code=303)
