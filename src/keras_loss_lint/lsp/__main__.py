"""`python -m keras_loss_lint.lsp`: the language server over stdio."""

from keras_loss_lint.lsp.server import main

raise SystemExit(main())
