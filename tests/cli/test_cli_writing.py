"""keras_loss_lint.core.writing: decoding as Python does, encoding back the same way, atomic guarded writes."""

from __future__ import annotations

import io
import os
import tokenize
from pathlib import Path

import pytest

from keras_loss_lint.core.writing import (
    FileChangedError,
    WriteError,
    content_digest,
    decode_source,
    python_encoding,
    write_if_unchanged,
)

SAMPLES = [
    b"x = 1\n",
    b"# -*- coding: latin-1 -*-\nx = '\xe9'\n",
    b"#!/usr/bin/env python\n# vim: set fileencoding=iso-8859-15 :\nx = 1\n",
    b"\xef\xbb\xbfx = 'caf\xc3\xa9'\n",
    b"\xef\xbb\xbf# coding: utf-8\nx = 1\n",
    b"x = 1\n# coding: latin-1\n# too late: the cookie counts on the first two lines only\n",
    b"# coding=cp1252\r\nx = '\x80'\r\n",
    b"",
]


@pytest.mark.parametrize("data", SAMPLES)
def test_the_encoding_is_the_one_python_uses(data):
    expected, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    assert python_encoding(data) == expected


@pytest.mark.parametrize("data", SAMPLES)
def test_decoding_then_encoding_gives_back_the_bytes(data):
    source = decode_source(data, notebook=False)
    assert source.encode(source.text) == data
    assert source.digest == content_digest(data)


def test_crlf_files_get_crlf_in_inserted_text_and_others_are_untouched():
    crlf = decode_source(b"a = 1\r\nb = 2\r\n", notebook=False)
    assert crlf.crlf and crlf.encode("a = (\n  1\n)\r\nb = 2\r\n") == b"a = (\r\n  1\r\n)\r\nb = 2\r\n"
    mixed = decode_source(b"a = 1\r\nb = 2\n", notebook=False)
    assert not mixed.crlf and mixed.encode("x\ny\r\n") == b"x\ny\r\n"


def test_a_notebook_bom_is_kept():
    source = decode_source(b'\xef\xbb\xbf{"cells": []}\n', notebook=True)
    assert source.text == '{"cells": []}\n'
    assert source.encode(source.text).startswith(b"\xef\xbb\xbf{")


def test_write_replaces_atomically_and_keeps_the_mode(tmp_path):
    path = tmp_path / "m.py"
    path.write_bytes(b"old\n")
    path.chmod(0o604)
    write_if_unchanged(path, b"new\n", content_digest(b"old\n"))
    assert path.read_bytes() == b"new\n"
    assert (path.stat().st_mode & 0o777) == 0o604
    assert os.listdir(tmp_path) == ["m.py"]


def test_a_changed_file_is_not_overwritten(tmp_path):
    path = tmp_path / "m.py"
    path.write_bytes(b"edited by someone else\n")
    with pytest.raises(FileChangedError):
        write_if_unchanged(path, b"new\n", content_digest(b"old\n"))
    assert path.read_bytes() == b"edited by someone else\n"
    assert os.listdir(tmp_path) == ["m.py"]


def test_a_vanished_file_is_a_write_error(tmp_path):
    with pytest.raises(WriteError, match="No such file or directory"):
        write_if_unchanged(tmp_path / "gone.py", b"new\n", content_digest(b"old\n"))


def test_a_failing_temporary_write_leaves_nothing_behind(tmp_path, monkeypatch):
    import keras_loss_lint.core.writing as writing

    path = tmp_path / "m.py"
    path.write_bytes(b"old\n")

    def no_space(descriptor: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(writing.os, "fsync", no_space)
    with pytest.raises(WriteError, match="No space left on device"):
        write_if_unchanged(path, b"new\n", content_digest(b"old\n"))
    assert path.read_bytes() == b"old\n"
    assert sorted(os.listdir(tmp_path)) == ["m.py"]


def test_a_symlink_keeps_pointing_at_its_target(tmp_path):
    target = tmp_path / "real.py"
    target.write_bytes(b"old\n")
    link = tmp_path / "link.py"
    link.symlink_to(target)
    write_if_unchanged(link, b"new\n", content_digest(b"old\n"))
    assert link.is_symlink() and Path(os.readlink(link)) == target
    assert target.read_bytes() == b"new\n"


def test_a_read_only_file_is_not_replaced(tmp_path, monkeypatch):
    import keras_loss_lint.core.writing as writing

    path = tmp_path / "m.py"
    path.write_bytes(b"old\n")
    # Root may write anything, so the permission check itself is made to say no.
    monkeypatch.setattr(writing.os, "access", lambda *args, **kwargs: False)
    with pytest.raises(WriteError, match="Permission denied"):
        write_if_unchanged(path, b"new\n", content_digest(b"old\n"))
    assert path.read_bytes() == b"old\n"
