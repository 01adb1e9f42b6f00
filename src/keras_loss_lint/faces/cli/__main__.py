"""`python -m keras_loss_lint.faces.cli` runs the command line."""

import sys

from keras_loss_lint.faces.cli.main import main

sys.exit(main())
