"""The public edge: an HTTPS ALB with DNS and a validated certificate, a WAF in front, access logs kept.

One ALB serves every platform: target groups have `ip` targets, so ECS services register their
tasks and, on EKS, a TargetGroupBinding attaches a Service to the same groups. Sites served from
the cluster outside the catalog (Grafana) get a target group, host rule, certificate name, DNS
record and, when asked, a WAF source allowlist the same way.

DNS is IPv4 only: the ALB and VPC have no IPv6, so there are A aliases (the stack's domain itself
serves the frontend, like its frontend host) and no AAAA records that would answer nothing.

A paused stack has no ALB, no WAF and no host records (the hosts do not resolve while it is
paused); the certificate, its validation records, the target groups, the access-log bucket and the
WAF log group stay, so a resume brings the same hosts back on a new ALB.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.compute.workloads import Workload
from components.edge.edge_settings import EdgeSettings
from components.shared.bucket import AccessLogDestination, PrivateBucket, PrivateBucketArgs
from components.shared.pause import PauseProtection

# TLS 1.3 and 1.2 only, forward secrecy (the newest TLS 1.3 policy ALB offers for general use).
TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"
# The ALB writes access logs under this prefix of the bucket.
ACCESS_LOG_PREFIX = "alb"
# Priorities of the host (or, without a domain, path) rules; one step per routed service.
RULE_PRIORITY_START = 100
# Host rules of the cluster sites come after the catalog's.
SITE_RULE_PRIORITY_START = 200

# AWS managed rule groups, in evaluation order after the rate limit. The IP reputation list is
# first: it is cheap and drops known-bad sources before the heavier inspections.
MANAGED_RULE_GROUPS = (
    "AWSManagedRulesAmazonIpReputationList",
    "AWSManagedRulesCommonRuleSet",
    "AWSManagedRulesKnownBadInputsRuleSet",
    "AWSManagedRulesSQLiRuleSet",
)


@dataclass(frozen=True)
class ClusterSite:
    """A site the ALB serves from pods outside the catalog, attached later by a TargetGroupBinding."""

    name: str  # "grafana": names its target group, rule and record
    host: str  # a name within the stack's domain
    port: int  # the pods' port (ip targets)
    health_check_path: str
    # Only these sources pass the WAF for this host; empty: anyone (the site has its own login).
    allowed_cidrs: tuple[str, ...] = ()


@dataclass(frozen=True)
class EdgeArgs:
    settings: EdgeSettings
    name_prefix: str
    region: str
    account_id: pulumi.Input[str]
    # The ALB's deletion protection (production's, lifted where a pause may delete the ALB).
    alb_protection: PauseProtection
    protect: bool  # the access-log bucket is kept (protect + retain) where stateful resources are
    vpc_id: pulumi.Input[str]
    public_subnet_ids: Sequence[pulumi.Input[str]]
    alb_security_group_id: pulumi.Input[str]
    kms_key_arn: pulumi.Input[str]  # encrypts the WAF log group
    services: tuple[Workload, ...]  # the routed workloads of the catalog (workloads.routed)
    access_logs: AccessLogDestination  # the stack's S3 access-log bucket
    sites: tuple[ClusterSite, ...] = ()  # needs a domain (HTTPS)
    paused: bool = False


class Edge(pulumi.ComponentResource):
    """Internet -> WAF -> ALB (443, 80 redirects) -> target groups of the routed workloads."""

    alb_arn: pulumi.Output[str]
    alb_arn_suffix: pulumi.Output[str]
    alb_dns_name: pulumi.Output[str]
    alb_zone_id: pulumi.Output[str]
    target_group_arns: dict[str, pulumi.Output[str]]
    target_group_arn_suffixes: dict[str, pulumi.Output[str]]
    site_target_group_arns: dict[str, pulumi.Output[str]]  # site name -> its target group
    site_urls: dict[str, str]  # site name -> https://<host>
    listeners: list[aws.lb.Listener]
    web_acl_arn: pulumi.Output[str]
    access_logs_bucket: pulumi.Output[str]
    domain: pulumi.Input[str]  # the stack's domain, or the ALB's DNS name without one
    api_url: pulumi.Input[str]
    frontend_url: pulumi.Input[str]
    browser_origins: tuple[str, ...]  # origins the API must accept cross-origin calls from

    def __init__(self, name: str, args: EdgeArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("ohmycoins:edge:Edge", name, None, opts)
        self._name = name
        self._args = args
        settings = args.settings
        child = pulumi.ResourceOptions(parent=self)
        defaults = [w for w in args.services if w.route is not None and w.route.default]
        if len(defaults) != 1:
            raise ValueError(f"exactly one routed workload must be the default route, found {[w.name for w in defaults]}")
        if args.sites and not settings.https:
            raise ValueError("cluster sites need the stack's domain: they are served over HTTPS only")

        bucket = self._access_logs_bucket()
        self.access_logs_bucket = bucket.bucket_name

        groups = {
            w.name: aws.lb.TargetGroup(
                f"{name}-{w.name}-tg",
                name=f"{args.name_prefix}-{w.name}",
                port=w.port,
                protocol="HTTP",
                target_type="ip",
                vpc_id=args.vpc_id,
                deregistration_delay=w.route.deregistration_delay_seconds,
                health_check=aws.lb.TargetGroupHealthCheckArgs(
                    enabled=True,
                    protocol="HTTP",
                    port="traffic-port",
                    path=w.route.health_check.path,
                    matcher=w.route.health_check.matcher,
                    healthy_threshold=w.route.health_check.healthy_threshold,
                    unhealthy_threshold=w.route.health_check.unhealthy_threshold,
                    timeout=w.route.health_check.timeout_seconds,
                    interval=w.route.health_check.interval_seconds,
                ),
                tags=self._tags(f"{w.name}-tg"),
                opts=child,
            )
            for w in args.services
            if w.route is not None
        }
        self.target_group_arns = {key: group.arn for key, group in groups.items()}
        self.target_group_arn_suffixes = {key: group.arn_suffix for key, group in groups.items()}
        default_group = groups[defaults[0].name]
        site_groups = {site.name: self._site_target_group(site) for site in args.sites}
        self.site_target_group_arns = {key: group.arn for key, group in site_groups.items()}
        self.site_urls = {site.name: f"https://{site.host}" for site in args.sites}

        if args.paused:
            self._paused_edge()
            return

        alb = aws.lb.LoadBalancer(
            f"{name}-alb",
            name=f"{args.name_prefix}-alb",
            load_balancer_type="application",
            internal=False,
            subnets=list(args.public_subnet_ids),
            security_groups=[args.alb_security_group_id],
            enable_http2=True,
            drop_invalid_header_fields=True,
            enable_deletion_protection=args.alb_protection.protect,
            access_logs=aws.lb.LoadBalancerAccessLogsArgs(bucket=bucket.bucket_name, prefix=ACCESS_LOG_PREFIX, enabled=True),
            tags={**self._tags("alb"), **args.alb_protection.tags},
            # The ALB checks it can write to the bucket when access logs are switched on.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[bucket.policy]),
        )
        self.alb_arn = alb.arn
        self.alb_arn_suffix = alb.arn_suffix
        self.alb_dns_name = alb.dns_name
        self.alb_zone_id = alb.zone_id

        if settings.https:
            hosts = settings.hosts
            assert settings.domain is not None
            self.domain = settings.domain
            self.api_url = f"https://{hosts['api']}"
            self.frontend_url = f"https://{hosts['frontend']}"
            # The frontend answers on the domain itself too (the apex record).
            self.browser_origins = (self.frontend_url, f"https://{settings.domain}")
            certificate_arn = self._certificate()
            self._host_records(alb)
            self.listeners = self._https_listeners(alb, certificate_arn, groups, default_group, site_groups)
        else:
            # Frontend and API share the ALB's own name (the API by path): one origin, no CORS.
            self.domain = alb.dns_name
            self.api_url = pulumi.Output.concat("http://", alb.dns_name)
            self.frontend_url = self.api_url
            self.browser_origins = ()
            self.listeners = self._plain_http_listener(alb, groups, default_group)

        self.web_acl_arn = self._waf(alb)

        self.register_outputs(
            {
                "alb_arn": self.alb_arn,
                "alb_dns_name": self.alb_dns_name,
                "target_group_arns": self.target_group_arns,
                "site_target_group_arns": self.site_target_group_arns,
                "web_acl_arn": self.web_acl_arn,
                "access_logs_bucket": self.access_logs_bucket,
                "api_url": self.api_url,
                "frontend_url": self.frontend_url,
            }
        )

    def _paused_edge(self) -> None:
        """No ALB, no WAF, no host records: the certificate and its validation stay for the resume."""
        args = self._args
        assert args.settings.https, "the settings refuse a pause of a stack without a domain"
        self._certificate()
        self._waf_log_group()
        hosts = args.settings.hosts
        self.alb_arn = self.alb_arn_suffix = self.alb_dns_name = self.alb_zone_id = None
        self.web_acl_arn = None
        self.listeners = []
        self.domain = args.settings.domain
        self.api_url = f"https://{hosts['api']}"
        self.frontend_url = f"https://{hosts['frontend']}"
        self.browser_origins = (self.frontend_url, f"https://{args.settings.domain}")
        self.register_outputs(
            {"target_group_arns": self.target_group_arns, "access_logs_bucket": self.access_logs_bucket, "api_url": self.api_url}
        )

    def _tags(self, thing: str) -> dict[str, str]:
        return {"Name": f"{self._args.name_prefix}-{thing}"}

    def _site_target_group(self, site: ClusterSite) -> aws.lb.TargetGroup:
        return aws.lb.TargetGroup(
            f"{self._name}-{site.name}-tg",
            name=f"{self._args.name_prefix}-{site.name}",
            port=site.port,
            protocol="HTTP",
            target_type="ip",
            vpc_id=self._args.vpc_id,
            deregistration_delay=30,
            health_check=aws.lb.TargetGroupHealthCheckArgs(
                enabled=True, protocol="HTTP", port="traffic-port", path=site.health_check_path, matcher="200"
            ),
            tags=self._tags(f"{site.name}-tg"),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _access_logs_bucket(self) -> PrivateBucket:
        args = self._args
        # ap-southeast-2 predates the log-delivery service principal: ALBs there write as the
        # region's Elastic Load Balancing account, which this invoke names.
        elb_account = aws.elb.get_service_account_output(region=args.region, opts=pulumi.InvokeOutputOptions(parent=self))
        return PrivateBucket(
            f"{self._name}-access-logs",
            PrivateBucketArgs(
                # Bucket names are global: the account id keeps two accounts' stacks apart.
                bucket=pulumi.Output.concat(args.name_prefix, "-alb-logs-", args.account_id),
                kms_key_arn=None,  # ALB access logs support SSE-S3 only (not SSE-KMS)
                lifecycle_rule_id="expire-access-logs",
                expiry_days=args.settings.access_log_expiry_days,
                # Versioning keeps deleted logs as noncurrent versions; they go a day later.
                noncurrent_version_days=1,
                abort_multipart_days=1,
                access_logs=args.access_logs,
                statements=lambda arn: pulumi.Output.all(arn, elb_account.arn, args.account_id).apply(
                    lambda values: access_log_delivery_statements(*values)
                ),
                # Staging can be destroyed with its logs; production keeps them (protect + retain).
                protect=args.protect,
                tags=self._tags("alb-logs"),
            ),
            pulumi.ResourceOptions(parent=self),
        )

    @functools.cached_property
    def _zone(self) -> pulumi.Output[aws.route53.GetZoneResult]:
        """The existing public hosted zone (looked up once)."""
        return aws.route53.get_zone_output(
            name=self._args.settings.hosted_zone, private_zone=False, opts=pulumi.InvokeOutputOptions(parent=self)
        )

    def _certificate(self) -> pulumi.Output[str]:
        """The certificate of the domain, the hosts and the cluster sites, validated by DNS records in the hosted zone."""
        args = self._args
        settings = args.settings
        name = self._name
        child = pulumi.ResourceOptions(parent=self)
        assert settings.domain is not None and settings.hosted_zone is not None
        zone = self._zone
        names = certificate_names(settings.domain, [*settings.hosts.values(), *(site.host for site in args.sites)])
        certificate = aws.acm.Certificate(
            f"{name}-certificate",
            domain_name=names[0],
            subject_alternative_names=names[1:],
            validation_method="DNS",
            tags=self._tags("certificate"),
            opts=child,
        )
        records = []
        for index, domain in enumerate(names):
            option = certificate.domain_validation_options.apply(lambda options, d=domain: _validation_option(options, d))
            records.append(
                aws.route53.Record(
                    f"{name}-certificate-validation-{index}",
                    zone_id=zone.zone_id,
                    name=option.resource_record_name,
                    type=option.resource_record_type,
                    records=[option.resource_record_value],
                    ttl=300,
                    allow_overwrite=True,
                    opts=child,
                )
            )
        validation = aws.acm.CertificateValidation(
            f"{name}-certificate-validation",
            certificate_arn=certificate.arn,
            validation_record_fqdns=[record.fqdn for record in records],
            opts=child,
        )
        return validation.certificate_arn

    def _host_records(self, alb: aws.lb.LoadBalancer) -> None:
        """An A alias to the ALB for the domain, every host and every cluster site."""
        settings = self._args.settings
        assert settings.domain is not None
        sites = {site.name: site.host for site in self._args.sites}
        for role, host in alias_names(settings.domain, settings.hosts, sites).items():
            aws.route53.Record(
                f"{self._name}-{role}-a",
                zone_id=self._zone.zone_id,
                name=host,
                type="A",
                aliases=[aws.route53.RecordAliasArgs(name=alb.dns_name, zone_id=alb.zone_id, evaluate_target_health=True)],
                opts=pulumi.ResourceOptions(parent=self),
            )

    def _https_listeners(
        self,
        alb: aws.lb.LoadBalancer,
        certificate_arn: pulumi.Output[str],
        groups: dict[str, aws.lb.TargetGroup],
        default_group: aws.lb.TargetGroup,
        site_groups: dict[str, aws.lb.TargetGroup],
    ) -> list[aws.lb.Listener]:
        name = self._name
        child = pulumi.ResourceOptions(parent=self)
        hosts = self._args.settings.hosts
        https = aws.lb.Listener(
            f"{name}-https",
            load_balancer_arn=alb.arn,
            port=443,
            protocol="HTTPS",
            ssl_policy=TLS_POLICY,
            certificate_arn=certificate_arn,
            default_actions=[aws.lb.ListenerDefaultActionArgs(type="forward", target_group_arn=default_group.arn)],
            tags=self._tags("https"),
            opts=child,
        )
        self._forward_rules(
            https,
            groups,
            "host",
            [w for w in self._args.services if w.route is not None and not w.route.default],
            lambda w: aws.lb.ListenerRuleConditionArgs(
                host_header=aws.lb.ListenerRuleConditionHostHeaderArgs(values=[hosts[w.route.host]])
            ),
        )
        for index, site in enumerate(self._args.sites):
            aws.lb.ListenerRule(
                f"{name}-{site.name}-host-rule",
                listener_arn=https.arn,
                priority=SITE_RULE_PRIORITY_START + index,
                conditions=[aws.lb.ListenerRuleConditionArgs(host_header=aws.lb.ListenerRuleConditionHostHeaderArgs(values=[site.host]))],
                actions=[aws.lb.ListenerRuleActionArgs(type="forward", target_group_arn=site_groups[site.name].arn)],
                tags=self._tags(f"{site.name}-host-rule"),
                opts=child,
            )
        redirect = aws.lb.Listener(
            f"{name}-http-redirect",
            load_balancer_arn=alb.arn,
            port=80,
            protocol="HTTP",
            default_actions=[
                aws.lb.ListenerDefaultActionArgs(
                    type="redirect",
                    redirect=aws.lb.ListenerDefaultActionRedirectArgs(protocol="HTTPS", port="443", status_code="HTTP_301"),
                )
            ],
            tags=self._tags("http-redirect"),
            opts=child,
        )
        return [https, redirect]

    def _plain_http_listener(
        self, alb: aws.lb.LoadBalancer, groups: dict[str, aws.lb.TargetGroup], default_group: aws.lb.TargetGroup
    ) -> list[aws.lb.Listener]:
        """A domain-less stack (`allowPlainHttp`): one HTTP listener, the API routed by path."""
        name = self._name
        child = pulumi.ResourceOptions(parent=self)
        http = aws.lb.Listener(
            f"{name}-http",
            load_balancer_arn=alb.arn,
            port=80,
            protocol="HTTP",
            default_actions=[aws.lb.ListenerDefaultActionArgs(type="forward", target_group_arn=default_group.arn)],
            tags=self._tags("http"),
            opts=child,
        )
        self._forward_rules(
            http,
            groups,
            "path",
            [w for w in self._args.services if w.route is not None and w.route.plain_http_paths and not w.route.default],
            lambda w: aws.lb.ListenerRuleConditionArgs(
                path_pattern=aws.lb.ListenerRuleConditionPathPatternArgs(values=list(w.route.plain_http_paths))
            ),
        )
        return [http]

    def _forward_rules(
        self,
        listener: aws.lb.Listener,
        groups: dict[str, aws.lb.TargetGroup],
        match: str,
        workloads: Sequence[Workload],
        condition: Callable[[Workload], aws.lb.ListenerRuleConditionArgs],
    ) -> None:
        """One rule per workload, in catalog order from RULE_PRIORITY_START, forwarding to its target group."""
        for index, workload in enumerate(workloads):
            aws.lb.ListenerRule(
                f"{self._name}-{workload.name}-{match}-rule",
                listener_arn=listener.arn,
                priority=RULE_PRIORITY_START + index,
                conditions=[condition(workload)],
                actions=[aws.lb.ListenerRuleActionArgs(type="forward", target_group_arn=groups[workload.name].arn)],
                tags=self._tags(f"{workload.name}-{match}-rule"),
                opts=pulumi.ResourceOptions(parent=self),
            )

    def _waf(self, alb: aws.lb.LoadBalancer) -> pulumi.Output[str]:
        args = self._args
        name = self._name
        child = pulumi.ResourceOptions(parent=self)
        metric = f"{args.name_prefix}-web-acl".replace("-", "_")
        fixed = waf_rules(args.settings.waf_rate_limit, metric)
        rules: pulumi.Input[list[dict]] = fixed
        restricted = [site for site in args.sites if site.allowed_cidrs]
        if restricted:
            ip_sets = [
                aws.wafv2.IpSet(
                    f"{name}-{site.name}-sources",
                    name=f"{args.name_prefix}-{site.name}-sources",
                    description=f"Who may reach {site.host}",
                    scope="REGIONAL",
                    ip_address_version="IPV4",
                    addresses=list(site.allowed_cidrs),
                    tags=self._tags(f"{site.name}-sources"),
                    opts=child,
                )
                for site in restricted
            ]
            rules = pulumi.Output.all(*(ip_set.arn for ip_set in ip_sets)).apply(
                lambda arns: [
                    *fixed,
                    *(
                        source_allowlist_rule(site.name, site.host, arn, len(fixed) + index, metric)
                        for index, (site, arn) in enumerate(zip(restricted, arns, strict=True))
                    ),
                ]
            )
        acl = aws.wafv2.WebAcl(
            f"{name}-web-acl",
            name=f"{args.name_prefix}-web-acl",
            description="Managed protections and a per-IP rate limit in front of the ALB",
            scope="REGIONAL",
            default_action={"allow": {}},
            rules=rules,
            visibility_config={"cloudwatch_metrics_enabled": True, "metric_name": metric, "sampled_requests_enabled": True},
            tags=self._tags("web-acl"),
            opts=child,
        )
        aws.wafv2.WebAclAssociation(f"{name}-web-acl-alb", resource_arn=alb.arn, web_acl_arn=acl.arn, opts=child)
        log_group = self._waf_log_group()
        aws.wafv2.WebAclLoggingConfiguration(
            f"{name}-web-acl-logging",
            resource_arn=acl.arn,
            log_destination_configs=[log_group.arn],
            # Credentials and sessions never land in the log.
            redacted_fields=[{"single_header": {"name": "authorization"}}, {"single_header": {"name": "cookie"}}],
            opts=child,
        )
        return acl.arn

    def _waf_log_group(self) -> aws.cloudwatch.LogGroup:
        """WAF request logs; kept while paused with the requests already logged."""
        args = self._args
        # WAF only logs to groups whose name starts with `aws-waf-logs-`.
        return aws.cloudwatch.LogGroup(
            f"{self._name}-waf-logs",
            name=f"aws-waf-logs-{args.name_prefix}",
            retention_in_days=args.settings.waf_log_retention_days,
            kms_key_id=args.kms_key_arn,
            tags=self._tags("waf-logs"),
            opts=pulumi.ResourceOptions(parent=self),
        )


def alias_names(domain: str, hosts: Mapping[str, str], sites: Mapping[str, str]) -> dict[str, str]:
    """Record role -> name of every A alias to the ALB: the domain itself ('apex'), the hosts, the sites."""
    return {"apex": domain, **hosts, **sites}


def certificate_names(domain: str, hosts: Sequence[str]) -> list[str]:
    """The certificate's subject first, then every other host once, in order."""
    names = [domain]
    for host in hosts:
        if host not in names:
            names.append(host)
    return names


def _validation_option(options, domain: str):
    for option in options:
        if option.domain_name == domain:
            return option
    raise ValueError(f"the certificate has no validation option for {domain}")


def waf_rules(rate_limit: int, metric_prefix: str) -> list[dict]:
    """The web ACL's rules: the per-IP rate limit first, then the AWS managed groups."""
    rules: list[dict] = [
        {
            "name": "rate-limit-per-ip",
            "priority": 0,
            "action": {"block": {}},
            "statement": {"rate_based_statement": {"limit": rate_limit, "aggregate_key_type": "IP", "evaluation_window_sec": 300}},
            "visibility_config": _visibility(f"{metric_prefix}_rate_limit"),
        }
    ]
    for priority, group in enumerate(MANAGED_RULE_GROUPS, start=1):
        rules.append(
            {
                "name": group,
                "priority": priority,
                "override_action": {"none": {}},
                "statement": {"managed_rule_group_statement": {"vendor_name": "AWS", "name": group}},
                "visibility_config": _visibility(f"{metric_prefix}_{group}"),
            }
        )
    return rules


def source_allowlist_rule(site: str, host: str, ip_set_arn: str, priority: int, metric_prefix: str) -> dict:
    """Blocks requests for `host` from sources outside the IP set; other hosts are untouched."""
    return {
        "name": f"{site}-source-allowlist",
        "priority": priority,
        "action": {"block": {}},
        "statement": {
            "and_statement": {
                "statements": [
                    {
                        "byte_match_statement": {
                            "field_to_match": {"single_header": {"name": "host"}},
                            "positional_constraint": "EXACTLY",
                            "search_string": host,
                            "text_transformations": [{"priority": 0, "type": "LOWERCASE"}],
                        }
                    },
                    {"not_statement": {"statement": {"ip_set_reference_statement": {"arn": ip_set_arn}}}},
                ]
            }
        },
        "visibility_config": _visibility(f"{metric_prefix}_{site}_source_allowlist"),
    }


def _visibility(metric: str) -> dict:
    return {"cloudwatch_metrics_enabled": True, "metric_name": metric, "sampled_requests_enabled": True}


def access_log_delivery_statements(bucket_arn: str, elb_account_arn: str, account_id: str) -> list[dict]:
    """The region's ELB account may write this account's ALB logs under the prefix, nothing else."""
    return [
        {
            "Sid": "AllowAlbAccessLogDelivery",
            "Effect": "Allow",
            "Principal": {"AWS": elb_account_arn},
            "Action": "s3:PutObject",
            "Resource": f"{bucket_arn}/{ACCESS_LOG_PREFIX}/AWSLogs/{account_id}/*",
        }
    ]
