"""The language server face of keras-loss-lint (`keras-loss-lint server`).

Only `server.main` is public. Nothing in this package imports pygls at import time except
`language_server`, which `main` loads after checking that the `lsp` extra is installed, so the core,
the CLI and the flake8 plugin never need pygls.
"""
