"""Edits of a stack file's config for `plan_variant` / `assert_refused`: each returns a change function."""

from __future__ import annotations


def set_setting(area: str, key: str, value):
    """`ohmycoins:<area>.<key> = value`."""

    def change(config):
        config[f"ohmycoins:{area}"][key] = value

    return change


def drop_setting(area: str, key: str):
    """Removes `ohmycoins:<area>.<key>`."""

    def change(config):
        del config[f"ohmycoins:{area}"][key]

    return change
