"""Print files for die-cut goods: the cut line and the white layer a factory accepts.

``POST /api/goods-gen/print-file`` (``route``) turns one character art into a
ZIP: ``print.pdf`` (real size, spot-colour cut line and white ink),
``print.svg`` (the same layers), ``white.png``, ``preview.png`` and
``spec.json``. The modules, in the order the work flows:

- ``options``: the kinds with print files, their defaults and bounds (the form).
- ``webtoon_core.cutout``: the background removal shared with the renderers.
- ``geometry``: the cut shape (offset, islands merged, holes, smoothing, necks).
- ``hardware``: the keyring's tab and hole, the stand's foot, tab and base.
- ``white``: the white underbase mask and its outline.
- ``preflight``: warnings with stable codes, and the refusals.
- ``document``, ``pdf``, ``svg``, ``preview``: the page and its three drawings.
- ``package``: all of it, synchronously, into the ZIP (run in the worker pool).
"""
