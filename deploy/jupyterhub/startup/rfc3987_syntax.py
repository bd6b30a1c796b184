"""Stands in for the rfc3987-syntax package in learners' servers on a hub (deploy/jupyterhub).

jupyter_server imports jupyter_events, which imports jsonschema's format checkers, which import
rfc3987-syntax if it is installed; rfc3987-syntax 1.1.0 builds an Earley parser for the whole IRI
grammar at import time: about 3.5 CPU-seconds, more than half of what starting a learner's server
costs (measured with `python -X importtime -c "import jupyter_server.serverapp"`). When a class
starts at once, the servers share the machine's cores, so this import alone makes every learner
wait about twice as long. jsonschema treats the package as optional: without it, it does not check
the "iri" string format, which nothing in a Jupyter server's own schemas relies on.
jupyterhub_config.py puts this folder first on PYTHONPATH for learners' servers only.
"""
raise ImportError("rfc3987_syntax is skipped in learners' servers on this hub (see deploy/jupyterhub/startup)")
