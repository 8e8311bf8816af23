"""The compute API (Nova). The route table is `routes.py`; the package itself imports nothing,
so that a module of it (`microversions`) can be used without loading the whole API: the
routes are mounted by the first request under /compute (pocketstack.api.routes)."""
