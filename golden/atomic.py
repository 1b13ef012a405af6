"""All-or-nothing file writes: a reader sees the old file or the complete new one, never a half."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

FILE_MODE = 0o644  # of a written file, before the process umask


def write_text_atomic(path: Path, text: str, encoding: str = "ascii") -> Path:
    """Write `text` to a temporary file beside `path`, fsync it, rename it over `path`.

    On any failure the temporary file is removed and an existing `path` is left as it was.
    """
    return write_bytes_atomic(path, text.encode(encoding))


def write_bytes_atomic(path: Path, data: bytes) -> Path:
    """Like write_text_atomic, for binary content."""
    path = Path(path).resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = _create_temp(path)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return path


def _create_temp(path: Path) -> tuple[int, Path]:
    """A new file beside `path`, opened for writing; created with FILE_MODE, so the kernel applies the umask."""
    for _ in range(100):
        temp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
        try:
            return os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE), temp
        except FileExistsError:
            continue
    raise FileExistsError(f"{path}: no free temporary name beside it")
