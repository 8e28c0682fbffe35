"""Which watched folders sit on a network mount, where inotify hears nothing.

inotify reports what this machine's kernel does to a file. A photographer's FTP
server, a wire feed or a colleague writing to an NFS or SMB share is another
machine: the watcher's kernel never sees those writes, so a folder on such a
mount must be polled. inotify starts there without complaint, which is why the
mount type has to be looked up rather than learnt from a failure.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

MOUNTINFO = Path("/proc/self/mountinfo")

#: Kernel file systems whose files other machines change.
NETWORK_TYPES = frozenset(
    {"nfs", "nfs4", "cifs", "smb3", "smbfs", "ncpfs", "afs", "9p", "ceph", "glusterfs"}
    | {"lustre", "gpfs", "ocfs2", "gfs2", "beegfs", "davfs", "coda", "virtiofs"}
)


@dataclass(frozen=True)
class Mount:
    """One line of mountinfo: where a file system is mounted and its type."""

    point: str
    fstype: str


def mounts(mountinfo: Path = MOUNTINFO) -> list[Mount]:
    """The mounts this process sees; [] where the kernel does not say (not Linux)."""
    try:
        text = mountinfo.read_text(encoding="utf-8", errors="surrogateescape")
    except OSError:
        return []
    found = []
    for line in text.splitlines():
        # "36 35 98:0 /root /mnt/a rw,noatime master:1 - ext3 /dev/root rw": the optional
        # fields before "-" vary in number, so the type is the first field after it.
        before, separator, after = line.partition(" - ")
        fields, rest = before.split(), after.split()
        if not separator or len(fields) < 5 or not rest:
            continue
        found.append(Mount(_unescape(fields[4]), rest[0]))
    return found


def _unescape(point: str) -> str:
    """Mount points write space, tab, newline and backslash as octal escapes."""
    for code, char in (("\\040", " "), ("\\011", "\t"), ("\\012", "\n"), ("\\134", "\\")):
        point = point.replace(code, char)
    return point


def mount_of(path: str, known: list[Mount]) -> Mount | None:
    """The mount that holds ``path``: the longest mount point above it (the last one
    mounted there when several were)."""
    real = os.path.realpath(path)
    best: Mount | None = None
    for mount in known:
        point = mount.point.rstrip("/") or "/"
        inside = real == point or real.startswith(point if point == "/" else point + "/")
        if inside and (best is None or len(point) >= len(best.point.rstrip("/") or "/")):
            best = mount
    return best


def is_network(fstype: str) -> bool:
    """A network file system, or a FUSE one (sshfs, rclone, s3fs; bare ``fuse`` when it
    gave no subtype), whose files change without this kernel's knowing. A FUSE block
    device (``fuseblk``: NTFS, exFAT) is a local disk."""
    fuse = fstype == "fuse" or (fstype.startswith("fuse.") and fstype != "fuse.portal")
    return fstype in NETWORK_TYPES or fuse


def network_folders(folders: list[str], mountinfo: Path = MOUNTINFO) -> dict[str, str]:
    """The folders on a network mount, and the network mounts inside the others (a share
    mounted below a local drop folder), each with its file system type."""
    known = mounts(mountinfo)
    found = {}
    for folder in folders:
        mount = mount_of(folder, known)
        if mount is not None and is_network(mount.fstype):
            found[folder] = mount.fstype
            continue
        real = os.path.realpath(folder).rstrip("/")
        for inner in known:
            if inner.point.startswith(real + "/") and is_network(inner.fstype):
                found[inner.point] = inner.fstype
    return found
