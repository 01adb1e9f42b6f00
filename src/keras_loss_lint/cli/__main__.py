"""`python -m keras_loss_lint.cli` runs the command line."""

import sys

from keras_loss_lint.cli.main import main

sys.exit(main())
