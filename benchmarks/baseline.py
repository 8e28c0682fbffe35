"""Load one of photodesk's modules as it was at a git revision, beside today's.

The accuracy benchmarks run the old and the new code in the same process on the
same material, so "before" and "after" never come from different machines or days.
"""

from __future__ import annotations

import subprocess
import sys
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class BaselineError(Exception):
    """The revision or the file is not in this repository's history."""


def module_at(revision: str, path: str) -> types.ModuleType:
    """The module at ``path`` (e.g. ``library/text/captions.py``) as of ``revision``.

    Its own imports resolve to today's packages, which is what a comparison of one
    module wants; it is registered in ``sys.modules`` because dataclasses look their
    module up by name while it loads.
    """
    try:
        source = subprocess.run(
            ["git", "-C", str(ROOT), "show", f"{revision}:{path}"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        raise BaselineError(f"{revision}:{path}: not in this repository's history") from exc
    name = f"baseline_{revision}_{Path(path).stem}"
    module = types.ModuleType(name)
    module.__file__ = f"{revision}:{path}"
    sys.modules[name] = module
    exec(compile(source, module.__file__, "exec"), module.__dict__)
    return module
