"""Start the web app: ``python app.py [--docs DIR] [--index-dir DIR] [--host ADDR] [--port N]``.

Builds or syncs the index first, then serves the chat on http://127.0.0.1:7860/chat/.
The same as ``bot serve``.
"""

import sys

from bot.cli import main

if __name__ == "__main__":
    sys.exit(main(["serve", *sys.argv[1:]]))
