"""Importing this package registers every command and card action on `bot.router.router`."""

from bot.handlers import digest, help, items, lifecycle, meetings, pulse, setup, units

__all__ = ["digest", "help", "items", "lifecycle", "meetings", "pulse", "setup", "units"]
