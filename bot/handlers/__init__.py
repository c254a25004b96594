"""Importing this package registers every command and card action on `bot.router.router`."""

from bot.handlers import help, lifecycle, setup, units

__all__ = ["help", "lifecycle", "setup", "units"]
