"""Print a uv lock without the packages another lock already pins (`make lock-mutation`)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

HEADER = """# Mutation testing only (`make mutation`), installed beside requirements.lock into
# .venv-mutation; packages the main lock pins are left out (they are installed
# from it). Regenerate with `make lock-mutation`.
"""


def main(extra: str, main_lock: str) -> None:
    pinned = {
        m.group(1).lower()
        for m in re.finditer(r"^([A-Za-z0-9_.-]+)==", Path(main_lock).read_text(), re.M)
    }
    blocks = re.split(r"(?m)^(?=[A-Za-z0-9_.-]+==)", Path(extra).read_text())
    kept = [b for b in blocks if b.strip() and b.split("==")[0].lower() not in pinned]
    sys.stdout.write(HEADER + "".join(kept))


if __name__ == "__main__":
    main(*sys.argv[1:3])
