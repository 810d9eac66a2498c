"""`python -m leadconv.holdout`: the README's command, kept; the code is leadconv.tasks.holdout."""

import sys

from leadconv.tasks.holdout import main

if __name__ == "__main__":
    main(sys.argv[1:])
