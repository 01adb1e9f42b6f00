"""`python -m keras_loss_lint` is the `keras-loss-lint` command."""

import sys

from keras_loss_lint.faces.cli.main import main

sys.exit(main())
