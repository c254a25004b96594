"""`samverkan serve`: the web app (placeholder until the bot lands)."""
from bot.cli_common import app


@app.command("serve")
def serve() -> None:
    """Start the bot."""
    raise SystemExit("not yet")
