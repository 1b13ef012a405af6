"""Reading a YAML file of ours (a manifest, a channel map): one error line that names the file and the reason."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from golden.errors import GoldenError


def read_yaml(path: Path | str, what: str, error: type[GoldenError]) -> Any:
    """The parsed contents of `path`, a `what` file ("manifest", "channel map"); `error` for a missing,
    unreadable, non-UTF-8 or malformed file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error(f"{path}: {what} file not found") from None
    except UnicodeDecodeError:
        raise error(f"{path}: not a text file (not UTF-8)") from None
    except OSError as failure:
        raise error(f"{path}: cannot read the {what} ({failure.strerror})") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as failure:
        reason = " ".join(str(failure).split())  # YAML's message spans lines; ours is one
        raise error(f"{path}: not valid YAML ({reason})") from None
