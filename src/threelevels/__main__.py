"""`python -m threelevels ...` runs the `threelevels` command."""
from .cli import main

raise SystemExit(main())
