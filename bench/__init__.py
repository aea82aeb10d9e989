"""Benchmarks: ``python -m bench.run`` (method and results: docs/benchmarks.md).

Modules: ``payloads`` (images and multipart bodies), ``fakes`` (fake BFL and
Replicate, each its own uvicorn process), ``baseline`` (a model of the first
version's goods endpoint), ``processes`` (starting, probing and always
stopping child processes), ``probe`` (a /health prober in its own process),
``load`` (the load generator and percentiles), ``quiet`` (other processes'
CPU use on the shared machine), ``hotpath`` (the request path's steps timed
in-process), ``local_cpu`` (local-engine renders, run pinned to one core),
``scenarios`` (one function per figure), ``report`` (the markdown) and
``run`` (the command line).
"""
