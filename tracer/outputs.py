"""Writing results: whole or not at all.

A walkthrough and the diagram beside it are staged as temporary files next to their
targets and only then renamed into place, so a failure (a rendering error, a full disk,
an interrupted run) never leaves a half-written or stale-mixed output behind.
"""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Mapping

from .errors import ProblemError


def _payload(data: str | bytes) -> bytes:
    """Text is always written as UTF-8, whatever the locale: output is byte-identical everywhere."""
    return data.encode("utf-8") if isinstance(data, str) else data


def _file_mode() -> int:
    """What ``open()`` would give a new file (mkstemp's 0600 would hide a walkthrough from others)."""
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


def _stage(path: Path, data: str | bytes) -> str:
    """Write ``data`` to a new temporary file beside ``path``; return its name."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, _file_mode())
        with os.fdopen(fd, "wb") as handle:
            handle.write(_payload(data))
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return tmp


def write_files(files: Mapping[Path, str | bytes]) -> None:
    """Write every file or none: stage all first, then rename them in order (the main file first)."""
    staged: list[tuple[str, Path]] = []
    path = Path()
    try:
        for path, data in files.items():
            if path.is_dir():
                raise IsADirectoryError(21, "it is a folder")
            staged.append((_stage(path, data), path))
        for tmp, path in staged:
            os.replace(tmp, path)
    except OSError as exc:
        raise ProblemError(f"{path}: found that it cannot be written ({exc.strerror or exc}); "
                           "expected a file path in an existing, writable folder") from None
    finally:
        for tmp, _ in staged:
            Path(tmp).unlink(missing_ok=True)


def write_atomic(path: str | Path, data: str | bytes) -> None:
    """One file, written to a temporary file beside the target and renamed: no half-written output."""
    write_files({Path(path): data})


def write_stdout(data: str | bytes) -> None:
    """Bytes as they are, text as UTF-8 (not the locale's encoding, which may not hold '∂')."""
    sys.stdout.flush()
    sys.stdout.buffer.write(_payload(data))
    sys.stdout.buffer.flush()


def emit(data: str | bytes, path: str | Path | None) -> None:
    """To a file when a path is given, else to standard output."""
    if path is not None:
        write_atomic(path, data)
    else:
        write_stdout(data)
