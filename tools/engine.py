"""Runs the real `__main__.py` for one stack under Pulumi's mock runtime and captures every registration.

Each run happens in a fresh `contextvars.Context`, so the root resource, config and runtime
settings of one stack never leak into the next run in the same process.
"""

from __future__ import annotations

import asyncio
import contextvars
import runpy
import sys
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pulumi
from google.protobuf import json_format, struct_pb2
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import rpc
from pulumi.runtime.proto import resource_pb2
from pulumi.runtime.settings import get_root_resource
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from .mocks import AwsMocks
from .plan_model import SECRET, UNKNOWN, Plan, PlannedResource
from .stack_file import FAKE_SECRET_PREFIX, load_stack_file, project_name

PROJECT_DIR = Path(__file__).resolve().parent.parent


class SecretLeak(Exception):
    """A secret config value reached an input or output that is not marked secret."""


class CapturingMonitor(pulumi_mocks.MockMonitor):
    """Sees the whole RegisterResource request, which `MockResourceArgs` does not carry.

    With a `prior` plan the run is an update of that plan, as far as `ignore_changes` goes: a
    resource the prior plan has keeps its prior value of every input it ignores, as Pulumi keeps
    the value in its state (what a pause and a resume rely on to remember things).
    """

    def __init__(self, mocks: pulumi_mocks.Mocks, project_dir: Path = PROJECT_DIR, prior: Plan | None = None):
        super().__init__(mocks)
        self.project_dir = project_dir
        self.captured: list[PlannedResource] = []
        self.leaks: list[str] = []
        # id or ARN -> logical name, of every custom resource registered.
        self.references: dict[str, str] = {}
        self.prior = {r.urn: r for r in prior.resources} if prior is not None else {}

    # Resource references make the mock runtime resolve resources across event loops
    # ("attached to a different loop") or hang; plain ids and URNs are what the mocks need.
    def SupportsFeature(self, request):
        has_support = request.id not in ("outputValues", "resourceReferences")
        return type("SupportsFeatureResponse", (object,), {"hasSupport": has_support})

    def GetDeploymentInfo(self, request):
        info = super().GetDeploymentInfo(request)
        features = [f for f in info.supportedFeatures if f != resource_pb2.RESOURCE_MONITOR_FEATURE_RESOURCE_REFERENCES]
        return resource_pb2.DeploymentInfo(supportedFeatures=features)

    def Invoke(self, request):
        # A remote component's outputs may reference resources inside it (eks.Cluster.eks_cluster);
        # the SDK rehydrates them by URN, so the monitor must know their state.
        if request.tok == "pulumi:pulumi:getResource":
            urn = rpc.deserialize_properties(request.args).get("urn")
            nested = self.mocks.nested_resources.get(urn)
            if nested is not None and urn not in self.resources:
                self.resources[urn] = pulumi_mocks.MockMonitor.ResourceRegistration(urn, *nested)
        return super().Invoke(request)

    def RegisterResource(self, request):
        earlier = self.prior.get(self.make_urn(request.parent, request.type, request.name))
        if earlier is not None:
            for key in request.ignoreChanges:
                if key in earlier.inputs and earlier.inputs[key] not in (SECRET, UNKNOWN):
                    request.object.fields[key].CopyFrom(json_format.ParseDict(earlier.inputs[key], struct_pb2.Value()))
        response = super().RegisterResource(request)
        if request.type == "pulumi:pulumi:Stack":
            return response
        where = f"{request.type} {request.name}"
        self.captured.append(
            PlannedResource(
                urn=response.urn,
                type=request.type,
                name=request.name,
                parent=request.parent,
                inputs=self._plain(request.object, where),
                dependencies=sorted(set(request.dependencies)),
                propertyDependencies={
                    key: sorted(set(deps.urns)) for key, deps in sorted(request.propertyDependencies.items()) if deps.urns
                },
                protect=bool(request.protect),
                retainOnDelete=bool(request.retainOnDelete),
                ignoreChanges=sorted(request.ignoreChanges),
                # A provider reference is "<urn>::<id>"; the URN alone is stable.
                provider=request.provider.rsplit("::", 1)[0] if request.provider else "",
                custom=bool(request.custom),
                remote=bool(request.remote),
                # A component waits for the providers it is given; its children wait for it.
                providers=sorted({ref.rsplit("::", 1)[0] for ref in request.providers.values()}),
                source=_project_frames(request.stackTrace, self.project_dir),
                importId=request.importId,
            )
        )
        if request.custom and response.id:
            self.references[response.id] = request.name
            arn = response.object.fields.get("arn")
            if arn is not None and arn.WhichOneof("kind") == "string_value":
                self.references[arn.string_value] = request.name
        for key in request.additionalSecretOutputs:
            if key in response.object.fields:
                _mark_secret(response.object.fields[key])
        return response

    def _plain(self, value: Any, where: str) -> Any:
        """Protobuf to JSON-ready Python; secrets become [secret], and leaks are recorded."""
        if isinstance(value, struct_pb2.Struct):
            if value.fields.get(rpc._special_sig_key) is not None:
                if value.fields[rpc._special_sig_key].string_value == rpc._special_secret_sig:
                    return SECRET
            return {key: self._plain(child, f"{where}.{key}") for key, child in value.fields.items()}
        if isinstance(value, struct_pb2.ListValue):
            return [self._plain(child, f"{where}[{i}]") for i, child in enumerate(value.values)]
        kind = value.WhichOneof("kind")
        if kind == "struct_value":
            return self._plain(value.struct_value, where)
        if kind == "list_value":
            return self._plain(value.list_value, where)
        if kind == "number_value":
            number = value.number_value
            return int(number) if number.is_integer() else number
        if kind == "string_value":
            text = value.string_value
            if text == rpc.UNKNOWN:
                return UNKNOWN
            if FAKE_SECRET_PREFIX in text:
                self.leaks.append(where)
                return SECRET
            return text
        if kind == "bool_value":
            return value.bool_value
        return None


def _project_frames(stack_trace, project_dir: Path) -> list[str]:
    """Where the program registers a resource: `file:line` of each program frame, innermost first, up to `__main__.py`."""
    prefix = project_dir.as_uri() + "/"
    frames = []
    for frame in stack_trace.frames:
        uri = frame.pc.uri
        if not uri.startswith(prefix) or uri.startswith(prefix + ".venv"):
            continue
        path = unquote(uri[len(prefix) :])
        frames.append(f"{path}:{frame.pc.line}")
        if path == "__main__.py":
            break
    return frames


def _mark_secret(value: struct_pb2.Value) -> None:
    """Wraps an output the way the engine does for `additionalSecretOutputs`."""
    inner = struct_pb2.Value()
    inner.CopyFrom(value)
    wrapper = struct_pb2.Struct()
    wrapper.fields[rpc._special_sig_key].string_value = rpc._special_secret_sig
    wrapper.fields["value"].CopyFrom(inner)
    value.struct_value.CopyFrom(wrapper)


def run_stack(stack: str, stack_file: Path | None = None, project_dir: Path = PROJECT_DIR, prior: Plan | None = None) -> Plan:
    """Plans one stack; raises the program's own error (for example SettingsError) when it fails.

    `prior`: the plan this run updates (the ignored inputs of its resources are kept).
    """
    project = project_name(project_dir)
    config = load_stack_file(stack_file or project_dir / f"Pulumi.{stack}.yaml", project)
    return contextvars.Context().run(_run, stack, project, config, project_dir, prior)


def _run(stack: str, project: str, config, project_dir: Path, prior: Plan | None = None) -> Plan:
    # A new loop per run: tasks of an earlier run must never be pumped by this one.
    asyncio.set_event_loop(asyncio.new_event_loop())
    region = config.values.get("aws:region", "ap-southeast-2")
    monitor = CapturingMonitor(AwsMocks(region=region), project_dir, prior)
    pulumi.runtime.set_all_config(dict(config.values), list(config.secret_keys))
    pulumi_mocks.set_mocks(monitor.mocks, project=project, stack=stack, preview=False, monitor=monitor)
    if str(project_dir) not in sys.path:
        sys.path.insert(0, str(project_dir))
    program = str(project_dir / "__main__.py")
    try:
        _sync_await(run_pulumi_func(lambda: runpy.run_path(program, run_name="__pulumi_program__")))
        outputs = _sync_await(_resolve_outputs(get_root_resource().outputs, monitor))
    finally:
        asyncio.get_event_loop().close()
    if monitor.leaks:
        raise SecretLeak("secret values reached non-secret places: " + ", ".join(sorted(monitor.leaks)))
    return Plan(
        stack=stack,
        project=project,
        resources=sorted(monitor.captured, key=lambda r: r.urn),
        outputs=outputs,
        references=monitor.references,
    )


async def _resolve_outputs(exports: dict[str, Any], monitor: CapturingMonitor) -> dict[str, Any]:
    resolved = {}
    for name in sorted(exports):
        output = pulumi.Output.from_input(exports[name])
        value = await output.future(with_unknowns=True)
        resolved[name] = SECRET if await output.is_secret() else _exported(value, monitor, f"output {name}")
    return resolved


def _exported(value: Any, monitor: CapturingMonitor, where: str) -> Any:
    if isinstance(value, dict):
        return {str(k): _exported(v, monitor, f"{where}.{k}") for k, v in sorted(value.items())}
    if isinstance(value, (list, tuple)):
        return [_exported(v, monitor, f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, str) and FAKE_SECRET_PREFIX in value:
        monitor.leaks.append(where)
        return SECRET
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return UNKNOWN
