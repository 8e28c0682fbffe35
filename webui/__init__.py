"""The Flask gallery over the photodesk catalog: `create_app()` builds it from settings."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, current_app, jsonify, make_response, render_template, request
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Response

from library.catalog import templates
from library.catalog.settings import normalize_base_url
from library.catalog.store import open_store
from library.catalog.templates import TemplateNotFoundError
from library.catalog.users import TokenNotFoundError, UserExistsError, UserNotFoundError
from library.config import resolve_config
from library.db.engine import open_library
from library.errors import (
    ArticleNotFoundError,
    AssetNotFoundError,
    BrokerError,
    ChangeNotFoundError,
    InvalidValueError,
    JobNotFoundError,
    LibraryBusyError,
    PhotodeskError,
    VersionConflictError,
)
from library.jobs.broker import broker_url, require_shared_catalog
from webui import security
from webui.db import WebState, close_session

DEFAULTS: dict[str, Any] = {
    "LIBRARY": None,
    "DATABASE_URL": None,
    "SECRET_KEY": None,
    "TESTING": False,
    "SESSION_LIFETIME_MINUTES": 480,
    "LOGIN_RATE_LIMIT": 5,
    "LOGIN_ADDRESS_RATE_LIMIT": 20,
    "MAX_UPLOAD_MB": 200,
    "MAX_UPLOAD_FILES": 100,
    "PAGE_SIZE": 60,
    "SESSION_COOKIE_SECURE": False,
    "BEHIND_PROXY": False,
    "BASE_URL": None,
    "BROKER_URL": None,
    "JOB_WORKERS": 0,
}

#: Library errors and the HTTP status each becomes at the edge.
ERROR_STATUS: tuple[tuple[type[PhotodeskError], int], ...] = (
    (ArticleNotFoundError, 404),
    (AssetNotFoundError, 404),
    (ChangeNotFoundError, 404),
    (UserNotFoundError, 404),
    (TokenNotFoundError, 404),
    (TemplateNotFoundError, 404),
    (UserExistsError, 409),
    (VersionConflictError, 409),
    (InvalidValueError, 400),
    (LibraryBusyError, 503),
    (BrokerError, 503),
    (JobNotFoundError, 404),
)
#: Headings for the errors whose status alone would mislead (503 reads "Library busy").
ERROR_TITLES: dict[type[PhotodeskError], str] = {BrokerError: "Job queue unreachable"}


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """The gallery for one library; ``config`` overrides DEFAULTS.

    LIBRARY and DATABASE_URL name the library as ``--library`` and
    ``--database-url`` do (falling back to the same environment variables).
    SECRET_KEY signs sessions; without one a key is generated once and kept in
    the library folder. SESSION_LIFETIME_MINUTES ends a sign-in (default 480),
    LOGIN_RATE_LIMIT is the number of failed sign-ins allowed per name and
    address per minute (5), LOGIN_ADDRESS_RATE_LIMIT the number per address
    across all names (20), MAX_UPLOAD_MB caps one upload request (200),
    MAX_UPLOAD_FILES the files in it (100), and
    PAGE_SIZE is the number of photos per gallery page (60).

    BEHIND_PROXY trusts X-Forwarded-For and X-Forwarded-Proto from one HTTPS
    proxy in front: the client's address is the real one (for the sign-in
    limits), cookies are Secure and responses carry HSTS. BASE_URL is the
    gallery's public address for links in report files; without it the
    library setting ``base-url`` is used, and never the request's Host header.

    BROKER_URL (else PHOTODESK_BROKER_URL) sends uploads, write-backs and rescans
    to the Celery workers; the catalog must then be PostgreSQL. Without one they run
    on a thread of this server over JOB_WORKERS decoding processes (0: one per core).
    """
    settings = {**DEFAULTS, **(config or {})}
    library = resolve_config(settings["LIBRARY"], settings["DATABASE_URL"])
    broker = broker_url(settings["BROKER_URL"])
    if broker:
        require_shared_catalog(library)
    database = open_library(library)
    # Before anything is read from or written to the folder (the secret key, templates).
    store = open_store(database)
    with database.session_scope(write=True) as session:
        templates.adopt_legacy_file(session, library.root)

    behind_proxy = bool(settings["BEHIND_PROXY"])
    base_url = settings["BASE_URL"]
    app = Flask(__name__)
    if behind_proxy:
        # Exactly one proxy: only the address it saw is believed, not what a
        # client wrote into X-Forwarded-For before it.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)  # type: ignore[method-assign]
    app.config.update(
        TESTING=bool(settings["TESTING"]),
        SECRET_KEY=settings["SECRET_KEY"] or security.load_secret_key(library.root),
        SESSION_LIFETIME_MINUTES=int(settings["SESSION_LIFETIME_MINUTES"]),
        PERMANENT_SESSION_LIFETIME=timedelta(minutes=int(settings["SESSION_LIFETIME_MINUTES"])),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=bool(settings["SESSION_COOKIE_SECURE"]) or behind_proxy,
        BEHIND_PROXY=behind_proxy,
        BASE_URL=normalize_base_url(str(base_url)) if base_url else None,
        SESSION_COOKIE_NAME="photodesk_session",
        MAX_UPLOAD_MB=int(settings["MAX_UPLOAD_MB"]),
        MAX_CONTENT_LENGTH=int(settings["MAX_UPLOAD_MB"]) * 1024 * 1024,
        MAX_UPLOAD_FILES=int(settings["MAX_UPLOAD_FILES"]),
        # Form parts: the upload's files, or a bulk edit's 1,000 selected photos, plus fields.
        MAX_FORM_PARTS=max(int(settings["MAX_UPLOAD_FILES"]), 1000) + 100,
        PAGE_SIZE=int(settings["PAGE_SIZE"]),
    )
    app.extensions["photodesk"] = WebState(
        database=database,
        store=store,
        limiter=security.RateLimiter(
            int(settings["LOGIN_RATE_LIMIT"]), int(settings["LOGIN_ADDRESS_RATE_LIMIT"])
        ),
        broker=broker,
        job_workers=int(settings["JOB_WORKERS"]),
    )

    from webui import (
        admin,
        api,
        auth,
        bulk,
        cards,
        desk,
        dupes,
        gallery,
        inputs,
        jobs,
        photos,
        reports,
        upload,
    )

    # Ids in URLs stay within what the database holds (before any route is added).
    app.url_map.converters["int"] = inputs.BoundedIntConverter
    app.before_request(inputs.check_request)
    app.before_request(auth.load_identity)
    app.before_request(auth.require_sign_in)
    app.before_request(security.check_csrf)
    app.after_request(security.add_security_headers)
    app.after_request(auth.record_token_use)
    app.teardown_request(close_session)
    app.context_processor(_template_globals)
    # A global, not a context value, so imported macros see it too.
    app.jinja_env.globals["csrf_token"] = security.csrf_token
    app.jinja_env.filters["filesize"] = _filesize
    app.jinja_env.filters["when"] = _when
    app.jinja_env.filters["highlight"] = gallery.highlighted
    cards.register(app)

    for blueprint in (
        auth.bp,
        admin.bp,
        gallery.bp,
        photos.bp,
        dupes.bp,
        reports.bp,
        bulk.bp,
        upload.bp,
        jobs.bp,
        desk.bp,
        api.bp,
    ):
        app.register_blueprint(blueprint)
    for error, status in ERROR_STATUS:
        app.register_error_handler(error, _library_error(status, ERROR_TITLES.get(error)))
    app.register_error_handler(HTTPException, _http_error)
    return app


def _template_globals() -> dict[str, Any]:
    from webui.auth import current

    identity = current()
    return {
        "identity": identity,
        "can": (lambda permission: identity is not None and identity.can(permission)),
    }


def _filesize(size: int) -> str:
    """Bytes as people read them: 840 KB, 12.4 MB."""
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def _when(value: datetime | str | None) -> str:
    """A catalog time (naive UTC, or the API's ISO text) as the job pages show it."""
    if value is None:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value.removesuffix("Z"))
    return value.strftime("%Y-%m-%d %H:%M UTC")


def _library_error(status: int, title: str | None = None) -> Any:
    def handle(exc: PhotodeskError) -> Response:
        return _error_response(status, str(exc), title=title)

    return handle


def _http_error(exc: HTTPException) -> Response:
    if exc.code is None or exc.code < 400:
        return exc.get_response()
    description = exc.description or exc.name
    if exc.code == 413:
        description = (
            f"That upload is too large: at most {current_app.config['MAX_UPLOAD_MB']} MB "
            f"and {current_app.config['MAX_UPLOAD_FILES']} files per upload. "
            "Send fewer or smaller files at a time."
        )
    response = _error_response(exc.code, description, title=exc.name)
    for key, value in exc.get_headers():
        if key in ("Retry-After", "WWW-Authenticate", "Allow"):
            response.headers[key] = value
    return response


def _error_response(status: int, message: str, title: str | None = None) -> Response:
    """JSON for the API, a page for people; the status code is the same either way."""
    if request.path.startswith("/api/"):
        response = jsonify(error=message)
    else:
        page = render_template("error.html", status=status, message=message, title=title)
        response = make_response(page)
    response.status_code = status
    return response
