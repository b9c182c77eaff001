import sys

from apishield.cli import main

sys.exit(main())
