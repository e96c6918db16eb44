"""issuer.files.write_atomic: all or nothing, never clobbering unless asked."""

from __future__ import annotations

import os
import stat

import pytest

from issuer import files
from issuer.errors import IssuerError, OutputExists
from issuer.files import write_atomic


def mode_of(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_writes_the_bytes_with_the_default_mode(tmp_path):
    target = tmp_path / "acme.jwt"

    write_atomic(target, b"token\n")

    assert target.read_bytes() == b"token\n"
    assert mode_of(target) == 0o644
    assert os.listdir(tmp_path) == ["acme.jwt"]


@pytest.mark.parametrize("mode", [0o600, 0o640, 0o644])
def test_mode_is_exact_whatever_the_umask(tmp_path, mode):
    previous = os.umask(0o077)
    try:
        write_atomic(tmp_path / "out", b"x", mode=mode)
    finally:
        os.umask(previous)

    assert mode_of(tmp_path / "out") == mode


def test_existing_file_is_refused_and_left_intact(tmp_path):
    target = tmp_path / "acme.jwt"
    target.write_bytes(b"original")

    with pytest.raises(OutputExists) as caught:
        write_atomic(target, b"replacement")

    assert str(target) in str(caught.value)
    assert "--force" in str(caught.value)
    assert target.read_bytes() == b"original"
    assert os.listdir(tmp_path) == ["acme.jwt"]


def test_dangling_symlink_counts_as_existing(tmp_path):
    target = tmp_path / "acme.jwt"
    target.symlink_to(tmp_path / "elsewhere")

    with pytest.raises(OutputExists):
        write_atomic(target, b"token")

    assert not (tmp_path / "elsewhere").exists()


def test_link_race_is_refused_without_leaving_the_temporary(tmp_path, monkeypatch):
    """Another writer wins between the early check and the link."""
    target = tmp_path / "acme.jwt"
    real_link = os.link

    def link_after_rival(source, destination):
        target.write_bytes(b"rival")
        real_link(source, destination)

    monkeypatch.setattr(files.os, "link", link_after_rival)

    with pytest.raises(OutputExists):
        write_atomic(target, b"mine")

    assert target.read_bytes() == b"rival"
    assert os.listdir(tmp_path) == ["acme.jwt"]


def test_overwrite_replaces(tmp_path):
    target = tmp_path / "acme.jwt"
    target.write_bytes(b"old")

    write_atomic(target, b"new", overwrite=True, mode=0o600)

    assert target.read_bytes() == b"new"
    assert mode_of(target) == 0o600
    assert os.listdir(tmp_path) == ["acme.jwt"]


def test_failed_write_leaves_no_temporary_and_no_target(tmp_path, monkeypatch):
    def broken_fsync(descriptor):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(files.os, "fsync", broken_fsync)

    with pytest.raises(OSError):
        write_atomic(tmp_path / "acme.jwt", b"token")

    assert os.listdir(tmp_path) == []


def test_failed_overwrite_keeps_the_old_file(tmp_path, monkeypatch):
    target = tmp_path / "acme.jwt"
    target.write_bytes(b"old")

    def broken_replace(source, destination):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files.os, "replace", broken_replace)

    with pytest.raises(OSError):
        write_atomic(target, b"new", overwrite=True)

    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["acme.jwt"]


def test_missing_directory_is_named(tmp_path):
    with pytest.raises(IssuerError) as caught:
        write_atomic(tmp_path / "nowhere" / "acme.jwt", b"token")

    assert f"directory {tmp_path / 'nowhere'} does not exist" in str(caught.value)
