"""The rules of `rules/` as CrossGuard policies: resource rules validate one resource at a time,
stack rules (which relate resources, like a bucket and its public access block) the whole stack."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
    proxy,
)

from .rules import RULES, Context, Resource, Rule
from .rules.base import UNKNOWN

LEVELS = {"mandatory": EnforcementLevel.MANDATORY, "advisory": EnforcementLevel.ADVISORY}


# What the engine sends for values a preview cannot know yet.
_UNKNOWN_SENTINELS = {
    proxy.UNKNOWN_BOOLEAN_VALUE,
    proxy.UNKNOWN_NUMBER_VALUE,
    proxy.UNKNOWN_STRING_VALUE,
    proxy.UNKNOWN_ARRAY_VALUE,
    proxy.UNKNOWN_ASSET_VALUE,
    proxy.UNKNOWN_ARCHIVE_VALUE,
    proxy.UNKNOWN_OBJECT_VALUE,
}


def plain(value: Any) -> Any:
    """CrossGuard's props (proxies that raise on unknown values) as plain data, unknowns as the
    offline plan writes them, so the rules see the same shapes in both places."""
    if isinstance(value, Mapping):
        raw = value["__target"] if isinstance(value, proxy._DictProxy) else value
        return {key: plain(item) for key, item in raw.items()}
    if isinstance(value, Sequence) and not isinstance(value, str):
        raw = value["__target"] if isinstance(value, proxy._ListProxy) else value
        return [plain(item) for item in raw]
    if isinstance(value, str) and value in _UNKNOWN_SENTINELS:
        return UNKNOWN
    return value


def stack_of(urn: str) -> str:
    """'urn:pulumi:production::ohmycoins::aws:s3/bucket:Bucket::logs' -> 'production'."""
    return urn.split(":", 3)[2].split("::", 1)[0] if urn.startswith("urn:pulumi:") else ""


def environment_of(provider_props: Mapping[str, Any] | None, stack: str) -> str:
    """The provider's Environment default tag, as the program sets it; the stack name otherwise."""
    tags = (provider_props or {}).get("defaultTags")
    tags = json.loads(tags) if isinstance(tags, str) else tags
    return ((tags or {}).get("tags") or {}).get("Environment") or stack


def context_for(urn: str, provider_props: Mapping[str, Any] | None) -> Context:
    stack = stack_of(urn)
    return Context(stack=stack, environment=environment_of(provider_props, stack))


def _description(rule: Rule) -> str:
    return f"{rule.title} [{rule.control}; {rule.enforcement}]"


def resource_policy(rule: Rule) -> ResourceValidationPolicy:
    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        if args.resource_type not in rule.types or rule.check is None:
            return
        context = context_for(args.urn, plain(args.provider.props) if args.provider else None)
        if not rule.applies(context):
            return
        resource = Resource(
            type=args.resource_type, name=args.name, inputs=plain(args.props), urn=args.urn, protect=bool(args.opts.protect)
        )
        for message in rule.check(resource, context):
            report_violation(f"{rule.control}: {message}", None)

    return ResourceValidationPolicy(
        name=rule.id, description=_description(rule), validate=validate, enforcement_level=LEVELS[rule.enforcement]
    )


def stack_policy(rule: Rule) -> StackValidationPolicy:
    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        if not args.resources or rule.stack_check is None:
            return
        first = args.resources[0]
        aws_provider = next((r.provider for r in args.resources if r.provider and r.provider.resource_type == "pulumi:providers:aws"), None)
        context = context_for(first.urn, plain(aws_provider.props) if aws_provider else None)
        if not rule.applies(context):
            return
        resources = [
            Resource(
                type=r.resource_type,
                name=r.name,
                inputs=plain(r.props),
                urn=r.urn,
                protect=bool(r.opts.protect),
                dependencies=tuple(d.urn for d in r.dependencies),
            )
            for r in args.resources
        ]
        for resource, message in rule.stack_check(resources, context):
            report_violation(f"{rule.control}: {message}", resource.urn or None)

    return StackValidationPolicy(
        name=rule.id, description=_description(rule), validate=validate, enforcement_level=LEVELS[rule.enforcement]
    )


def policies() -> list[ResourceValidationPolicy | StackValidationPolicy]:
    return [resource_policy(rule) if rule.check is not None else stack_policy(rule) for rule in RULES]
