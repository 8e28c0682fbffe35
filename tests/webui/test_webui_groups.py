"""The duplicate group page as an editor uses it: splits, undo, master questions."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from sqlalchemy import update

from library.db.engine import Database
from library.db.models import Asset
from library.duplicates import membership
from tests.webui.webutil import (
    add_article,
    app_fixture,  # noqa: F401
    client_fixture,  # noqa: F401
    create_assets,
    near_pair,
    post,
    signed_in,
)


def photo(database: Database, width: int, height: int, file_size: int) -> int:
    return photos(database, 1, width, height, file_size)[0]


def photos(database: Database, count: int, width: int, height: int, file_size: int) -> list[int]:
    made = create_assets(database, count, files=True)
    with database.session_scope() as session:
        session.execute(
            update(Asset)
            .where(Asset.id.in_(made))
            .values(width=width, height=height, file_size=file_size)
        )
    return made


def group_key(database: Database, asset_id: int) -> str | None:
    with database.session_scope(write=False) as session:
        found = membership.group_of(session, asset_id)
        return found.id if found else None


def test_split_through_another_copy_then_undo(client: FlaskClient, database: Database) -> None:
    master, copy, recompressed = (
        photo(database, 4000, 3000, 4_000_000),
        photo(database, 2000, 1500, 900_000),
        photo(database, 2000, 1500, 300_000),
    )
    near_pair(database, master, copy, 2)
    near_pair(database, copy, recompressed, 4)
    signed_in(client, database, "editor", "ed")
    key = f"g{master}"
    page = client.get(f"/duplicates/{key}").text
    # In words, with the numbers behind the details toggle.
    assert f"Linked through #{copy}: re-saved at lower quality (300 KB vs 900 KB)" in page
    assert "Smaller (3.0 MP vs 12 MP" in page
    assert 'id="compare"' in page and "Flip between them" in page
    assert "No decisions yet" in page

    done = post(
        client, f"/duplicates/{key}/not-duplicate", {"asset_id": recompressed, "master": master}
    )
    assert done.status_code == 303 and done.headers["Location"] == f"/duplicates/{key}"
    assert group_key(database, recompressed) is None
    page = client.get(done.headers["Location"]).text
    assert f"#{recompressed} is not a duplicate of #{master}; it is now in no group" in page
    assert f"#{master} and #{recompressed} marked as different photos" in page
    decision = re.search(rf"/duplicates/{key}/decisions/(\d+)/undo", page)
    assert decision is not None
    undone = post(client, decision.group(0))
    assert undone.status_code == 303
    assert group_key(database, recompressed) == key
    assert "Undone: " in client.get(undone.headers["Location"]).text


def test_a_member_closer_to_another_copy_is_offered_to_leave_it_too(
    client: FlaskClient, database: Database
) -> None:
    master, copy, member = (
        photo(database, 4000, 3000, 4_000_000),
        photo(database, 2000, 1500, 900_000),
        photo(database, 2000, 1500, 800_000),
    )
    near_pair(database, master, copy, 4)
    near_pair(database, copy, member, 1)
    signed_in(client, database, "editor", "ed")
    done = post(
        client, f"/duplicates/g{master}/not-duplicate", {"asset_id": member, "master": master}
    )
    assert done.status_code == 303
    # The decision holds: the member and the master are apart; the copy stays with the member.
    assert group_key(database, master) is None
    key = group_key(database, member)
    assert key is not None and done.headers["Location"].startswith(f"/duplicates/{key}?")
    page = client.get(done.headers["Location"]).text
    assert f"#{member} is still grouped with #{copy}" in page
    offer = post(client, f"/duplicates/{key}/not-duplicate", {"asset_id": member, "others": copy})
    assert offer.status_code == 303
    assert group_key(database, member) is None and group_key(database, copy) == f"g{master}"


def test_a_much_smaller_master_is_asked_for(client: FlaskClient, database: Database) -> None:
    original = photo(database, 4000, 3000, 4_000_000)
    small = photo(database, 640, 480, 60_000)
    near_pair(database, original, small, 3)
    signed_in(client, database, "editor", "ed")
    key = f"g{original}"
    page = client.get(f"/duplicates/{key}").text
    question = f"The original #{original} is 12 MP; make the 0.3 MP copy #{small} the master?"
    assert f'data-confirm="{question}"' in page
    asked = post(client, f"/duplicates/{key}/master", {"asset_id": small})
    assert asked.status_code == 200 and question in asked.text
    with database.session_scope(write=False) as session:
        assert membership.group_of(session, small).master == original  # type: ignore[union-attr]
    confirmed = post(client, f"/duplicates/{key}/master", {"asset_id": small, "confirm": "yes"})
    assert confirmed.status_code == 303
    with database.session_scope(write=False) as session:
        group = membership.group_of(session, small)
        assert group is not None and group.master == small
    page = client.get(f"/duplicates/{key}").text
    assert f"master #{small}, chosen by ed" in page and f"original #{original}" in page


def test_the_group_list_and_api_page_through_every_group(
    client: FlaskClient, database: Database
) -> None:
    """120 groups: pages of 50 in the list, pages of 40 through the API, none twice."""
    larger = photos(database, 120, 800, 600, 90_000)
    pairs = list(zip(larger, photos(database, 120, 400, 300, 30_000), strict=True))
    for a, b in pairs:
        near_pair(database, a, b, 2, refresh=False)
    with database.session_scope() as session:
        membership.rebuild_groups(session)
    signed_in(client, database, "viewer", "vi")
    seen: list[str] = []
    url = "/duplicates"
    while url:
        page = client.get(url).text
        keys = re.findall(r'class="group-title" href="/duplicates/(g\d+)"', page)
        assert 0 < len(keys) <= 50
        seen += keys
        found = re.search(r'rel="next" href="([^"]+)"', page)
        url = found.group(1).replace("&amp;", "&") if found else ""
    assert sorted(seen) == sorted(f"g{a}" for a, _ in pairs)
    api: list[str] = []
    query: dict[str, str] = {"limit": "40"}
    while True:
        answer = client.get("/api/duplicates", query_string=query).json
        api += [g["id"] for g in answer["groups"]]
        if "next" not in answer:
            break
        query["after"] = answer["next"]
    assert api == seen
    assert client.get("/api/duplicates?after=nonsense").status_code == 400
    assert "showing the first page" in client.get("/duplicates?after=nonsense").text


def test_a_picture_run_many_times_lists_the_first_usages(
    client: FlaskClient, database: Database
) -> None:
    master, copy = photo(database, 4000, 3000, 4_000_000), photo(database, 800, 600, 90_000)
    near_pair(database, master, copy, 3)
    for n in range(30):
        add_article(database, f"Story {n}", [(master if n % 2 else copy, "Harbour", None)])
    signed_in(client, database, "viewer", "vi")
    page = client.get(f"/duplicates/g{master}").text
    section = page[page.index('id="group-usages"') : page.index('id="decisions"')]
    assert section.count("<li>") == 25 and "The first 25 of 30 usages" in section


def shown_in(database: Database, composite: int, photos: list[int]) -> None:
    """A composite whose regions verified as these photos, stored as the finder stores it."""
    from library.db.models import AssetRegion, ContainedPhoto

    with database.session_scope() as session:
        for index, photo_id in enumerate(photos):
            region = AssetRegion(
                asset_id=composite,
                left=index / len(photos),
                top=0.0,
                right=(index + 1) / len(photos),
                bottom=1.0,
                signals={},
                fingerprint=b"",
                version="test",
            )
            session.add(region)
            session.flush()
            session.add(
                ContainedPhoto(
                    composite_id=composite,
                    photo_id=photo_id,
                    region_id=region.id,
                    score=0.96,
                    method="full",
                    detail="full frame; NCC 0.960 → same photo",
                )
            )
        membership.refresh_groups(session, [composite, *photos])


def test_a_collage_shows_on_both_photos_pages_and_joins_no_groups(
    client: FlaskClient, database: Database
) -> None:
    first, second = photo(database, 4000, 3000, 4_000_000), photo(database, 3000, 2000, 2_000_000)
    collage = photo(database, 1600, 600, 300_000)
    shown_in(database, collage, [first, second])
    add_article(database, "Year in pictures", [(collage, "The year", None)])
    assert group_key(database, first) == f"g{first}"
    assert group_key(database, second) == f"g{second}"
    assert group_key(database, collage) is None  # a copy of neither
    signed_in(client, database, "viewer", "vi")
    for photo_id in (first, second):
        page = client.get(f"/photos/{photo_id}").text
        duplicates = page[page.index('id="duplicates"') :]
        assert f"#{collage}</a>" in duplicates and "level-contains" in duplicates
        assert "shown inside a collage of 2 pictures, at 50 % of its size" in duplicates
        usages = page[page.index('id="usages"') : page.index('id="duplicates"')]
        assert "No published usages recorded." in usages  # not the photo's own usage
        assert "Shown in a composite" in usages and "Year in pictures" in usages
        assert "shown in composite <a" in usages
    group = client.get(f"/duplicates/g{first}").text
    assert "Shows this picture inside a collage of 2 pictures, at 50 % of its size" in group
