"""Oh My Coins on AWS: settings -> components -> exports. Composition only; logic lives in components/."""

import pulumi

from components.network import Network, NetworkArgs
from components.provider import account_id, aws_provider
from components.settings import load_settings

settings = load_settings()
provider = aws_provider(settings)
on_aws = pulumi.ResourceOptions(providers=[provider])
account = account_id(provider)

network = Network(
    "network",
    NetworkArgs(settings=settings.network, name_prefix=settings.prefix, region=settings.region, account_id=account),
    opts=on_aws,
)

pulumi.export("vpcId", network.vpc_id)
pulumi.export("vpcCidr", network.vpc_cidr)
pulumi.export("publicSubnetIds", network.public_subnet_ids)
pulumi.export("privateAppSubnetIds", network.private_app_subnet_ids)
pulumi.export("privateDataSubnetIds", network.private_data_subnet_ids)
pulumi.export("natGatewayIds", network.nat_gateway_ids)
