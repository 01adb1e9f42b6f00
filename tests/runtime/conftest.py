from __future__ import annotations

from runtime_fakes import fake_keras  # noqa: F401  (the fixture)
