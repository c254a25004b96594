"""The Swedish app description uses the bot's own words (the catalogue's)."""

from __future__ import annotations

import json
import re

from i18n.texts import t
from services.app_package import MANIFEST_DIR


def test_swedish_localization_speaks_like_the_bot() -> None:
    sv = json.loads((MANIFEST_DIR / "sv.json").read_text(encoding="utf-8"))
    texts = {k: v for k, v in sv.items() if not k.startswith("$")}
    words = " ".join(texts.values()).casefold()
    # The bot says "samordnare" and "lyfta ärenden", never "koordinator" or "eskalera".
    assert t("sv", "role.coordinator") in words
    assert "koordinator" not in words and "eskaler" not in words
    assert not [k for k, v in texts.items() if re.search(r"<[a-zåäö]", v)]
