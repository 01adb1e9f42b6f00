"""`python -m keras_loss_lint.faces.lsp`: the language server over stdio."""

from keras_loss_lint.faces.lsp.server import main

raise SystemExit(main())
