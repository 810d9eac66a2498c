"""`python -m leadconv.candidates`: the README's command, kept; the code is leadconv.tasks.candidates."""

import sys

from leadconv.tasks.candidates import main

if __name__ == "__main__":
    main(sys.argv[1:])
