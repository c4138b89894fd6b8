"""CPU architecture from a class name, and the protections a pause may lift."""

from __future__ import annotations

import pytest

from components.shared.architecture import cpu_architecture, mismatches
from components.shared.pause import PAUSE_ALLOWED_TAG, pause_protection


@pytest.mark.parametrize(
    "name, architecture",
    [
        ("t4g.nano", "arm64"),
        ("m7gd.xlarge", "arm64"),
        ("c6gn.large", "arm64"),
        ("db.t4g.micro", "arm64"),
        ("cache.r7g.large", "arm64"),
        ("a1.medium", "arm64"),
        ("t3.medium", "x86_64"),
        ("g4dn.xlarge", "x86_64"),
        ("m6i.large", "x86_64"),
        ("db.t3.micro", "x86_64"),
        ("cache.t3.micro", "x86_64"),
        ("c6in.large", "x86_64"),
    ],
)
def test_architecture_follows_the_family(name, architecture):
    assert cpu_architecture(name) == architecture


def test_mismatches_name_the_key_and_both_architectures():
    found = mismatches("arm64", [("eks", ("x",), "t4g.medium"), ("cache", ("nodeType",), "cache.t3.micro")])
    assert found == [("cache", ("nodeType",), "'cache.t3.micro' is x86_64 but ohmycoins:general.architecture is arm64")]


def test_only_a_protected_pausable_stack_lifts_and_tags():
    lifted = pause_protection(protect_stateful=True, pausable=True)
    assert (lifted.protect, lifted.tags) == (False, {PAUSE_ALLOWED_TAG: "true"})
    assert pause_protection(True, False).protect is True and pause_protection(True, False).tags == {}
    assert pause_protection(False, True).protect is False and pause_protection(False, True).tags == {}
