"""The app works in shared (Teams Connect) and private channels, not only standard ones."""

from __future__ import annotations

import uuid

from services.app_package import render_manifest


def test_manifest_enables_shared_and_private_channels() -> None:
    manifest = render_manifest(str(uuid.uuid4()))
    assert sorted(manifest["supportedChannelTypes"]) == ["privateChannels", "sharedChannels"]
    # supportedChannelTypes needs manifest schema 1.16 or later (the package test
    # validates the whole manifest against the bundled schema of this version).
    major, minor = (int(p) for p in manifest["manifestVersion"].split("."))
    assert (major, minor) >= (1, 16)
