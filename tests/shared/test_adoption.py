"""`ohmycoins:adoption`: Pulumi's `import` option (and protection) on the resources it names, and nothing else."""

from __future__ import annotations

import pytest

from components.shared.adoption import AdoptionError


def _imports(imports):
    def change(config):
        config["ohmycoins:adoption"] = {"imports": imports}

    return change


def test_named_resources_are_imported_and_protected(adopting_plan):
    adopting, _ = adopting_plan
    vpc = adopting.named("network-vpc")
    assert (vpc.importId, vpc.protect) == ("vpc-0123456789abcdef0", True)
    subnet = adopting.named("network-public-a")
    assert (subnet.importId, subnet.protect) == ("subnet-0123456789abcdef0", True)
    # The imported VPC keeps its id, so what refers to it refers to the live VPC.
    assert subnet.inputs["vpcId"] == "vpc-0123456789abcdef0"


def test_nothing_else_is_imported_or_protected_in_staging(adopting_plan):
    adopting, _ = adopting_plan
    assert {r.name for r in adopting.resources if r.importId} == {"network-vpc", "network-public-a"}
    assert not [r.name for r in adopting.resources if r.protect and not r.importId]


def test_stacks_without_adoption_import_nothing(any_plan):
    assert not [r.name for r in any_plan.resources if r.importId]


def test_an_import_id_naming_no_resource_or_a_component_is_an_error(plan_variant):
    with pytest.raises(AdoptionError) as caught:
        plan_variant("staging", _imports({"network-vcp": "vpc-0123456789abcdef0", "network": "vpc-0fedcba9876543210"}))
    assert str(caught.value).splitlines()[1:] == [
        "  ohmycoins:adoption.imports.network: no resource of this program has that name",
        "  ohmycoins:adoption.imports.network-vcp: no resource of this program has that name",
    ]


@pytest.mark.parametrize(
    "imports, key, reason",
    [
        (
            {"network-vpc": "vpc-0123456789abcdef0", "network-igw": "vpc-0123456789abcdef0"},
            "ohmycoins:adoption.imports.network-vpc",
            "imports the same AWS object as 'network-igw'",
        ),
        ({"Network VPC": "vpc-0123456789abcdef0"}, "ohmycoins:adoption.imports.Network VPC", "is not a resource name of this program"),
        ({"network-vpc": "vpc 0123"}, "ohmycoins:adoption.imports.network-vpc", "is not an import id"),
    ],
)
def test_bad_import_settings_are_refused_before_anything_is_registered(assert_refused, imports, key, reason):
    assert_refused("staging", _imports(imports), key, reason)
