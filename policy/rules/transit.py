"""Encryption in transit."""

from __future__ import annotations

from .base import as_list, is_true, of_type, parse_json, refers_to, resource_rule, stack_rule
from .types import BUCKET_POLICY, BUCKETS, LISTENERS, LOAD_BALANCERS, RDS_PARAMETER_GROUP, REPLICATION_GROUP

CATEGORY = "encryption in transit"

# TLS 1.3 policies (which also allow 1.2): what ELB.17 calls recommended.
MODERN_TLS_PREFIXES = ("ELBSecurityPolicy-TLS13-", "ELBSecurityPolicy-FS-1-2-Res-")


@resource_rule(
    "elasticache-transit-encryption", "Redis speaks TLS only", "AWS FSBP ElastiCache.5", CATEGORY, "mandatory", [REPLICATION_GROUP]
)
def elasticache_transit(r, ctx):
    if not is_true(r.get("transitEncryptionEnabled")):
        yield "transitEncryptionEnabled must be true"
    elif r.get("transitEncryptionMode") == "preferred":
        yield "transitEncryptionMode 'preferred' still accepts plaintext; use 'required'"


@resource_rule(
    "rds-force-ssl",
    "PostgreSQL refuses connections without TLS",
    "AWS RDS for PostgreSQL rds.force_ssl (no FSBP control)",
    CATEGORY,
    "mandatory",
    [RDS_PARAMETER_GROUP],
)
def rds_force_ssl(r, ctx):
    family = str(r.get("family", default=""))
    if not family.startswith("postgres"):
        return
    values = {p.get("name"): str(p.get("value")) for p in as_list(r.get("parameters")) if isinstance(p, dict)}
    # PostgreSQL 15+ defaults rds.force_ssl to 1; older families must set it.
    major = int("".join(ch for ch in family.removeprefix("postgres") if ch.isdigit()) or 0)
    if values.get("rds.force_ssl", "1" if major >= 15 else None) != "1":
        yield "rds.force_ssl must be 1"


@resource_rule("alb-https-modern-tls", "HTTPS listeners use a TLS 1.3 security policy", "AWS FSBP ELB.17", CATEGORY, "mandatory", LISTENERS)
def listener_tls(r, ctx):
    if r.get("protocol") in ("HTTPS", "TLS"):
        policy = str(r.get("sslPolicy", default=""))
        if not policy.startswith(MODERN_TLS_PREFIXES):
            yield f"sslPolicy '{policy or 'default'}' is not a TLS 1.3 policy (ELBSecurityPolicy-TLS13-*)"


@resource_rule("alb-http-redirects-only", "Plain HTTP listeners only redirect to HTTPS", "AWS FSBP ELB.1", CATEGORY, "mandatory", LISTENERS)
def listener_http_redirect(r, ctx):
    if r.get("protocol") != "HTTP":
        return
    for index, action in enumerate(as_list(r.get("defaultActions"))):
        redirect = action.get("redirect") or {}
        if action.get("type") != "redirect" or redirect.get("protocol") != "HTTPS":
            yield f"defaultActions[{index}] must be a redirect to HTTPS"


@resource_rule("alb-drops-invalid-headers", "ALBs drop invalid HTTP headers", "AWS FSBP ELB.4", CATEGORY, "mandatory", LOAD_BALANCERS)
def alb_invalid_headers(r, ctx):
    if r.get("loadBalancerType", default="application") == "application" and not is_true(r.get("dropInvalidHeaderFields")):
        yield "dropInvalidHeaderFields must be true"


def _denies_insecure_transport(document) -> bool:
    for statement in as_list((document or {}).get("Statement")):
        condition = statement.get("Condition") or {}
        secure = (condition.get("Bool") or {}).get("aws:SecureTransport")
        if statement.get("Effect") == "Deny" and str(secure).lower() == "false":
            return True
    return False


@stack_rule("s3-tls-only", "S3 bucket policies refuse requests without TLS", "AWS FSBP S3.5", CATEGORY, "mandatory")
def s3_tls_only(resources, ctx):
    policies = of_type(resources, *BUCKET_POLICY)
    for bucket in of_type(resources, *BUCKETS):
        own = [p for p in policies if refers_to(p, bucket, "bucket")]
        documents = [parse_json(p.get("policy")) for p in own] + [parse_json(bucket.get("policy"))]
        if not any(_denies_insecure_transport(d) for d in documents if isinstance(d, dict)):
            yield bucket, "no bucket policy denies aws:SecureTransport=false"
