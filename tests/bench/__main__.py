"""`.venv/bin/python -m tests.bench [BENCHMARK ...] [--json]`: `amm bench` from the test tree."""

from tests.bench.suite import main

raise SystemExit(main())
