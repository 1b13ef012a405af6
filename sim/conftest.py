"""pytest setup for the RTL regression: sim/ is importable as the root of `simlib`."""
import sys
from pathlib import Path

SIM = Path(__file__).resolve().parent
if str(SIM) not in sys.path:
    sys.path.insert(0, str(SIM))
