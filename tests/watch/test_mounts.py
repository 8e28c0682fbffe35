"""Folders on a network mount are polled: inotify never hears another machine's writes.

The kernel's mount table is read from a file; the tests hand the watcher a table in
which their temporary folders are NFS, SMB or sshfs mounts, since a test cannot mount
a real share.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from watchdog.observers.polling import PollingEmitter

from library.db.engine import Database
from library.watch import mounts
from library.watch.folders import HotFolders, WatchOptions
from library.watch.observing import paced, start_observer, watch
from tests.conftest import jpeg_bytes


@pytest.fixture
def tmp(tmp_path: Path) -> Path:
    """The test's folder as the kernel's table names it: without symbolic links."""
    return tmp_path.resolve()


ROOTFS = "27 1 0:31 / / rw,relatime shared:1 - overlay overlay rw,lowerdir=/a\n"


def polls(observer: object) -> bool:
    emitters = list(observer.emitters)  # type: ignore[attr-defined]
    return bool(emitters) and all(isinstance(e, PollingEmitter) for e in emitters)


def table(tmp: Path, *lines: str) -> Path:
    path = tmp / "mountinfo"
    path.write_text(ROOTFS + "".join(lines), encoding="utf-8")
    return path


def line(point: Path | str, fstype: str, optional: str = "shared:7") -> str:
    escaped = str(point).replace("\\", "\\134").replace(" ", "\\040").replace("\t", "\\011")
    return f"88 27 0:52 / {escaped} rw,relatime {optional} - {fstype} server:/x rw\n"


def test_the_table_s_escapes_and_optional_fields_are_read(tmp: Path) -> None:
    odd = tmp / "Wire Drop\tA\\B"
    info = table(tmp, line(odd, "cifs", optional=""), line("/mnt/n", "nfs4", "a:1 b:2"))
    assert mounts.mounts(info)[1:] == [
        mounts.Mount(str(odd), "cifs"),
        mounts.Mount("/mnt/n", "nfs4"),
    ]


def test_the_deepest_mount_holds_a_folder(tmp: Path) -> None:
    share = tmp / "share"
    local = share / "local"
    local.mkdir(parents=True)
    (tmp / "share-two").mkdir()
    info = table(tmp, line(share, "nfs4"), line(local, "ext4"))
    found = mounts.network_folders([str(share), str(share / "local"), str(tmp / "share-two")], info)
    # share-two only begins like share: it is on the root file system.
    assert found == {str(share): "nfs4"}


def test_a_link_into_a_share_is_the_share(tmp: Path) -> None:
    share = tmp / "share"
    share.mkdir()
    (tmp / "drop").symlink_to(share)
    info = table(tmp, line(share, "fuse.sshfs"))
    assert mounts.network_folders([str(tmp / "drop")], info) == {str(tmp / "drop"): "fuse.sshfs"}


@pytest.mark.parametrize(
    ("fstype", "network"),
    [("nfs", True), ("cifs", True), ("smb3", True), ("fuse.rclone", True), ("fuse", True)]
    + [("9p", True)]
    + [("ext4", False), ("xfs", False), ("tmpfs", False), ("overlay", False), ("fuseblk", False)],
)
def test_which_file_systems_are_polled(fstype: str, network: bool) -> None:
    assert mounts.is_network(fstype) is network


def test_no_table_means_no_network_folder(tmp: Path) -> None:
    assert mounts.network_folders([str(tmp)], tmp / "missing") == {}


def test_a_share_is_polled_and_a_local_folder_is_heard(database: Database, tmp: Path) -> None:
    share, local = tmp / "share", tmp / "local"
    share.mkdir()
    local.mkdir()
    hot = HotFolders(database, [share, local], WatchOptions(settle=0.3, workers=1))
    observers = start_observer(hot, mountinfo=table(tmp, line(share, "nfs4")))
    try:
        assert list(observers.polled) == [str(share)]
        assert "nfs4 mount" in observers.polled[str(share)]
        # inotify for the local folder, polling for the share
        assert [polls(o) for o in observers.running] == [False, True]
    finally:
        observers.stop()
        observers.join(timeout=10)


def watch_for_one_photo(
    database: Database, folder: Path, drop: Path, **kwargs: object
) -> list[dict[str, str]]:
    """Watch ``folder`` (events only, no walks), write a photo into ``drop`` and wait
    until it is ingested; what the watcher said it polls."""
    from tests.watch.test_hotfolders import asset_count, wait_for

    options = WatchOptions(settle=0.3, workers=1, full_scan_every=3600)
    hot = HotFolders(database, [folder], options)
    stop = threading.Event()
    polled: list[dict[str, str]] = []
    thread = threading.Thread(
        target=watch,
        args=(hot, stop),
        kwargs={"tick_every": 0.1, "on_polled": polled.append, **kwargs},
        daemon=True,
    )
    thread.start()
    try:
        wait_for(lambda: hot.looked)
        (drop / "wire.jpg").write_bytes(jpeg_bytes(seed=5))
        wait_for(lambda: asset_count(database) == 1)
    finally:
        stop.set()
        thread.join(timeout=30)
    return polled


def test_a_photo_on_a_share_is_ingested_by_polling(database: Database, tmp: Path) -> None:
    share = tmp / "share"
    share.mkdir()
    mountinfo = table(tmp, line(share, "cifs"))
    polled = watch_for_one_photo(database, share, share, mountinfo=mountinfo)
    assert [list(p) for p in polled] == [[str(share)]]


def test_a_share_mounted_inside_a_local_folder_is_polled_too(database: Database, tmp: Path) -> None:
    drop = tmp / "drop"
    (drop / "agency").mkdir(parents=True)
    info = table(tmp, line(drop / "agency", "nfs4"))
    assert mounts.network_folders([str(drop)], info) == {str(drop / "agency"): "nfs4"}
    hot = HotFolders(database, [drop], WatchOptions(settle=0.3, workers=1))
    observers = start_observer(hot, mountinfo=info)
    try:
        assert list(observers.polled) == [str(drop / "agency")]
        assert [polls(o) for o in observers.running] == [False, True]
    finally:
        observers.stop()
        observers.join(timeout=10)


def test_a_real_fuse_mount_is_polled_and_hears_writes_made_beside_it(
    database: Database, tmp: Path
) -> None:
    """A bindfs view of a folder: files written to the folder itself, not through the
    mount, reach the mount as another machine's writes reach a share, without an
    inotify event. Watching the mount must still ingest them, soon."""
    import os
    import shutil
    import subprocess

    from tests.jobs.services import need

    need(bool(shutil.which("bindfs")) and os.path.exists("/dev/fuse"), "bindfs and /dev/fuse")
    source, view = tmp / "source", tmp / "view"
    source.mkdir()
    view.mkdir()
    mounted = subprocess.run(["bindfs", str(source), str(view)], capture_output=True, text=True)
    need(mounted.returncode == 0, f"a FUSE mount ({mounted.stderr.strip()})")
    try:
        polled = watch_for_one_photo(database, view, source)
        assert [list(p) for p in polled] == [[str(view)]]
        assert "fuse" in polled[0][str(view)]
    finally:
        unmount = shutil.which("fusermount3") or shutil.which("fusermount")
        subprocess.run([unmount, "-u", str(view)] if unmount else ["umount", str(view)])


def test_a_poll_rests_in_proportion_to_its_walk() -> None:
    assert paced(1.0, 0.01) == 1.0  # a small folder: every second
    assert paced(1.0, 0.5) == 10.0  # a share that takes half a second to walk


def test_the_polling_emitter_times_its_walks_and_still_sees_new_files(
    database: Database, tmp: Path
) -> None:
    """The walk goes through our timed stat and listdir: it must be measured, and what
    it reads must still be right (a new file is noticed by the poll alone)."""
    from tests.watch.test_hotfolders import wait_for

    share = tmp / "share"
    for n in range(50):
        (share / f"d{n % 5}").mkdir(parents=True, exist_ok=True)
        (share / f"d{n % 5}" / f"{n}.jpg").write_bytes(jpeg_bytes(seed=n % 3))
    # A long settle keeps what is noticed waiting; walks only on the first tick.
    options = WatchOptions(settle=3600, workers=1, full_scan_every=3600)
    hot = HotFolders(database, [share], options)
    observers = start_observer(hot, polling=True)
    try:
        [emitter] = observers.running[0].emitters
        assert hot.tick() == [] and hot.waiting() == 50  # the first walk of the folders
        wait_for(lambda: emitter.last_walk > 0)
        assert 0 < emitter.last_walk < 60
        (share / "d0" / "new.jpg").write_bytes(jpeg_bytes(seed=7))
        wait_for(lambda: hot.tick() == [] and hot.waiting() == 51)
        assert hot.waiting() == 51
    finally:
        observers.stop()
        observers.join(timeout=10)


def test_a_share_mounted_after_the_start_is_polled_from_then_on(
    database: Database, tmp: Path
) -> None:
    """An automount, or a share mounted after the watcher at boot."""
    share = tmp / "share"
    share.mkdir()
    hot = HotFolders(database, [share], WatchOptions(settle=0.3, workers=1))
    info = table(tmp)
    observers = start_observer(hot, mountinfo=info)
    try:
        assert observers.polled == {}
        assert observers.remount(info) == {}
        info.write_text(ROOTFS + line(share, "nfs4"), encoding="utf-8")
        assert list(observers.remount(info)) == [str(share)]
        assert observers.remount(info) == {}  # once
        assert [polls(o) for o in observers.running] == [False, True]
    finally:
        observers.stop()
        observers.join(timeout=10)
