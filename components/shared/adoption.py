"""Adoption at run time: Pulumi's `import` option on the resources `ohmycoins:adoption.imports` names.

A stack transformation sets the option by logical name, so no component needs to know about
adoption. Imported resources are also `protect`ed while they carry an import id: if anything in
the adopting `pulumi up` wanted to delete or replace one, the update stops instead.
"""

from __future__ import annotations

from collections.abc import Mapping

import pulumi

from components.shared.adoption_settings import AdoptionSettings


class AdoptionError(pulumi.RunError):
    """Import ids that name no resource: the stack file and the program disagree."""


class Adoption:
    """Which resources this run imports, and which import ids found their resource."""

    def __init__(self, imports: Mapping[str, str]):
        self._imports = dict(imports)
        self.imported: dict[str, str] = {}  # logical name -> resource type

    def transformation(self, args: pulumi.ResourceTransformationArgs) -> pulumi.ResourceTransformationResult | None:
        import_id = self._imports.get(args.name)
        if import_id is None or not isinstance(args.resource, pulumi.CustomResource):
            return None
        if args.name in self.imported:
            raise AdoptionError(f"ohmycoins:adoption.imports.{args.name}: two resources of the program have this name")
        self.imported[args.name] = args.type_
        opts = pulumi.ResourceOptions.merge(args.opts, pulumi.ResourceOptions(import_=import_id, protect=True))
        return pulumi.ResourceTransformationResult(args.props, opts)

    def unmatched(self) -> list[str]:
        return sorted(set(self._imports) - set(self.imported))

    def check_complete(self) -> None:
        """Call once every resource is declared: an import id that matched nothing is a mistake."""
        if missing := self.unmatched():
            lines = [f"  ohmycoins:adoption.imports.{name}: no resource of this program has that name" for name in missing]
            raise AdoptionError("\n".join(["the stack adopts resources the program does not declare:", *lines]))


def adopt(settings: AdoptionSettings) -> Adoption:
    """Registers the import transformation for this stack (nothing when the stack adopts nothing)."""
    adoption = Adoption(settings.imports)
    if settings.imports:
        pulumi.runtime.register_stack_transformation(adoption.transformation)
    return adoption
