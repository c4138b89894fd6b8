"""The arithmetic of each pricer, per unit count, on a price book of round test prices.

The book below is not AWS's: its prices and usage volumes are picked so that every product is
easy to check by hand and a dropped factor (hours, units, copies, volume) changes the result.
"""

from __future__ import annotations

import pytest

from tools.cost import PriceBook, cost_lines, runs_per_month
from tools.plan_model import Plan, PlannedResource


def _usd(prices: dict) -> dict:
    """Each test figure as a price line of tools/prices, `{usd, source, read, checked}`; tables keep their variants."""
    return {key: _line(value) if not isinstance(value, dict) or "fraction" in value else _usd(value) for key, value in prices.items()}


def _line(value: float | dict) -> dict:
    figure = value if isinstance(value, dict) else {"usd": value}
    return figure | {"source": "test-book", "read": "2026-01-01", "checked": True}


BOOK = PriceBook(
    prices=_usd(
        {
            "vpc": {
                "nat_gateway_hour": 2.0,
                "nat_gateway_gb_processed": 3.0,
                "public_ipv4_hour": 5.0,
                "interface_endpoint_az_hour": 7.0,
                "interface_endpoint_gb": 11.0,
            },
            "data_transfer": {"internet_out_gb": 13.0},
            "elb": {"alb_hour": 17.0, "alb_lcu_hour": 19.0, "nlb_hour": 23.0, "nlb_lcu_hour": 29.0},
            "ec2": {"instance_hour": {"t3.large": 31.0, "t3.medium": 37.0}},
            "ebs": {"gp3_gb_month": 41.0, "gp2_gb_month": 43.0},
            "eks": {"cluster_hour": 47.0},
            "fargate": {
                "x86_vcpu_hour": 100.0,
                "x86_gb_hour": 10.0,
                "arm_vcpu_hour": 80.0,
                "arm_gb_hour": 8.0,
                "spot_vcpu_hour": 30.0,
                "spot_gb_hour": 3.0,
            },
            "rds": {"instance_hour": {"db.t3.small": 53.0}, "gp3_gb_month": 59.0},
            "elasticache": {"node_hour": {"cache.t3.small": 61.0}, "valkey_discount": {"fraction": 0.25}},
            "cloudwatch": {
                "logs_ingest_gb": 67.0,
                "logs_storage_gb_month": 71.0,
                "alarm_month": 73.0,
                "high_resolution_alarm_month": 79.0,
                "composite_alarm_month": 83.0,
                "dashboard_month": 89.0,
            },
            "kms": {"key_month": 97.0, "requests_10k": 101.0},
            "secretsmanager": {"secret_month": 103.0, "api_calls_10k": 107.0},
            "waf": {"web_acl_month": 109.0, "rule_month": 113.0, "requests_million": 127.0},
            "route53": {"hosted_zone_month": 131.0, "standard_queries_million": 137.0, "health_check_month": 139.0},
            "cloudmap": {"registered_instance_month": 149.0},
            "guardduty": {
                "cloudtrail_events_million": 151.0,
                "vpc_dns_logs_gb": 157.0,
                "s3_data_events_million": 163.0,
                "eks_audit_events_million": 167.0,
                "runtime_vcpu_month": 173.0,
            },
            "config": {"configuration_item": 179.0, "rule_evaluation": 181.0},
            "s3": {"standard_gb_month": 191.0, "put_requests_1k": 193.0},
            "ecr": {"storage_gb_month": 197.0},
            "efs": {"standard_gb_month": 199.0, "elastic_throughput_gb": 211.0},
            "codebuild": {"build_minute": {"BUILD_GENERAL1_MEDIUM": 223.0}},
            "budgets": {"budget_day": 227.0},
        }
    ),
    usage={
        "hours_per_month": 10,
        "nat_gb_per_gateway": 100,
        "interface_endpoint_gb": 1000,
        "alb_average_lcu": 2,
        "internet_egress_gb": 300,
        "autoscaled_node_hours": {"default": 4, "runners": 6},
        "spot_fraction_of_on_demand": 0.5,
        "node_disk_gb_default": 20,
        "scheduled_task_minutes": 30,
        "log_gb_month": {"default": 3, "flow-logs": 9},
        "log_compression": 0.5,
        "kms_requests_10k_per_key": 2,
        "secrets_api_calls_10k_per_secret": 3,
        "waf_requests_million": 4,
        "route53_queries_million": 5,
        "guardduty": {
            "cloudtrail_events_million": 1,
            "vpc_dns_logs_gb": 2,
            "s3_data_events_million": 3,
            "eks_audit_events_million": 4,
            "runtime_vcpus": 5,
        },
        "config_items_per_month": 1000,
        "config_evaluations_per_rule": 100,
        "s3_gb_per_bucket": {"default": 7, "logs": 70},
        "s3_puts_1k_per_bucket": 2,
        "ecr_gb_per_repository": 3,
        "efs_gb": 4,
        "efs_transfer_gb": 5,
        "cloudmap_instances_per_service": 2,
        "ci_runner_build_minutes": 50,
        "ci_runner_nat_gb": 6,
    },
    free={},
)


def resource(type_: str, name: str = "r", dependencies: tuple[str, ...] = (), **inputs) -> PlannedResource:
    return PlannedResource(
        urn=f"urn:pulumi:t::p::{type_}::{name}", type=type_, name=name, parent="", inputs=inputs, dependencies=list(dependencies)
    )


def priced(*resources: PlannedResource) -> dict[str, float]:
    """What each line of the first resource costs a month, by its label."""
    plan = Plan(stack="t", project="p", resources=list(resources), outputs={})
    return {line.what: line.monthly for line in cost_lines(plan, BOOK) if line.resource == resources[0].name}


def total(*resources: PlannedResource) -> float:
    return sum(priced(*resources).values())


def test_nat_gateway_hours_and_processed_data():
    assert priced(resource("aws:ec2/natGateway:NatGateway")) == {"10 h": 2 * 10, "100 GB processed": 3 * 100}


def test_public_ipv4_address():
    assert priced(resource("aws:ec2/eip:Eip")) == {"public IPv4 address": 5 * 10}


@pytest.mark.parametrize("azs", [1, 2, 3])
def test_interface_endpoints_per_az(azs):
    endpoint = resource("aws:ec2/vpcEndpoint:VpcEndpoint", vpcEndpointType="Interface", subnetIds=["s"] * azs)
    assert priced(endpoint) == {f"interface endpoint in {azs} AZ": 7 * azs * 10, "1000 GB processed": 11 * 1000}
    assert priced(resource("aws:ec2/vpcEndpoint:VpcEndpoint", vpcEndpointType="Gateway")) == {"gateway endpoint (free)": 0}


@pytest.mark.parametrize("subnets", [2, 3])
def test_internet_facing_alb_pays_hours_lcus_egress_and_an_address_per_subnet(subnets):
    alb = resource("aws:lb/loadBalancer:LoadBalancer", loadBalancerType="application", subnets=["s"] * subnets)
    assert priced(alb) == {
        "ALB 10 h": 17 * 10,
        "2 LCU average": 19 * 2 * 10,
        "300 GB out to the internet": 13 * 300,
        f"{subnets} public IPv4 addresses": 5 * subnets * 10,
    }


def test_internal_nlb_pays_hours_and_lcus_only():
    nlb = resource("aws:lb/loadBalancer:LoadBalancer", loadBalancerType="network", internal=True, subnets=["a", "b"])
    assert priced(nlb) == {"NLB 10 h": 23 * 10, "2 LCU average": 29 * 2 * 10}


@pytest.mark.parametrize("desired", [1, 2, 3])
def test_node_group_per_node_plus_autoscaled_hours_and_disks(desired):
    group = resource(
        "aws:eks/nodeGroup:NodeGroup",
        "eks-nodes-apps",
        instanceTypes=["t3.large"],
        scalingConfig={"minSize": 1, "desiredSize": desired, "maxSize": 5},
        diskSize=50,
    )
    node_hours = desired * 10 + 4
    assert priced(group) == {
        f"{desired} x t3.large + 4 autoscaled h": 31 * node_hours,
        "50 GB gp3 per node": 41 * 50 * node_hours / 10,
    }


def test_spot_runner_nodes_at_zero_pay_only_their_autoscaled_hours_at_the_spot_fraction():
    template = resource("aws:ec2/launchTemplate:LaunchTemplate", "runners-template", blockDeviceMappings=[{"ebs": {"volumeSize": 80}}])
    group = resource(
        "aws:eks/nodeGroup:NodeGroup",
        "eks-nodes-runners",
        dependencies=(template.urn,),
        instanceTypes=["t3.large"],
        capacityType="SPOT",
        scalingConfig={"minSize": 0, "desiredSize": 0, "maxSize": 5},
    )
    assert priced(group, template) == {"0 x t3.large spot + 6 autoscaled h": 31 * 6 * 0.5, "80 GB gp3 per node": 41 * 80 * 6 / 10}


def test_a_group_at_its_maximum_has_no_autoscaled_hours():
    group = resource(
        "aws:eks/nodeGroup:NodeGroup", "eks-nodes-system", instanceTypes=["t3.medium"], scalingConfig={"desiredSize": 2, "maxSize": 2}
    )
    assert priced(group) == {"2 x t3.medium": 37 * 2 * 10, "20 GB gp3 per node": 41 * 20 * 2}


def test_eks_control_plane_and_the_default_node_group_pulumi_eks_adds_unless_skipped():
    assert priced(resource("eks:index:Cluster", skipDefaultNodeGroup=True)) == {"control plane": 47 * 10}
    assert priced(resource("eks:index:Cluster", desiredCapacity=3)) == {
        "control plane": 47 * 10,
        "default node group 3 x t3.medium": 37 * 3 * 10,
    }


def test_ebs_volume_by_size_and_type():
    assert priced(resource("aws:ebs/volume:Volume", size=30, type="gp2")) == {"30 GB gp2": 43 * 30}


def _task(cpu: str, memory: str, **inputs) -> PlannedResource:
    return resource("aws:ecs/taskDefinition:TaskDefinition", "task", family="api", cpu=cpu, memory=memory, **inputs)


@pytest.mark.parametrize("count", [1, 2, 4])
def test_fargate_service_per_task_and_size(count):
    task = _task("2048", "4096")
    service = resource("aws:ecs/service:Service", "svc", dependencies=(task.urn,), desiredCount=count)
    assert priced(service, task) == {f"{count} task(s) 2 vCPU 4 GB": count * (2 * 100 + 4 * 10) * 10}


def test_fargate_service_on_arm_and_spot():
    task = _task("1024", "2048", runtimePlatform={"cpuArchitecture": "ARM64"})
    strategies = [{"capacityProvider": "FARGATE", "base": 1, "weight": 0}, {"capacityProvider": "FARGATE_SPOT", "weight": 1}]
    service = resource("aws:ecs/service:Service", "svc", dependencies=(task.urn,), desiredCount=3, capacityProviderStrategies=strategies)
    assert priced(service, task) == {
        "1 task(s) 1 vCPU 2 GB": 1 * (1 * 80 + 2 * 8) * 10,
        "2 Spot task(s) 1 vCPU 2 GB": 2 * (1 * 30 + 2 * 3) * 10,
    }


def test_scheduled_job_per_run():
    task = _task("512", "1024")
    schedule = resource(
        "aws:scheduler/schedule:Schedule",
        "job",
        scheduleExpression="cron(0 * * * ? *)",
        target={"arn": "cluster", "ecsParameters": {"taskDefinitionArn": "arn:aws:ecs:r:a:task-definition/api:1", "taskCount": 2}},
    )
    runs = runs_per_month("cron(0 * * * ? *)", 10)
    assert runs == 10
    assert priced(schedule, task) == {"10 runs x 30 min, 0.5 vCPU 1 GB": 10 * 30 / 60 * 2 * (0.5 * 100 + 1 * 10)}


def test_scheduled_job_on_fargate_spot_pays_the_spot_rate():
    task = _task("512", "1024")
    strategies = [{"capacityProvider": "FARGATE_SPOT", "weight": 1}]
    schedule = resource(
        "aws:scheduler/schedule:Schedule",
        "job",
        scheduleExpression="cron(0 * * * ? *)",
        target={
            "arn": "cluster",
            "ecsParameters": {"taskDefinitionArn": "arn:aws:ecs:r:a:task-definition/api:1", "capacityProviderStrategies": strategies},
        },
    )
    assert priced(schedule, task) == {"10 runs x 30 min, 0.5 vCPU 1 GB Spot": 10 * 30 / 60 * (0.5 * 30 + 1 * 3)}


def test_rds_instance_and_storage_double_with_a_standby():
    single = resource("aws:rds/instance:Instance", instanceClass="db.t3.small", allocatedStorage=100)
    assert priced(single) == {"db.t3.small single-AZ": 53 * 10, "100 GB gp3 single-AZ": 59 * 100}
    multi = resource("aws:rds/instance:Instance", instanceClass="db.t3.small", allocatedStorage=100, multiAz=True)
    assert priced(multi) == {"db.t3.small Multi-AZ": 53 * 2 * 10, "100 GB gp3 Multi-AZ": 59 * 100 * 2}


@pytest.mark.parametrize("nodes", [1, 2, 3])
def test_cache_per_node(nodes):
    group = resource("aws:elasticache/replicationGroup:ReplicationGroup", nodeType="cache.t3.small", numCacheClusters=nodes)
    assert priced(group) == {f"{nodes} x cache.t3.small": 61 * nodes * 10}
    valkey = resource(
        "aws:elasticache/replicationGroup:ReplicationGroup", nodeType="cache.t3.small", numCacheClusters=nodes, engine="valkey"
    )
    assert priced(valkey) == {f"{nodes} x cache.t3.small": 61 * 0.75 * nodes * 10}


@pytest.mark.parametrize("retention, stored", [(30, 3 * 30 / 30 * 0.5), (90, 3 * 90 / 30 * 0.5), (3653, 3 * 365 / 30 * 0.5)])
def test_log_group_ingestion_and_storage_up_to_a_year(retention, stored):
    group = resource("aws:cloudwatch/logGroup:LogGroup", "database-logs", retentionInDays=retention)
    assert priced(group) == {"3 GB ingested": 67 * 3, f"{stored:.1f} GB stored ({retention} d)": pytest.approx(71 * stored)}
    flow = resource("aws:cloudwatch/logGroup:LogGroup", "network-flow-logs", retentionInDays=30)
    assert priced(flow)["9 GB ingested"] == 67 * 9


def test_alarms_per_metric_and_resolution():
    assert priced(resource("aws:cloudwatch/metricAlarm:MetricAlarm", period=300)) == {"alarm on 1 metric(s)": 73}
    assert priced(resource("aws:cloudwatch/metricAlarm:MetricAlarm", period=10)) == {"alarm on 1 metric(s)": 79}
    queries = [{"id": "a", "metric": {"metricName": "x"}}, {"id": "b", "metric": {"metricName": "y"}}, {"id": "c", "expression": "a - b"}]
    assert priced(resource("aws:cloudwatch/metricAlarm:MetricAlarm", metricQueries=queries)) == {"alarm on 2 metric(s)": 73 * 2}
    assert priced(resource("aws:cloudwatch/compositeAlarm:CompositeAlarm")) == {"composite alarm": 83}
    assert priced(resource("aws:cloudwatch/dashboard:Dashboard")) == {"dashboard": 89}


def test_keys_secrets_and_their_requests():
    assert priced(resource("aws:kms/key:Key")) == {"key": 97, "20k requests": 101 * 2}
    assert priced(resource("aws:secretsmanager/secret:Secret")) == {"secret": 103, "30k API calls": 107 * 3}


def test_web_acl_per_rule_and_request():
    acl = resource("aws:wafv2/webAcl:WebAcl", rules=[{}, {}, {}])
    assert priced(acl) == {"web ACL": 109, "3 rules": 113 * 3, "4 M requests": 127 * 4}
    assert priced(resource("aws:wafv2/ruleGroup:RuleGroup")) == {"rule group": 113}


def test_dns_zones_checks_and_service_discovery():
    assert priced(resource("aws:route53/zone:Zone")) == {"hosted zone": 131, "5 M queries": 137 * 5}
    assert priced(resource("aws:route53/healthCheck:HealthCheck")) == {"health check": 139}
    assert priced(resource("aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace")) == {"private hosted zone": 131}
    assert priced(resource("aws:servicediscovery/service:Service")) == {"2 registered instance(s)": 149 * 2}


def test_guardduty_per_volume():
    assert priced(resource("aws:guardduty/detector:Detector")) == {
        "1 M management events": 151 * 1,
        "2 GB flow and DNS logs": 157 * 2,
        "3 M S3 data events": 163 * 3,
        "4 M EKS audit events": 167 * 4,
        "runtime monitoring of 5 vCPU": 173 * 5,
    }


def test_config_items_and_evaluations():
    assert priced(resource("aws:cfg/recorder:Recorder")) == {"1000 configuration items": 179 * 1000}
    assert priced(resource("aws:cfg/rule:Rule")) == {"100 evaluations": 181 * 100}


def test_storage_services():
    assert priced(resource("aws:s3/bucket:Bucket", "edge-access-logs-bucket")) == {"70 GB Standard": 191 * 70, "2k PUTs": 193 * 2}
    assert priced(resource("aws:s3/bucket:Bucket", "audit-bucket")) == {"7 GB Standard": 191 * 7, "2k PUTs": 193 * 2}
    assert priced(resource("aws:s3/bucketV2:BucketV2", "audit-bucket")) == {"7 GB Standard": 191 * 7, "2k PUTs": 193 * 2}
    assert priced(resource("aws:ecr/repository:Repository")) == {"3 GB images": 197 * 3}
    assert priced(resource("aws:efs/fileSystem:FileSystem")) == {"4 GB Standard": 199 * 4, "5 GB elastic throughput": 211 * 5}
    assert priced(resource("aws:efs/fileSystem:FileSystem", throughputMode="bursting")) == {"4 GB Standard": 199 * 4}


@pytest.mark.parametrize("request_size, gb", [("50Gi", 50), ("2Ti", 2048)])
def test_claims_on_ebs_per_gb(request_size, gb):
    claim = resource(
        "kubernetes:core/v1:PersistentVolumeClaim", spec={"storageClassName": "gp3", "resources": {"requests": {"storage": request_size}}}
    )
    assert priced(claim) == {f"{gb} GB gp3 volume": 41 * gb}


def test_kubernetes_services_cost_only_as_load_balancers():
    assert priced(resource("kubernetes:core/v1:Service", spec={"type": "LoadBalancer"})) == {"network load balancer": 23 * 10}
    assert priced(resource("kubernetes:core/v1:Service", spec={"type": "ClusterIP"})) == {"cluster-internal service": 0}


def test_a_resource_costs_the_sum_of_its_lines():
    assert total(resource("aws:ec2/natGateway:NatGateway")) == 2 * 10 + 3 * 100


def test_ec2_instance_hours_and_root_volume_from_its_launch_template():
    assert priced(resource("aws:ec2/instance:Instance", "nat", instanceType="t3.large")) == {
        "t3.large 10 h": 31 * 10,
        "8 GB gp3 root volume": 41 * 8,
    }
    template = resource(
        "aws:ec2/launchTemplate:LaunchTemplate", "nat-template", instanceType="t3.medium", blockDeviceMappings=[{"ebs": {"volumeSize": 30}}]
    )
    instance = resource("aws:ec2/instance:Instance", "nat", dependencies=(template.urn,))
    assert priced(instance, template) == {"t3.medium 10 h": 37 * 10, "30 GB gp3 root volume": 41 * 30}


def test_codebuild_minutes_and_downloads_through_nat_from_private_subnets():
    outside = resource("aws:codebuild/project:Project", environment={"computeType": "BUILD_GENERAL1_MEDIUM"})
    assert priced(outside) == {"50 build minutes BUILD_GENERAL1_MEDIUM": 223 * 50}
    inside = resource("aws:codebuild/project:Project", environment={"computeType": "BUILD_GENERAL1_MEDIUM"}, vpcConfig={"subnets": ["s"]})
    assert priced(inside) == {"50 build minutes BUILD_GENERAL1_MEDIUM": 223 * 50, "6 GB downloads through NAT": 3 * 6}


def test_budget_per_day():
    assert priced(resource("aws:budgets/budget:Budget")) == {"0.4 budget days": pytest.approx(227 * 10 / 24)}
