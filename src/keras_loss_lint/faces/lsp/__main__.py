"""`python -m keras_loss_lint.faces.lsp`: the language server over stdio."""

from keras_loss_lint.faces.lsp.server import main

# Guarded: the lint process (`worker`, started with "spawn") imports the main module again.
if __name__ == "__main__":
    raise SystemExit(main())
