"""Mock outputs and invokes of the edge (ALB, ACM, Route53, WAF, S3) and ECS (cluster, services, ECR, EFS, Scheduler,
Step Functions, SQS).

Values have the shapes AWS returns; `tools/mocks.py` merges these tables into its own.
"""

from __future__ import annotations

import hashlib
from typing import Any

# Canonical hosted zone of ALBs per region (what Route53 alias records point at).
ALB_HOSTED_ZONE = {"ap-southeast-2": "Z1GM3OXH4ZPM65", "us-east-1": "Z35SXDOTRQ7X7K", "us-west-2": "Z1H1FL5HABSF5"}
# The Elastic Load Balancing account that writes access logs, per region that predates the
# log-delivery service principal.
ELB_ACCOUNT = {"ap-southeast-2": "783225319266", "us-east-1": "127311923021", "us-west-2": "797873946194"}


def _hex(text: str, length: int) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:length]


def _uuid(text: str) -> str:
    h = _hex(text, 32)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-8{h[17:20]}-{h[20:32]}"


def _load_balancer(c) -> dict[str, Any]:
    suffix = f"app/{c.physical_name}/{_hex(c.name, 16)}"
    return {
        "arn": c.arn("elasticloadbalancing", f"loadbalancer/{suffix}"),
        "arnSuffix": suffix,
        "dnsName": f"{c.physical_name}-{int(_hex(c.name, 8), 16) % 10**10}.{c.region}.elb.amazonaws.com",
        "zoneId": ALB_HOSTED_ZONE.get(c.region, "Z1GM3OXH4ZPM65"),
    }


def _target_group(c) -> dict[str, Any]:
    suffix = f"targetgroup/{c.physical_name}/{_hex(c.name, 16)}"
    return {"arn": c.arn("elasticloadbalancing", suffix), "arnSuffix": suffix}


def _listener(c) -> dict[str, Any]:
    lb = str(c.inputs.get("loadBalancerArn", "")).split(":loadbalancer/")[-1] or f"app/unknown/{_hex('lb', 16)}"
    return {"arn": c.arn("elasticloadbalancing", f"listener/{lb}/{_hex(c.name, 16)}")}


def _listener_rule(c) -> dict[str, Any]:
    listener = str(c.inputs.get("listenerArn", "")).split(":listener/")[-1]
    return {"arn": c.arn("elasticloadbalancing", f"listener-rule/{listener}/{_hex(c.name, 16)}")}


def _certificate(c) -> dict[str, Any]:
    names = [c.inputs["domainName"], *c.inputs.get("subjectAlternativeNames", [])]
    return {
        "arn": c.arn("acm", f"certificate/{_uuid(c.name)}"),
        "status": "PENDING_VALIDATION",
        "domainValidationOptions": [
            {
                "domainName": name,
                "resourceRecordName": f"_{_hex(name + 'name', 32)}.{name}.",
                "resourceRecordType": "CNAME",
                "resourceRecordValue": f"_{_hex(name + 'value', 32)}.{_hex(name, 10)}.acm-validations.aws.",
            }
            for name in names
        ],
    }


def _record(c) -> dict[str, Any]:
    return {"fqdn": str(c.inputs.get("name", "")).rstrip(".")}


def _bucket(c) -> dict[str, Any]:
    bucket = c.inputs.get("bucket") or c.physical_name
    return {
        "bucket": bucket,
        "arn": f"arn:aws:s3:::{bucket}",
        "bucketDomainName": f"{bucket}.s3.amazonaws.com",
        "bucketRegionalDomainName": f"{bucket}.s3.{c.region}.amazonaws.com",
        "region": c.region,
    }


def _task_definition(c) -> dict[str, Any]:
    family = c.inputs["family"]
    base = c.arn("ecs", f"task-definition/{family}")
    return {"arn": f"{base}:1", "arnWithoutRevision": base, "revision": 1}


def _service(c) -> dict[str, Any]:
    cluster = str(c.inputs.get("cluster", "")).rsplit("/", 1)[-1]
    return {"arn": c.arn("ecs", f"service/{cluster}/{c.physical_name}")}


def _repository(c) -> dict[str, Any]:
    return {
        "arn": c.arn("ecr", f"repository/{c.physical_name}"),
        "registryId": c.account,
        "repositoryUrl": f"{c.account}.dkr.ecr.{c.region}.amazonaws.com/{c.physical_name}",
    }


OUTPUTS = {
    "aws:lb/loadBalancer:LoadBalancer": _load_balancer,
    "aws:lb/targetGroup:TargetGroup": _target_group,
    "aws:lb/listener:Listener": _listener,
    "aws:lb/listenerRule:ListenerRule": _listener_rule,
    "aws:acm/certificate:Certificate": _certificate,
    "aws:route53/record:Record": _record,
    "aws:s3/bucket:Bucket": _bucket,
    "aws:wafv2/webAcl:WebAcl": lambda c: {"arn": c.arn("wafv2", f"regional/webacl/{c.physical_name}/{_uuid(c.name)}"), "capacity": 1100},
    "aws:ecs/cluster:Cluster": lambda c: {"arn": c.arn("ecs", f"cluster/{c.physical_name}")},
    "aws:ecs/service:Service": _service,
    "aws:ecs/taskDefinition:TaskDefinition": _task_definition,
    "aws:ecr/repository:Repository": _repository,
    "aws:efs/fileSystem:FileSystem": lambda c: {
        "arn": c.arn("elasticfilesystem", f"file-system/{c.id}"),
        "dnsName": f"{c.id}.efs.{c.region}.amazonaws.com",
    },
    "aws:efs/accessPoint:AccessPoint": lambda c: {"arn": c.arn("elasticfilesystem", f"access-point/{c.id}")},
    "aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace": lambda c: {
        "arn": c.arn("servicediscovery", f"namespace/ns-{_hex(c.name, 16)}"),
        "hostedZone": "Z" + _hex(c.name + "zone", 13).upper(),
    },
    "aws:servicediscovery/service:Service": lambda c: {"arn": c.arn("servicediscovery", f"service/srv-{_hex(c.name, 16)}")},
    "aws:scheduler/schedule:Schedule": lambda c: {"arn": c.arn("scheduler", f"schedule/default/{c.physical_name}")},
    # Step Functions ARNs use the `states` service and a colon before the name.
    "aws:sfn/stateMachine:StateMachine": lambda c: {"arn": c.arn("states", f"stateMachine:{c.physical_name}")},
    "aws:sqs/queue:Queue": lambda c: {
        "arn": c.arn("sqs", c.physical_name),
        "url": f"https://sqs.{c.region}.amazonaws.com/{c.account}/{c.physical_name}",
    },
}


def _get_zone(mocks, args: dict[str, Any]) -> dict[str, Any]:
    name = str(args.get("name", "")).rstrip(".")
    zone_id = "Z" + _hex(name, 13).upper()
    return {
        "id": zone_id,
        "zoneId": zone_id,
        "name": name,
        "arn": f"arn:aws:route53:::hostedzone/{zone_id}",
        "privateZone": False,
        "callerReference": _uuid(name),
        "nameServers": [f"ns-{i}.awsdns-{i:02d}.com" for i in (101, 202)],
        "resourceRecordSetCount": 4,
        "comment": "",
        "tags": {},
    }


def _elb_service_account(mocks, args: dict[str, Any]) -> dict[str, Any]:
    region = args.get("region") or mocks.region
    account = ELB_ACCOUNT[region]
    return {"id": account, "arn": f"arn:aws:iam::{account}:root", "region": region}


INVOKES = {
    "aws:route53/getZone:getZone": _get_zone,
    "aws:elb/getServiceAccount:getServiceAccount": _elb_service_account,
}

ID_PREFIX = {
    "aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace": "ns",
    "aws:servicediscovery/service:Service": "srv",
}
