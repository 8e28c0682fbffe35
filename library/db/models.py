"""The catalog's tables as typed SQLAlchemy models."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    column,
    func,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


#: Editable metadata fields of an asset, in display order. Every edit to one of
#: these is versioned in `changes`.
EDITABLE_FIELDS: tuple[str, ...] = (
    "caption",
    "headline",
    "title",
    "alt_text",
    "credit",
    "creator",
    "source",
    "copyright",
    "keywords",
    "instructions",
    "usage_terms",
    "archive",
    "original_date",
    "status",
)

STATUSES = ("new", "needs_credit", "approved")


class Asset(Base):
    """One photo: one exact file's bytes, its facts and its editable metadata."""

    __tablename__ = "assets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    content_digest: Mapped[str] = mapped_column(String(80), index=True)
    format: Mapped[str] = mapped_column(String(10), index=True)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    file_size: Mapped[int] = mapped_column(BigInteger)
    store_path: Mapped[str] = mapped_column(String(255))
    original_name: Mapped[str] = mapped_column(String(255))
    ingested_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    #: Incremented by every edit; an edit names the version it started from.
    version: Mapped[int] = mapped_column(Integer, default=1)

    # Camera facts from EXIF (read-only).
    taken_at: Mapped[str | None] = mapped_column(String(40), index=True)
    camera_make: Mapped[str | None] = mapped_column(String(100))
    camera_model: Mapped[str | None] = mapped_column(String(100), index=True)
    orientation: Mapped[int | None] = mapped_column(Integer)
    gps_latitude: Mapped[float | None]
    gps_longitude: Mapped[float | None]

    # Editable fields (see EDITABLE_FIELDS).
    caption: Mapped[str | None] = mapped_column(Text)
    headline: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str | None] = mapped_column(Text)
    alt_text: Mapped[str | None] = mapped_column(Text)
    credit: Mapped[str | None] = mapped_column(Text)
    creator: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(Text)
    copyright: Mapped[str | None] = mapped_column(Text)
    keywords: Mapped[list[Any]] = mapped_column(JSON, default=list)
    instructions: Mapped[str | None] = mapped_column(Text)
    usage_terms: Mapped[str | None] = mapped_column(Text)
    archive: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    #: When the photo was taken or first published: "YYYY", "YYYY-MM" or "YYYY-MM-DD".
    original_date: Mapped[str | None] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20), default="new", index=True)

    #: field → where its current value came from: "embedded:xmp", "article:12", "user:ana".
    field_sources: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: Every source's raw values (EXIF, IPTC, XMP), as read at ingest.
    embedded: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    paths: Mapped[list[AssetPath]] = relationship(
        back_populates="asset", cascade="all, delete-orphan", order_by="AssetPath.id"
    )
    hashes: Mapped[list[AssetHash]] = relationship(
        back_populates="asset", cascade="all, delete-orphan"
    )
    renditions: Mapped[list[Rendition]] = relationship(
        back_populates="asset", cascade="all, delete-orphan"
    )
    tags: Mapped[list[AssetKeyword]] = relationship(cascade="all, delete-orphan")
    fingerprint: Mapped[AssetFingerprint | None] = relationship(cascade="all, delete-orphan")
    #: The pictures inside it when it is a composite (collage, page screenshot).
    regions: Mapped[list[AssetRegion]] = relationship(cascade="all, delete-orphan")
    warnings: Mapped[list[IngestWarning]] = relationship(
        cascade="all, delete-orphan", order_by="IngestWarning.id"
    )

    __table_args__ = (
        # Dated listings on PostgreSQL read it month by month (`queries._ByMonth`,
        # migration 0019); SQLite lists them by primary key.
        Index(
            "ix_assets_taken_month",
            text("left(taken_at, 7)"),
            "id",
            postgresql_include=["taken_at", "archive", "camera_make", "camera_model"],
        ).ddl_if(dialect="postgresql"),
        # The same columns by id, for the tests of a listing's photos one by one
        # (migration 0023): without the table's wide rows.
        Index(
            "ix_assets_id_fields",
            "id",
            postgresql_include=["taken_at", "archive", "camera_make", "camera_model"],
        ).ddl_if(dialect="postgresql"),
        # The desk's "missing credit" list (migration 0024; `queries.no_credit`).
        Index(
            "ix_assets_no_credit",
            "id",
            postgresql_include=["archive"],
            postgresql_where=text("credit IS NULL OR trim(credit) = ''"),
        ).ddl_if(dialect="postgresql"),
    )

    def __repr__(self) -> str:
        return f"<Asset {self.id} {self.original_name}>"


class AssetPath(Base):
    """A place on disk where a copy of the asset's exact bytes was found."""

    __tablename__ = "asset_paths"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("assets.id", ondelete="CASCADE"), index=True)
    path: Mapped[str] = mapped_column(Text)
    first_seen: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    asset: Mapped[Asset] = relationship(back_populates="paths")

    __table_args__ = (UniqueConstraint("asset_id", "path", name="uq_asset_paths_asset_path"),)


class AssetHash(Base):
    """A named 64-bit perceptual hash, stored signed so both databases index it."""

    __tablename__ = "asset_hashes"

    asset_id: Mapped[int] = mapped_column(
        ForeignKey("assets.id", ondelete="CASCADE"), primary_key=True
    )
    algorithm: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)
    library_version: Mapped[str] = mapped_column(String(32))

    asset: Mapped[Asset] = relationship(back_populates="hashes")

    __table_args__ = (
        # The substring keys one-shot look-ups use (library.duplicates.lookup, migration 0016).
        Index("ix_asset_hashes_key0", "algorithm", text("(value & 4194303)")),
        Index("ix_asset_hashes_key1", "algorithm", text("((value >> 22) & 2097151)")),
        Index("ix_asset_hashes_key2", "algorithm", text("((value >> 43) & 2097151)")),
    )


class AssetFingerprint(Base):
    """A compact descriptor the duplicate verifier compares without decoding files."""

    __tablename__ = "asset_fingerprints"

    asset_id: Mapped[int] = mapped_column(
        ForeignKey("assets.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[str] = mapped_column(String(32))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    #: Local features (``assets.features``, at most 4 KiB): ORB keypoints for heavy crops
    #: and small turns. None for photos ingested before they were kept.
    features: Mapped[bytes | None] = mapped_column(LargeBinary)


class Rendition(Base):
    """A derived JPEG (thumbnail or web preview) in the store."""

    __tablename__ = "renditions"

    asset_id: Mapped[int] = mapped_column(
        ForeignKey("assets.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    store_path: Mapped[str] = mapped_column(String(255))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    file_size: Mapped[int] = mapped_column(Integer)

    asset: Mapped[Asset] = relationship(back_populates="renditions")


class AssetKeyword(Base):
    """One keyword of an asset, kept beside the JSON list so tags can be filtered by index."""

    __tablename__ = "asset_keywords"

    asset_id: Mapped[int] = mapped_column(
        ForeignKey("assets.id", ondelete="CASCADE"), primary_key=True
    )
    keyword: Mapped[str] = mapped_column(String(200), primary_key=True, index=True)


class IngestFailure(Base):
    """A file that could not be ingested, with the one-line reason."""

    __tablename__ = "ingest_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    path: Mapped[str] = mapped_column(Text, unique=True)
    reason: Mapped[str] = mapped_column(Text)
    file_size: Mapped[int | None] = mapped_column(BigInteger)
    failed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class IngestWarning(Base):
    """A problem that cost a photo some metadata or a few rows, but not its place in the catalog."""

    __tablename__ = "ingest_warnings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("assets.id", ondelete="CASCADE"), index=True)
    #: The path the photo was ingested from (the file that carries the problem).
    path: Mapped[str] = mapped_column(Text)
    #: One line naming the block and the problem: "IPTC: empty dataset 2:120 ignored".
    message: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Change(Base):
    """One versioned edit of one field: old and new value, who, when and from where."""

    __tablename__ = "changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("assets.id", ondelete="CASCADE"), index=True)
    #: The asset version this change produced.
    version: Mapped[int] = mapped_column(Integer)
    field: Mapped[str] = mapped_column(String(40))
    old_value: Mapped[Any] = mapped_column(JSON, nullable=True)
    new_value: Mapped[Any] = mapped_column(JSON, nullable=True)
    old_source: Mapped[str | None] = mapped_column(String(80))
    source: Mapped[str] = mapped_column(String(80))
    user: Mapped[str] = mapped_column(String(80))
    changed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    reverts_id: Mapped[int | None] = mapped_column(ForeignKey("changes.id"))
    note: Mapped[str | None] = mapped_column(Text)


class Article(Base):
    """A published article (post or page) in which photos appeared."""

    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(500), unique=True)
    title: Mapped[str] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    published: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    byline: Mapped[str | None] = mapped_column(String(200))
    tags: Mapped[list[Any]] = mapped_column(JSON, default=list)
    categories: Mapped[list[Any]] = mapped_column(JSON, default=list)
    format: Mapped[str] = mapped_column(String(10))
    #: WordPress status (publish, draft, future, pending, private); None for pages and dumps.
    status: Mapped[str | None] = mapped_column(String(20))
    source_path: Mapped[str] = mapped_column(Text)
    imported_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    usages: Mapped[list[Usage]] = relationship(
        back_populates="article", cascade="all, delete-orphan", order_by="Usage.position"
    )

    __table_args__ = (
        # ``article:`` on PostgreSQL, when pg_trgm could be created (migration 0021).
        Index(
            "ix_articles_title_trigrams",
            func.lower(column("title")).label("lower_title"),
            postgresql_using="gin",
            postgresql_ops={"lower_title": "gin_trgm_ops"},
        ).ddl_if(dialect="postgresql"),
    )


class Usage(Base):
    """One occurrence of an image in an article, with the caption as published."""

    __tablename__ = "usages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    asset_id: Mapped[int | None] = mapped_column(
        ForeignKey("assets.id", ondelete="SET NULL"), index=True
    )
    role: Mapped[str] = mapped_column(String(10))
    position: Mapped[int] = mapped_column(Integer)
    reference: Mapped[str | None] = mapped_column(Text)
    #: The upload the reference shows, as ``YYYY/MM/name`` (or the bare name), so unresolved
    #: references to one upload group together and same-named uploads do not.
    reference_name: Mapped[str | None] = mapped_column(String(255), index=True)
    alt: Mapped[str | None] = mapped_column(Text)
    caption: Mapped[str | None] = mapped_column(Text)
    credit: Mapped[str | None] = mapped_column(Text)
    credit_form: Mapped[str | None] = mapped_column(String(40))
    archive: Mapped[bool] = mapped_column(Boolean, default=False)
    archive_prefix: Mapped[str | None] = mapped_column(String(80))
    dates: Mapped[list[Any]] = mapped_column(JSON, default=list)
    description: Mapped[str | None] = mapped_column(Text)

    article: Mapped[Article] = relationship(back_populates="usages")
    asset: Mapped[Asset | None] = relationship()

    # An article's photos from the index alone (``article:``, migration 0021).
    __table_args__ = (Index("ix_usages_article_asset", "article_id", "asset_id"),)


class DuplicateDecision(Base):
    """A person's verdict that later duplicate runs must respect."""

    __tablename__ = "duplicate_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: "not_duplicate" (asset_id + other_id) or "master" (asset_id is the group's master).
    kind: Mapped[str] = mapped_column(String(20), index=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("assets.id", ondelete="CASCADE"), index=True)
    other_id: Mapped[int | None] = mapped_column(ForeignKey("assets.id", ondelete="CASCADE"))
    user: Mapped[str] = mapped_column(String(80))
    decided_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class DuplicatePair(Base):
    """A verified near-duplicate pair, found at ingest or by a full pass, with its evidence."""

    __tablename__ = "duplicate_pairs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: asset_a < asset_b always, so a pair has one row.
    asset_a: Mapped[int] = mapped_column(ForeignKey("assets.id", ondelete="CASCADE"), index=True)
    asset_b: Mapped[int] = mapped_column(ForeignKey("assets.id", ondelete="CASCADE"), index=True)
    #: The candidate rule that proposed it: "query signal→stored signal".
    signal: Mapped[str] = mapped_column(String(64))
    distance: Mapped[int] = mapped_column(Integer)
    score: Mapped[float]
    method: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str] = mapped_column(Text)
    signals_version: Mapped[str] = mapped_column(String(32))
    found_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("asset_a", "asset_b", name="uq_duplicate_pairs_pair"),)


class DuplicateGroup(Base):
    """A stored duplicate group, kept equal to what the pairs, digests and decisions give.

    Written by library.duplicates.membership in the same transaction as the
    change that alters it, so pages read a group instead of rebuilding them all.
    """

    __tablename__ = "duplicate_groups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: The id pages and URLs use: "g" + lowest member id, or "f" + the photo for identical files.
    key: Mapped[str] = mapped_column(String(24), unique=True)
    #: "identical", "pixels" or "near" (the weakest kind of link in the group).
    level: Mapped[str] = mapped_column(String(10), index=True)
    master_id: Mapped[int] = mapped_column(ForeignKey("assets.id", ondelete="CASCADE"))
    master_chosen_by: Mapped[str | None] = mapped_column(String(80))
    size: Mapped[int] = mapped_column(Integer)

    __table_args__ = (Index("ix_duplicate_groups_size_master", "size", "master_id"),)


class DuplicateMember(Base):
    """One photo's place in its duplicate group, explained relative to the master."""

    __tablename__ = "duplicate_members"

    #: A photo is a copy in at most one group; a composite (level "contains") is also
    #: in the group of each photo it shows.
    asset_id: Mapped[int] = mapped_column(
        ForeignKey("assets.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    group_id: Mapped[int] = mapped_column(
        ForeignKey("duplicate_groups.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    #: 0 for the master, then the other members by id.
    position: Mapped[int] = mapped_column(Integer)
    level: Mapped[str] = mapped_column(String(10))
    distance: Mapped[int | None] = mapped_column(Integer)
    why: Mapped[str] = mapped_column(Text)
    score: Mapped[float | None]


class AssetRegion(Base):
    """A picture inside a composite (collage, page), with the signals a photo has.

    Written at ingest by :mod:`assets.composites`; a plain photo has none.
    """

    __tablename__ = "asset_regions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("assets.id", ondelete="CASCADE"), index=True)
    #: Where the picture is, as fractions of the composite's frame.
    left: Mapped[float]
    top: Mapped[float]
    right: Mapped[float]
    bottom: Mapped[float]
    #: Signal name → signed 64-bit value, as ``asset_hashes`` holds them for photos.
    signals: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    fingerprint: Mapped[bytes] = mapped_column(LargeBinary)
    version: Mapped[str] = mapped_column(String(32))


class ContainedPhoto(Base):
    """A composite showing a photo in one of its regions: a "contains" link.

    Never a link groups are joined on: the composite is listed in the group of each
    photo it shows instead.
    """

    __tablename__ = "contained_photos"

    composite_id: Mapped[int] = mapped_column(
        ForeignKey("assets.id", ondelete="CASCADE"), primary_key=True
    )
    photo_id: Mapped[int] = mapped_column(
        ForeignKey("assets.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    region_id: Mapped[int] = mapped_column(ForeignKey("asset_regions.id", ondelete="CASCADE"))
    score: Mapped[float]
    method: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str] = mapped_column(Text)


class User(Base):
    """Someone who signs in to the gallery."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)


class ApiToken(Base):
    """A bearer token for the JSON API; only its hash is stored.

    A token works until ``expires_at`` or until it is revoked; revoked rows
    are kept so the admin page can still say when and which one was cut off.
    """

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: What the token is for ("ingest-bot", "laptop"); issuing a token under a
    #: name the user already has revokes the old one, so rotating is one command.
    name: Mapped[str] = mapped_column(String(80), default="api")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)


class WebSession(Base):
    """A signed-in browser: the cookie carries a random id, the catalog its SHA-256.

    Kept in the catalog rather than in the cookie so that signing out, a
    disabled user or a changed password ends it everywhere at once, and so
    that several gallery processes (on several machines) share sign-ins.
    """

    __tablename__ = "web_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    #: The client address at sign-in, for the admin page.
    address: Mapped[str | None] = mapped_column(String(64))


class Setting(Base):
    """One library-wide setting (for example the gallery's public base URL)."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class EditTemplate(Base):
    """A named, saved edit ("Reuters wire", "Archive scan") that editors apply to photos."""

    __tablename__ = "edit_templates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    #: The edit as plain data: per field a mode (keep, set, append) and a value.
    spec: Mapped[dict[str, Any]]
    created_by: Mapped[str | None] = mapped_column(String(80))
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class FindingResolution(Base):
    """An auditor's verdict on one audit finding: fixed, accepted or wrong (or reopened).

    Findings are computed, not stored; ``key`` names one by its cause (kind,
    photo, usages and wording), so a finding whose facts change gets a new key
    and comes back open. Every verdict is a row: the latest per key applies,
    the earlier ones are its history.
    """

    __tablename__ = "finding_resolutions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), index=True)
    state: Mapped[str] = mapped_column(String(10))
    note: Mapped[str | None] = mapped_column(Text)
    #: For "fixed": the edit that fixed it.
    change_id: Mapped[int | None] = mapped_column(ForeignKey("changes.id", ondelete="SET NULL"))
    user: Mapped[str] = mapped_column(String(80))
    resolved_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


#: What a job can be doing; "done", "failed" and "cancelled" are final.
JOB_STATES = ("queued", "running", "done", "failed", "cancelled")
FINAL_JOB_STATES = ("done", "failed", "cancelled")


class Job(Base):
    """Long work (an ingest, a write-back, a rescan...) with its progress, counted in the
    same transactions as the work, so the counts are exact after crashes and redeliveries."""

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    started_by: Mapped[str] = mapped_column(String(80))
    state: Mapped[str] = mapped_column(String(16), index=True, default="queued")
    #: What to do, as plain data (paths, ids, options); what the task functions read.
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    total: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    #: What the job found or made: summary numbers, the file a report was written to.
    result: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: Why the job as a whole failed (a file that fails is a JobFailure instead).
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    started_at: Mapped[datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)

    failures: Mapped[list[JobFailure]] = relationship(
        back_populates="job", cascade="all, delete-orphan", order_by="JobFailure.id"
    )


class JobBatch(Base):
    """One piece of a job as sent to a worker; a redelivered piece that is already done
    is skipped, one whose worker keeps dying is finished file by file."""

    __tablename__ = "job_batches"
    __table_args__ = (UniqueConstraint("job_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    items: Mapped[list[Any]] = mapped_column(JSON, default=list)
    state: Mapped[str] = mapped_column(String(16), default="queued")
    #: How many times a worker started this piece.
    deliveries: Mapped[int] = mapped_column(Integer, default=0)
    #: File by file after a lost delivery: the next item, and how often it was started.
    position: Mapped[int] = mapped_column(Integer, default=0)
    tries: Mapped[int] = mapped_column(Integer, default=0)


class JobFailure(Base):
    """One item of a job that failed, with the reason in words."""

    __tablename__ = "job_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), index=True)
    item: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    failed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    job: Mapped[Job] = relationship(back_populates="failures")


class NearDuplicateBacklog(Base):
    """A photo not yet looked up for near-duplicates: added in the transaction that
    catalogs it, removed in the one that stores its pairs. What is left after a crash
    is what `verify` reports and the matcher catches up on."""

    __tablename__ = "near_duplicate_backlog"

    asset_id: Mapped[int] = mapped_column(
        ForeignKey("assets.id", ondelete="CASCADE"), primary_key=True
    )
    added_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class MatchedAsset(Base):
    """The generation in which a photo was last matched. A saved signal index built at
    generation G holds every photo's signals as of then; the photos matched since
    (generation > G), with the backlog, are what it may lack (library.duplicates.saved_index)."""

    __tablename__ = "matched_assets"

    asset_id: Mapped[int] = mapped_column(
        ForeignKey("assets.id", ondelete="CASCADE"), primary_key=True
    )
    generation: Mapped[int] = mapped_column(BigInteger, index=True)


class MatcherState(Base):
    """One row: bumped by every transaction that matches photos, so a matcher that keeps
    its index in memory knows when someone else has matched photos it has not seen."""

    __tablename__ = "matcher_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    generation: Mapped[int] = mapped_column(BigInteger, default=0)


class WatchedFile(Base):
    """A file a hot folder queued for ingest, as it was then (size, modification time):
    after a restart the same file is not queued again, and a file replaced since is."""

    __tablename__ = "watched_files"
    __table_args__ = (UniqueConstraint("path", name="uq_watched_files_path"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    path: Mapped[str] = mapped_column(Text)
    size: Mapped[int] = mapped_column(BigInteger)
    mtime_ns: Mapped[int] = mapped_column(BigInteger)
    job_id: Mapped[int | None] = mapped_column(
        ForeignKey("jobs.id", ondelete="SET NULL"), index=True
    )
    queued_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class CodeReplacement(Base):
    """A code the desk types in any field ("=rf") and the text it stands for ("Reza Farahzadi")."""

    __tablename__ = "code_replacements"

    #: Lower case letters and digits, typed after "=" in any case.
    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    updated_by: Mapped[str | None] = mapped_column(String(80))
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
