"""The extraction framework every source shares: the run (extract), its HTTP sessions, the raw zone it
lands into (landing), its cursor state, the stream schemas and the outputs generated from them.

A source brings only what is its own (``insights.sources.<name>``: a ``SourceSpec`` and a client); the
framework reads every per-source fact from the registry.
"""
