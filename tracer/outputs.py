"""Writing results: whole or not at all.

A walkthrough and the diagram beside it are staged as temporary files next to their
targets and only then renamed into place, so a failure (a rendering error, a full disk,
an interrupted run) never leaves a half-written or stale-mixed output behind:

- the files beside the main one (the Markdown's SVG) are renamed first and the main file
  last, with SIGINT and SIGTERM held back while renaming, so a Markdown file never
  appears without its diagram;
- the renames of one run hold an exclusive lock on the output folder (``flock`` on the
  folder itself, no lock file), so two runs onto the same output never mix their files;
- ``-`` means standard output, ``/dev/null`` is written as it is, and any other target
  that is not a regular file (a symlink, a FIFO, a device) or is read-only is refused
  before anything is computed (``check_target``).
"""
from __future__ import annotations

import contextlib
import os
import signal
import stat
import sys
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path

from .errors import ProblemError

STDOUT = "-"
DEV_NULL = Path(os.devnull)


def _payload(data: str | bytes) -> bytes:
    """Text is always written as UTF-8, whatever the locale: output is byte-identical everywhere."""
    return data.encode("utf-8") if isinstance(data, str) else data


def _file_mode() -> int:
    """What ``open()`` would give a new file (mkstemp's 0600 would hide a walkthrough from others)."""
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


def refusal(path: Path) -> str | None:
    """Why ``path`` must not be replaced by an output file, or None when it may be."""
    if path == DEV_NULL:
        return None
    try:
        st = path.lstat()
    except FileNotFoundError:
        return None if path.parent.is_dir() else "in no existing folder"
    except OSError as exc:
        return f"not accessible ({exc.strerror or exc})"
    if stat.S_ISLNK(st.st_mode):
        return "a symbolic link (replacing it would not write its target)"
    if stat.S_ISDIR(st.st_mode):
        return "a folder"
    if not stat.S_ISREG(st.st_mode):
        return "not a regular file (a FIFO, socket or device)"
    if not st.st_mode & 0o222:
        return "a read-only file"
    return None


def check_target(text: str, option: str = "-o") -> None:
    """Refuse an output path before any work: one line saying why and what is expected."""
    if text == STDOUT:
        return
    why = refusal(Path(text))
    if why is not None:
        raise ProblemError(f"{option}: found '{text}', {why}; expected a file path in an existing folder "
                           f"(a regular, writable file or a new one; {STDOUT} for standard output)")


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


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """SIGINT and SIGTERM wait until the renames are done (then take effect as usual)."""
    held = {signal.SIGINT, signal.SIGTERM}
    try:
        old = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    except (AttributeError, OSError, ValueError):  # not on this platform or thread
        yield
        return
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


@contextlib.contextmanager
def _folder_locked(folder: Path) -> Iterator[None]:
    """An exclusive lock on the output folder while one run renames its files into it."""
    try:
        import fcntl
        fd = os.open(folder, os.O_RDONLY)
    except (ImportError, OSError):
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def write_files(files: Mapping[Path, str | bytes]) -> None:
    """Write every file or none: stage all first, then rename them, the first-named file last."""
    staged: list[tuple[str, Path]] = []
    path = Path()
    items = list(files.items())
    try:
        for path, data in items:
            if path == DEV_NULL:
                with open(path, "wb") as sink:
                    sink.write(_payload(data))
                continue
            why = refusal(path)
            if why is not None:
                raise ProblemError(f"{path}: found {why}; expected a file path in an existing folder "
                                   "(a regular, writable file or a new one)")
            staged.append((_stage(path, data), path))
        folders = sorted({p.parent.resolve() for _, p in staged})
        with contextlib.ExitStack() as stack:
            stack.enter_context(_signals_held())
            for folder in folders:
                stack.enter_context(_folder_locked(folder))
            for tmp, path in staged[1:] + staged[:1]:
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


def emit_page(text: str, attachments: Mapping[str, str | bytes], path: str | None) -> None:
    """A walkthrough and the files it refers to (its diagram), written beside it and all at
    once, or the walkthrough alone to standard output (``path`` None). An attachment may not
    take the walkthrough's own name; none is kept beside /dev/null."""
    if path is None:
        write_stdout(text)
        return
    output = Path(path)
    files: dict[Path, str | bytes] = {output: text}
    for name, content in attachments.items():
        attachment = output.parent / name
        if attachment.resolve() == output.resolve():
            raise ProblemError(f"-o: found '{output}', the name of the diagram written beside it; "
                               f"expected a file name not ending in {attachment.suffix}")
        if output == Path(os.devnull):
            continue                         # nothing is kept, so no diagram beside it (no /dev/null.svg)
        check_target(str(attachment))
        files[attachment] = content
    write_files(files)


def emit(data: str | bytes, path: str | Path | None) -> None:
    """To a file when a path is given (``-``: standard output), else to standard output."""
    if path is not None and str(path) != STDOUT:
        write_atomic(path, data)
    else:
        write_stdout(data)


def not_the_input(output: Path, problem_file: Path, expected: str = "another file") -> None:
    """``-o`` must not be the problem file it reads (``tracer run p.yaml -o p.yaml`` would
    destroy the problem): one line naming it instead."""
    if output.exists() and problem_file.exists() and output.resolve() == problem_file.resolve():
        raise ProblemError(f"-o: found '{output}', the problem file itself; expected {expected}")
