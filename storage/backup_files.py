"""The file store's half of a backup (storage.backup): blobs under ``files/<aa>/<rest>`` in the archive.

The store is content-addressed, so a blob's name is its checksum: each is checked while it is read,
on the way into the archive and on the way back out, and a restore never overwrites a blob that is
already there with the right content.
"""
from __future__ import annotations

import hashlib
import os
import re
import tarfile
import tempfile
from pathlib import Path

_BLOB = re.compile(r"[0-9a-f]{64}")
_MEMBER = re.compile(r"files/([0-9a-f]{2})/([0-9a-f]{62})")
_CHUNK = 1 << 20


class Refused(Exception):
    """A backup or restore cannot go on; ``reason`` names why (the command line words it)."""

    def __init__(self, reason: str, **params) -> None:
        super().__init__(reason, params)
        self.reason, self.params = reason, params


class _Hashing:
    """A file object that hashes what is read through it."""

    def __init__(self, handle) -> None:
        self.handle, self.digest = handle, hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.handle.read(size)
        self.digest.update(data)
        return data


def listing(root: Path) -> list[dict]:
    """Every blob of the store at ``root``: [{sha256, size}] in name order (other files are not blobs)."""
    if not root.is_dir():
        return []
    found = []
    for folder in sorted(root.iterdir()):
        if not (folder.is_dir() and re.fullmatch(r"[0-9a-f]{2}", folder.name)):
            continue
        for path in sorted(folder.iterdir()):
            name = folder.name + path.name
            if path.is_file() and _BLOB.fullmatch(name):
                found.append({"sha256": name, "size": path.stat().st_size})
    return found


def _path(root: Path, sha256: str) -> Path:
    return root / sha256[:2] / sha256[2:]


def add_to(archive: tarfile.TarFile, root: Path, files: list[dict]) -> None:
    """Add the listed blobs; a blob whose bytes no longer match its name stops the backup."""
    for entry in files:
        path = _path(root, entry["sha256"])
        info = tarfile.TarInfo(f"files/{entry['sha256'][:2]}/{entry['sha256'][2:]}")
        info.size, info.mode = entry["size"], 0o600
        with open(path, "rb") as handle:
            reader = _Hashing(handle)
            archive.addfile(info, reader)
        if reader.digest.hexdigest() != entry["sha256"]:
            raise Refused("file_corrupt", sha256=entry["sha256"])


def restore_from(archive: tarfile.TarFile, members, root: Path, files: list[dict]):
    """Write the archive's blobs (the members after the manifest) into the store at ``root``; returns
    the first member that is not a blob. Every listed blob must arrive with the right content."""
    expected = {entry["sha256"] for entry in files}
    member = next(members, None)
    while member is not None and member.name.startswith("files/"):
        match = _MEMBER.fullmatch(member.name)
        if not match or not member.isfile() or "".join(match.groups()) not in expected:
            raise Refused("not_a_backup")
        sha256 = "".join(match.groups())
        _write_blob(archive.extractfile(member), _path(root, sha256), sha256)
        expected.discard(sha256)
        member = next(members, None)
    if expected:
        raise Refused("file_missing", sha256=min(expected))
    return member


def _write_blob(source, target: Path, sha256: str) -> None:
    if target.is_file() and _digest_of(target) == sha256:
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    with tempfile.NamedTemporaryFile(dir=target.parent, delete=False) as handle:
        while chunk := source.read(_CHUNK):
            digest.update(chunk)
            handle.write(chunk)
        temporary = handle.name
    if digest.hexdigest() != sha256:
        os.unlink(temporary)
        raise Refused("file_corrupt", sha256=sha256)
    os.replace(temporary, target)  # a reader never sees half a file


def _digest_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
